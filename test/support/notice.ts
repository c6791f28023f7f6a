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
