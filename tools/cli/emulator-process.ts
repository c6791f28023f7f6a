/**
 * Runs one of the Google Cloud CLI's Java emulators (Firestore's, Pub/Sub's) as a child
 * process: in a process group of its own (the launcher is a shell script that forks Java,
 * so only a group kill reaches the JVM), ready once it prints its ready line, killed with
 * this process, and stopped with SIGTERM then SIGKILL.
 */
import {spawn, type ChildProcess} from 'node:child_process';

const TAIL_LINES = 40;
const STOP_GRACE_MS = 5_000;
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
];

export interface RunningEmulator {
  /** `127.0.0.1:PORT`, what the SDKs' `…_EMULATOR_HOST` variables expect. */
  host: string;
  /** The launcher's pid, which leads the emulator's process group. */
  pid: number;
  stop(): Promise<void>;
  /** Freezes the emulator (SIGSTOP): it keeps its data but answers nothing, like an outage. */
  pause(): void;
  /** Thaws a paused emulator (SIGCONT). */
  resume(): void;
}

export interface EmulatorProcessOptions {
  /** "Cloud Firestore emulator", for messages. */
  name: string;
  command: string;
  args: readonly string[];
  host: string;
  /** A line of the emulator's output that says it serves. */
  readyLine: string;
  /** Receives every line the emulator prints; silent when absent. */
  log?: (line: string) => void;
  readyTimeoutMs?: number;
  /**
   * Kill the emulator on SIGINT, SIGTERM and SIGHUP (default true). A caller that handles these
   * signals itself (to save data before stopping) passes false; the kill on exit stays.
   */
  killOnSignals?: boolean;
  /** Called when the emulator exits after it was ready without `stop()` being called. */
  onUnexpectedExit?: (problem: string) => void;
}

/**
 * Spawns the emulator and resolves once it prints `readyLine`. The group is also killed when
 * this process exits or is interrupted. Rejects with the emulator's last lines of output when
 * it exits early or is not ready within `readyTimeoutMs` (default 30 s).
 */
export async function startEmulatorProcess(
  opts: EmulatorProcessOptions,
): Promise<RunningEmulator> {
  const log = opts.log ?? (() => undefined);
  const tail: string[] = [];
  const child = spawn(opts.command, [...opts.args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const closed = new Promise<void>(resolve =>
    child.once('close', () => resolve()),
  );
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  };
  const onExit = () => killGroup('SIGKILL');
  const onSignal = (signal: NodeJS.Signals) => {
    killGroup('SIGKILL');
    // Keep Node's default reaction (terminate) unless someone else handles the signal.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const detachHooks = () => {
    process.off('exit', onExit);
    for (const s of FORWARDED_SIGNALS) process.off(s, onSignal);
  };
  process.on('exit', onExit);
  if (opts.killOnSignals ?? true)
    for (const s of FORWARDED_SIGNALS) process.once(s, onSignal);
  closed.then(detachHooks, detachHooks);

  const startError = (problem: string) => {
    const output = tail.length
      ? tail.map(l => `  | ${l}`).join('\n')
      : '  (no output)';
    return new Error(
      `${opts.name} ${problem}.\nCommand: ${opts.command}\nLast output:\n${output}`,
    );
  };
  const ready = new Promise<void>((resolve, reject) => {
    const timeoutMs = opts.readyTimeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      killGroup('SIGKILL');
      reject(startError(`was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      log(line);
      if (line.includes(opts.readyLine)) {
        clearTimeout(timer);
        resolve();
      }
    };
    forwardLines(child, onLine);
    child.once('error', err => {
      clearTimeout(timer);
      reject(startError(`could not be run (${err.message})`));
    });
    // 'close' rather than 'exit': it comes after the last output, which the error shows.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      reject(
        startError(
          `exited before it was ready (${signal ?? `exit code ${code}`})`,
        ),
      );
    });
  });

  await ready;
  // The emulator must not keep a test runner or script alive on its own; the exit hook cleans up.
  child.unref();
  (child.stdout as {unref?: () => void} | null)?.unref?.();
  (child.stderr as {unref?: () => void} | null)?.unref?.();

  let stopping: Promise<void> | undefined;
  child.once('exit', (code, signal) => {
    if (!stopping) {
      const problem =
        `${opts.name} at ${opts.host} exited unexpectedly (${signal ?? `exit code ${code}`}).\n` +
        `Last output:\n${tail.join('\n')}`;
      if (opts.onUnexpectedExit) opts.onUnexpectedExit(problem);
      else process.stderr.write(`${problem}\n`);
    }
  });
  return {
    host: opts.host,
    pid: child.pid!,
    pause: () => killGroup('SIGSTOP'),
    resume: () => killGroup('SIGCONT'),
    stop() {
      stopping ??= (async () => {
        killGroup('SIGCONT'); // a paused JVM cannot act on SIGTERM
        killGroup('SIGTERM');
        const grace = setTimeout(() => killGroup('SIGKILL'), STOP_GRACE_MS);
        // 'close' waits for every holder of the output pipes, the JVM included.
        await closed;
        clearTimeout(grace);
      })();
      return stopping;
    },
  };
}

function forwardLines(
  child: ChildProcess,
  onLine: (line: string) => void,
): void {
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line.trimEnd());
    });
    stream?.on('end', () => {
      if (partial) onLine(partial.trimEnd());
    });
  }
}
