/**
 * Finds the launcher of the official Cloud Firestore emulator, which ships with the Google Cloud CLI
 * (the SDK-root lookup is ../cli/gcloud-sdk.ts, shared with the Pub/Sub emulator's).
 */
import {
  defaultLocateDeps,
  locateEmulator,
  type EmulatorLocation,
  type LocateDeps,
} from '../cli/gcloud-sdk';

export type {EmulatorLocation, ExecResult, LocateDeps} from '../cli/gcloud-sdk';

const FIRESTORE = {
  name: 'Firestore',
  binVariable: 'FIRESTORE_EMULATOR_BIN',
  launcher: [
    'platform',
    'cloud-firestore-emulator',
    'cloud_firestore_emulator',
  ],
  installHint:
    'install the Google Cloud CLI with its Firestore emulator ' +
    '(`gcloud components install cloud-firestore-emulator`, or the Debian package google-cloud-cli-firestore-emulator) ' +
    'and Java (17 is known to work), or set FIRESTORE_EMULATOR_BIN to the launcher',
} as const;

/**
 * Where the Cloud Firestore emulator launcher is: `FIRESTORE_EMULATOR_BIN` when set, otherwise
 * `<sdk_root>/platform/cloud-firestore-emulator/cloud_firestore_emulator` (see locateEmulator).
 */
export function locateFirestoreEmulator(
  env: NodeJS.ProcessEnv = process.env,
  deps: LocateDeps = defaultLocateDeps,
): EmulatorLocation {
  return locateEmulator(FIRESTORE, env, deps);
}
