/**
 * jest globalSetup: provides the official Cloud Firestore emulator and our FCM emulator to every
 * test worker through environment variables (workers are spawned afterwards and inherit them):
 *   FIRESTORE_EMULATOR_HOST     `127.0.0.1:PORT`, or
 *   FIRESTORE_EMULATOR_MISSING  why there is no Firestore emulator (tests needing it are skipped)
 *   FIRESTORE_EMULATOR_RULES    the rules file the emulator it started loaded (firestore.rules)
 *   FCM_EMULATOR_HOST           `127.0.0.1:PORT`
 *   PUBSUB_EMULATOR_HOST        `127.0.0.1:PORT` of the official Pub/Sub emulator, or
 *   PUBSUB_EMULATOR_MISSING     why there is none (tests needing it are skipped)
 * Emulators already named by the environment are used as they are and not stopped afterwards.
 */
import {appendFileSync} from 'node:fs';
import {startFcmEmulator} from '../../tools/fcm-emulator/server';
import {locateFirestoreEmulator} from '../../tools/firestore-emulator/locate';
import {startFirestoreEmulator} from '../../tools/firestore-emulator/start';
import {locatePubsubEmulator} from '../../tools/pubsub-emulator/locate';
import {startPubsubEmulator} from '../../tools/pubsub-emulator/start';
import {rulesFile} from '../../tools/cli/repository';
import {saveHandles, type HarnessHandles} from './harness-state';
import {firestoreMissingBanner, pubsubMissingBanner} from './notice';

export default async function globalSetup(): Promise<void> {
  const handles: HarnessHandles = {stops: []};
  saveHandles(handles);
  // Everything runs against emulators: stop the Google SDKs from probing for a GCE
  // metadata server (a slow network lookup and a warning on every new client).
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  try {
    await Promise.all([provideFirestore(handles), providePubsub(handles)]);
    await provideFcm(handles);
  } catch (err) {
    // jest skips globalTeardown when setup throws: stop what did start.
    await Promise.allSettled(handles.stops.map(s => s.stop()));
    throw err;
  }
}

async function provideFirestore(handles: HarnessHandles): Promise<void> {
  if (process.env.FIRESTORE_EMULATOR_HOST) {
    delete process.env.FIRESTORE_EMULATOR_MISSING;
    return;
  }
  const where = locateFirestoreEmulator();
  if ('missing' in where) {
    process.env.FIRESTORE_EMULATOR_MISSING = where.missing;
    process.stderr.write(firestoreMissingBanner(where.missing));
    return;
  }
  // Found but failing to start is a broken machine, not a reason to skip: the error stops the run.
  // The project's security rules, as deployed: clients are refused, the server SDKs bypass them.
  const emulator = await startFirestoreEmulator({
    command: where.command,
    port: 0,
    args: [`--rules=${rulesFile()}`],
  });
  handles.stops.push({
    name: 'Cloud Firestore emulator',
    stop: () => stopAndForget(emulator.stop(), 'FIRESTORE_EMULATOR_HOST'),
  });
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  process.env.FIRESTORE_EMULATOR_RULES = rulesFile();
  delete process.env.FIRESTORE_EMULATOR_MISSING;
}

async function providePubsub(handles: HarnessHandles): Promise<void> {
  if (process.env.PUBSUB_EMULATOR_HOST) {
    delete process.env.PUBSUB_EMULATOR_MISSING;
    return;
  }
  const where = locatePubsubEmulator();
  if ('missing' in where) {
    process.env.PUBSUB_EMULATOR_MISSING = where.missing;
    process.stderr.write(pubsubMissingBanner(where.missing));
    return;
  }
  // PUBSUB_EMULATOR_LOG=FILE keeps the emulator's output, for when a push goes astray.
  const logFile = process.env.PUBSUB_EMULATOR_LOG;
  const emulator = await startPubsubEmulator({
    command: where.command,
    log: logFile ? line => appendFileSync(logFile, `${line}\n`) : undefined,
  });
  handles.stops.push({
    name: 'Pub/Sub emulator',
    stop: () => stopAndForget(emulator.stop(), 'PUBSUB_EMULATOR_HOST'),
  });
  process.env.PUBSUB_EMULATOR_HOST = emulator.host;
  delete process.env.PUBSUB_EMULATOR_MISSING;
}

async function provideFcm(handles: HarnessHandles): Promise<void> {
  if (process.env.FCM_EMULATOR_HOST) return;
  const fcm = await startFcmEmulator({port: 0});
  handles.stops.push({
    name: 'FCM emulator',
    stop: () => stopAndForget(fcm.close(), 'FCM_EMULATOR_HOST'),
  });
  process.env.FCM_EMULATOR_HOST = fcm.host;
}

/** Clears the variable naming a stopped emulator, so a re-run (jest --watch) starts a new one. */
async function stopAndForget(
  stopped: Promise<void>,
  variable: string,
): Promise<void> {
  await stopped;
  delete process.env[variable];
}
