/**
 * Command line and environment of `npm start`.
 */
import {parseFlags, stringFlag} from '../cli/flags';

export const DEFAULT_PORT = 40020;

export const USAGE = `Usage: npm start [-- --persist DIR]

Starts the whole stack on this machine: the official Cloud Firestore emulator, the FCM
device-group emulator, the official Pub/Sub emulator (batches: npm run notify -- --users),
and the functions behind one router, with the demo user of the API reference. Data lives in
memory and is reset on each start, unless --persist is given.

Options:
  --persist DIR   keep the data in DIR (the Firestore documents, and the FCM emulator's groups
                  and deliveries): loaded at start, saved when the stack stops (Ctrl+C, SIGTERM,
                  SIGHUP; a second Ctrl+C stops without saving, DIR keeping the previous save);
                  needs the official emulator. .local-data is ignored by git. Pub/Sub's
                  undelivered messages are not kept.
  -h, --help      show this help

Environment:
  DEVICE_GROUPS             fcm (default: each user's devices are an FCM device group) or
                            firestore (the device list in Firestore is the group; what a
                            Firebase project created after 2026-12-01 must use). Give the
                            same value to npm run notify and the other commands.
  PORT                      the router's port (default ${DEFAULT_PORT}); the Firestore emulator
                            listens on PORT+1, the FCM emulator on PORT+2 and the Pub/Sub
                            emulator on PORT+3
  FIRESTORE_EMULATOR_HOST   use this running Firestore emulator instead of starting one
  FCM_EMULATOR_HOST         use this running FCM emulator instead of starting one
  PUBSUB_EMULATOR_HOST      use this running Pub/Sub emulator instead of starting one
  FIRESTORE_EMULATOR_BIN    the emulator launcher to run (default: found with \`gcloud info\`)
  PUBSUB_EMULATOR_BIN       the Pub/Sub emulator's launcher (default: found with \`gcloud info\`)
  NOTIFY_TOPIC              the topic of batches (default notifications)
  GOOGLE_CLOUD_PROJECT      the Firestore project (default demo-device-registration)
  DEVICE_GROUP_PREFIX       prefix of FCM device-group names (default local)`;

export interface StackOptions {
  /** The router's port; 0 picks free ports for everything. */
  port: number;
  firestorePort: number;
  fcmPort: number;
  pubsubPort: number;
  /** Where the Firestore data is kept between runs; absent: in memory only. */
  persistDir?: string;
}

export type StackCommand =
  | {kind: 'help'}
  | {kind: 'start'; options: StackOptions}
  | {kind: 'invalid'; problems: string[]};

/** Parses `npm start`'s flags and PORT, collecting every problem at once. */
export function parseStackArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): StackCommand {
  const parsed = parseFlags(argv, {persist: {type: 'string'}});
  if (parsed.help) return {kind: 'help'};
  const problems = [...parsed.problems];
  if (parsed.positionals.length)
    problems.push(`unexpected argument(s): ${parsed.positionals.join(' ')}`);
  const rawPort = env.PORT?.trim() || String(DEFAULT_PORT);
  const port = Number(rawPort);
  // The emulators take the three ports above PORT.
  if (!/^\d+$/.test(rawPort) || port > 65532)
    problems.push(
      `PORT must be a port number from 0 to 65532, got "${env.PORT}"`,
    );
  const persistDir = stringFlag(parsed, 'persist');
  if (problems.length) return {kind: 'invalid', problems};
  return {
    kind: 'start',
    options: {
      port,
      firestorePort: port === 0 ? 0 : port + 1,
      fcmPort: port === 0 ? 0 : port + 2,
      pubsubPort: port === 0 ? 0 : port + 3,
      persistDir,
    },
  };
}
