/**
 * `npm run bench:login` (login-burst-run.ts): the command line is read before anything is
 * loaded, so `--help` and mistakes cost nothing.
 */
import {exitWith, stdio} from '../tools/cli/exit';
import {noArguments} from '../tools/cli/flags';

export const USAGE = `Usage: npm run bench:login

What the login throttle costs a burst of correct sign-ins from one client address (a carrier
NAT): addDevice inside the Functions Framework against its own official Firestore emulator,
with the verification cache off. Prints, for a new and a known device, the sign-ins per
second, the Firestore RPCs and writes per sign-in, and the counter documents left (see
docs/authentication.md).

Options:
  -h, --help   show this help; nothing is run

Environment:
  BENCH_LOGIN_USERS   users signing in (default 400)`;

/** Parses the command line, then runs the burst; resolves with the exit code. */
export async function main(
  argv: readonly string[],
  io: typeof stdio = stdio,
): Promise<number> {
  const done = noArguments(argv, USAGE, io);
  if (done !== null) return done;
  const {runLoginBurst} = await import('./login-burst-run');
  await runLoginBurst();
  return 0;
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
