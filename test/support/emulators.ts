/**
 * What test files use to reach the emulators global-setup provides. Test files run in parallel
 * workers against the same emulators, so each file works in its own Firestore project and its
 * own FCM sender id (see uniqueProjectId / uniqueSenderId).
 */
import path from 'node:path';
import {randomBytes, randomInt} from 'node:crypto';
import {resetFirestore as resetEmulatorProject} from '../../tools/firestore-emulator/start';
import {PUBSUB_SKIP_TAG, SKIP_TAG} from './notice';

/** Why the Firestore emulator is unavailable, or undefined when FIRESTORE_EMULATOR_HOST is set. */
export function firestoreMissingReason(): string | undefined {
  if (process.env.FIRESTORE_EMULATOR_HOST) return undefined;
  return (
    process.env.FIRESTORE_EMULATOR_MISSING ??
    'FIRESTORE_EMULATOR_HOST is not set and test/support/global-setup.ts did not say why (did it run?)'
  );
}

/** `127.0.0.1:PORT` of the Firestore emulator; throws with the reason when there is none. */
export function firestoreEmulatorHost(): string {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (!host)
    throw new Error(`No Cloud Firestore emulator: ${firestoreMissingReason()}`);
  return host;
}

/**
 * `describe` when the Firestore emulator is available; otherwise `describe.skip` with the reason
 * in the suite's name and a line on stderr, so a skip is visible and never reads as a pass.
 */
export function describeWithFirestore(name: string, fn: () => void): void {
  describeUnless(firestoreMissingReason(), SKIP_TAG, name, fn);
}

/** `describe`, or a visible skip naming `missing` (the reason) on stderr and in the suite's name. */
function describeUnless(
  missing: string | undefined,
  tag: string,
  name: string,
  fn: () => void,
): void {
  if (missing === undefined) {
    describe(name, fn);
    return;
  }
  // Written straight to stderr: jest's default reporter drops console output of fully skipped files.
  process.stderr.write(`${tag} "${name}" is skipped: ${missing}\n`);
  describe.skip(`${name} ${tag}`, fn);
}

/** Why the Pub/Sub emulator is unavailable, or undefined when PUBSUB_EMULATOR_HOST is set. */
export function pubsubMissingReason(): string | undefined {
  if (process.env.PUBSUB_EMULATOR_HOST) return undefined;
  return (
    process.env.PUBSUB_EMULATOR_MISSING ??
    'PUBSUB_EMULATOR_HOST is not set and test/support/global-setup.ts did not say why (did it run?)'
  );
}

/**
 * `describe` when the Firestore and Pub/Sub emulators are both available; otherwise
 * `describe.skip`, saying which is missing and why, as describeWithFirestore does.
 */
export function describeWithPubsub(name: string, fn: () => void): void {
  const firestore = firestoreMissingReason();
  describeUnless(
    firestore ?? pubsubMissingReason(),
    firestore === undefined ? PUBSUB_SKIP_TAG : SKIP_TAG,
    name,
    fn,
  );
}

/**
 * A project id no other test file uses, like `devices-a1b2c3d4e5`: call it once per file and
 * give it to every Firestore client and function under test in that file.
 */
export function uniqueProjectId(prefix = testFileSlug()): string {
  const slug =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'test';
  // Real project ids are at most 30 characters and start with a letter; keep to that shape.
  const head = /^[a-z]/.test(slug) ? slug : `t-${slug}`;
  return `${head.slice(0, 19).replace(/-+$/, '')}-${randomBytes(5).toString('hex')}`;
}

/** A numeric FCM sender id (a project number) no other test file uses; it namespaces FCM groups. */
export function uniqueSenderId(): string {
  return String(randomInt(100_000_000_000, 999_999_999_999));
}

/** Deletes every document of `projectId` in the Firestore emulator. */
export function resetFirestore(projectId: string): Promise<void> {
  return resetEmulatorProject(firestoreEmulatorHost(), projectId);
}

/** Base URL of the FCM emulator (`http://127.0.0.1:PORT`); FCM's endpoint is `${url}/fcm/notification`. */
export function fcmEmulatorUrl(): string {
  return `http://${fcmEmulatorHost()}`;
}

/** `127.0.0.1:PORT` of the FCM emulator, for FCM_EMULATOR_HOST in a function's configuration. */
export function fcmEmulatorHost(): string {
  const host = process.env.FCM_EMULATOR_HOST;
  if (!host)
    throw new Error(
      'FCM_EMULATOR_HOST is not set: test/support/global-setup.ts did not run',
    );
  return host;
}

function testFileSlug(): string {
  const testPath = expect.getState().testPath;
  return testPath ? path.basename(testPath).replace(/\.test\.ts$/, '') : 'test';
}
