/**
 * The processes the benchmark spawns (servers, cold starts). They share npm's process group,
 * so a Ctrl+C in the terminal reaches them, but a signal to npm or node alone does not: they
 * are killed when the benchmark's process exits, however it exits short of SIGKILL.
 */
import type {ChildProcess} from 'node:child_process';

const running = new Set<ChildProcess>();

process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Kills `child` with the benchmark, unless it has exited by then. */
export function track<T extends ChildProcess>(child: T): T {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/**
 * Stopped half-way, a benchmark writes nothing: the first SIGINT, SIGTERM or SIGHUP says so
 * and exits, and exiting kills what it started (above, and the emulators' own exit hooks),
 * whichever process of the group got the signal.
 */
export function stopOnSignals(err: (text: string) => void): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      err(`\n${signal}: stopping the benchmark; no results are written.\n`);
      process.exit(130);
    });
}
