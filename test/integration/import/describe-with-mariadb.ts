/**
 * `describe` for suites needing MariaDB and the Firestore emulator: when either is missing,
 * `describe.skip` with the reason in the suite's name and on stderr, so a skip never reads
 * as a pass.
 */
import {firestoreMissingReason} from '../../support/emulators';
import {mariadbMissingReason} from '../../support/mariadb';

const TAG = '[SKIPPED: no MariaDB or no Firestore emulator]';

export function describeWithMariaDb(name: string, fn: () => void): void {
  const missing = mariadbMissingReason() ?? firestoreMissingReason();
  if (missing === undefined) {
    describe(name, fn);
    return;
  }
  // Straight to stderr: jest's default reporter drops console output of fully skipped files.
  process.stderr.write(`${TAG} "${name}" is skipped: ${missing}\n`);
  describe.skip(`${name} ${TAG}`, fn);
}
