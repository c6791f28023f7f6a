/**
 * `npm run bench`: the benchmark (benchmark.ts), a measurement that prints numbers and writes
 * bench/results/latest.json. It fails only when the stack cannot run, never on a number. The
 * command line is read before anything is loaded, so `--help` and mistakes cost nothing.
 */
import {noArguments} from '../tools/cli/flags';
import {exitWith, stdio} from '../tools/cli/exit';
import {stopOnSignals} from './children';

export const USAGE = `Usage: npm run bench

Measures each endpoint against the cheapest correct implementation of the same work (a bare
node:http server with the same Firestore client, emulators and load generator), run
alternately, with both backends (DEVICE_GROUPS=fcm and firestore), and the cold start. Starts
its own official Firestore emulator and FCM emulator; takes several minutes. Prints the
tables and writes bench/results/latest.json (see docs/performance.md).

Options:
  -h, --help   show this help; nothing is run or written

Environment:
  BENCH_DURATION_S    seconds per measured segment (default 4)
  BENCH_ROUNDS        floor/ours alternations per row (default 3)
  BENCH_CONNECTIONS   concurrent connections of the load generator (default 20)
  BENCH_COLD_RUNS     cold starts measured (default 5)`;

/** Parses the command line, then runs the benchmark; resolves with the exit code. */
export async function main(
  argv: readonly string[],
  io: typeof stdio = stdio,
): Promise<number> {
  const done = noArguments(argv, USAGE, io);
  if (done !== null) return done;
  stopOnSignals(io.err);
  const {runBenchmark} = await import('./benchmark');
  await runBenchmark();
  return 0;
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
