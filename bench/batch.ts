/**
 * `npm run bench:batch` (batch-run.ts): the command line is read before anything is loaded,
 * so `--help` and mistakes cost nothing.
 */
import {exitWith, stdio} from '../tools/cli/exit';
import {stopOnSignals} from './children';
import {noArguments} from '../tools/cli/flags';

export const USAGE = `Usage: npm run bench:batch

Batches end to end through the local emulators: 10,000 users × 1 device (firestore backend)
in 10 batches, published to the official Pub/Sub emulator, pushed to deliverNotification
(functions-framework on dist/, in its own process) and sent to the FCM emulator, against a
floor of the same 10,000 sends made directly from a bare process with as many in flight,
alternately. Checks that every batch is done and that each token got exactly one message.
Prints sends per second, the ratio, peak memory of the function and where an event's time
goes, and writes the "batch" entry of bench/results/latest.json (see docs/performance.md).
Needs the Google Cloud CLI's Firestore and Pub/Sub emulators and Java; takes a few minutes.

Options:
  -h, --help   show this help; nothing is run or written

Environment:
  BENCH_BATCH_USERS    users, one device each (default 10000)
  BENCH_BATCH_ROUNDS   floor/ours alternations (default 2)`;

/** Parses the command line, then runs the bench; resolves with the exit code. */
export async function main(
  argv: readonly string[],
  io: typeof stdio = stdio,
): Promise<number> {
  const done = noArguments(argv, USAGE, io);
  if (done !== null) return done;
  stopOnSignals(io.err);
  const {runBatchBench} = await import('./batch-run');
  await runBatchBench();
  return 0;
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
