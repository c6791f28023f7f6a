/**
 * `npm run retire-device-groups -- [--rebuild] [--dry-run] [--since-user-id ID] [--concurrency N]
 * [--report FILE] [--force]`: see run.ts and docs/switching-backends.md. The first Ctrl-C
 * stops the run after the users in flight (and prints where to resume); a second one exits.
 */
import {run} from './run';
import {exitWith, stdio} from '../cli/exit';

if (require.main === module) {
  const stop = new AbortController();
  process.on('SIGINT', () => {
    if (stop.signal.aborted) process.exit(130);
    process.stderr.write(
      '\nStopping after the users in flight (Ctrl-C again to quit at once)…\n',
    );
    stop.abort();
  });
  exitWith(
    run(process.argv.slice(2), process.env, {
      ...stdio,
      isTTY: process.stderr.isTTY === true,
      stop: stop.signal,
    }),
  );
}
