/** The words a run without the Firestore emulator shows, so a skip never passes for a success. */
export const SKIP_TAG = '[SKIPPED: no Firestore emulator]';

/** A banner for stderr saying that, and why, every suite needing Firestore is skipped. */
export function firestoreMissingBanner(reason: string): string {
  const rule = '!'.repeat(100);
  return [
    '',
    rule,
    '!! NO CLOUD FIRESTORE EMULATOR: every test suite that needs Firestore is SKIPPED.',
    `!! Why: ${reason}`,
    `!! Each skipped suite prints a line starting with ${SKIP_TAG}.`,
    rule,
    '',
    '',
  ].join('\n');
}

/** The words a run without the Pub/Sub emulator shows. */
export const PUBSUB_SKIP_TAG = '[SKIPPED: no Pub/Sub emulator]';

/** A banner for stderr saying that, and why, every suite needing Pub/Sub is skipped. */
export function pubsubMissingBanner(reason: string): string {
  const rule = '!'.repeat(100);
  return [
    '',
    rule,
    '!! NO PUB/SUB EMULATOR: every test suite of batches (notifyUsers, deliverNotification) is SKIPPED.',
    `!! Why: ${reason}`,
    `!! Each skipped suite prints a line starting with ${PUBSUB_SKIP_TAG}.`,
    rule,
    '',
    '',
  ].join('\n');
}
