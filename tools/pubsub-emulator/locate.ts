/**
 * Finds the launcher of the official Pub/Sub emulator, which ships with the Google Cloud CLI
 * (the SDK-root lookup is ../cli/gcloud-sdk.ts, shared with the Firestore emulator's).
 */
import {
  defaultLocateDeps,
  locateEmulator,
  type EmulatorLocation,
  type LocateDeps,
} from '../cli/gcloud-sdk';

const PUBSUB = {
  name: 'Pub/Sub',
  binVariable: 'PUBSUB_EMULATOR_BIN',
  launcher: ['platform', 'pubsub-emulator', 'bin', 'cloud-pubsub-emulator'],
  installHint:
    'install the Google Cloud CLI with its Pub/Sub emulator ' +
    '(`gcloud components install pubsub-emulator`, or the Debian package google-cloud-cli-pubsub-emulator) ' +
    'and Java (17 is known to work), or set PUBSUB_EMULATOR_BIN to the launcher',
} as const;

/**
 * Where the Pub/Sub emulator launcher is: `PUBSUB_EMULATOR_BIN` when set, otherwise
 * `<sdk_root>/platform/pubsub-emulator/bin/cloud-pubsub-emulator` (see locateEmulator).
 */
export function locatePubsubEmulator(
  env: NodeJS.ProcessEnv = process.env,
  deps: LocateDeps = defaultLocateDeps,
): EmulatorLocation {
  return locateEmulator(PUBSUB, env, deps);
}
