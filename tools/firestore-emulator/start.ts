/**
 * Starts the official Cloud Firestore emulator as a child process and resets its data over HTTP.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {findFreePort} from './free-port';
import {locateFirestoreEmulator} from './locate';

const HOST = '127.0.0.1';
const READY_LINE = 'Dev App Server is now running.';
const TAIL_LINES = 40;
const STOP_GRACE_MS = 5_000;
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
];

/** A running emulator: `host` is what FIRESTORE_EMULATOR_HOST expects (`127.0.0.1:PORT`). */
export interface RunningFirestore {
  host: string;
  stop(): Promise<void>;
  /** Freezes the emulator (SIGSTOP): it keeps its data but answers nothing, like an outage. */
  pause?(): void;
  /** Thaws a paused emulator (SIGCONT). */
  resume?(): void;
}

export interface StartFirestoreOptions {
  /** 0 or absent: pick a free port. */
  port?: number;
  /** Receives every line the emulator prints; silent when absent. */
  log?: (line: string) => void;
  /** Launcher to run; discovered with `locateFirestoreEmulator` when absent. */
  command?: string;
  readyTimeoutMs?: number;
  /** More launcher flags, such as `--seed_from_export=PATH`. */
  args?: readonly string[];
  /**
   * Kill the emulator on SIGINT, SIGTERM and SIGHUP (default true). A caller that handles these
   * signals itself, to export the data before stopping, passes false; the kill on exit stays.
   */
  killOnSignals?: boolean;
  /** Called when the emulator exits after it was ready without `stop()` being called. */
  onUnexpectedExit?: (problem: string) => void;
}

/**
 * Spawns the official emulator in its own process group (the launcher is a shell script that forks
 * Java, so only a group kill reaches the JVM) and resolves once it reports it is serving.
 * The group is also killed when this process exits or is interrupted. Rejects with the emulator's
 * last lines of output when it exits early or is not ready within `readyTimeoutMs` (default 30 s).
 */
export async function startFirestoreEmulator(
  opts: StartFirestoreOptions = {},
): Promise<RunningFirestore> {
  const command = opts.command ?? resolveCommand();
  const port = opts.port || (await findFreePort(HOST));
  const host = `${HOST}:${port}`;
  const log = opts.log ?? (() => undefined);
  const tail: string[] = [];

  const args = [`--host=${HOST}`, `--port=${port}`, ...(opts.args ?? [])];
  const child = spawn(command, args, {
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

  const ready = new Promise<void>((resolve, reject) => {
    const timeoutMs = opts.readyTimeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      killGroup('SIGKILL');
      reject(startError(`was not ready within ${timeoutMs} ms`, command, tail));
    }, timeoutMs);
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      log(line);
      if (line.includes(READY_LINE)) {
        clearTimeout(timer);
        resolve();
      }
    };
    forwardLines(child, onLine);
    child.once('error', err => {
      clearTimeout(timer);
      reject(startError(`could not be run (${err.message})`, command, tail));
    });
    // 'close' rather than 'exit': it comes after the last output, which the error shows.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      reject(
        startError(
          `exited before it was ready (${signal ?? `exit code ${code}`})`,
          command,
          tail,
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
        `Cloud Firestore emulator at ${host} exited unexpectedly (${signal ?? `exit code ${code}`}).\n` +
        `Last output:\n${tail.join('\n')}`;
      if (opts.onUnexpectedExit) opts.onUnexpectedExit(problem);
      else process.stderr.write(`${problem}\n`);
    }
  });
  return {
    host,
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

/**
 * Deletes every document of `projectId` in the emulator at `host` (`127.0.0.1:PORT`).
 * Works only against the official emulator, which serves this endpoint.
 */
export async function resetFirestore(
  host: string,
  projectId: string,
): Promise<void> {
  const project = encodeURIComponent(projectId);
  const url = `http://${host}/emulator/v1/projects/${project}/databases/(default)/documents`;
  const res = await fetch(url, {
    method: 'DELETE',
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) {
    const body = await res.text();
    throw new Error(
      `Resetting Firestore project ${projectId} at ${host} failed: HTTP ${res.status} ${body}`,
    );
  }
}

function resolveCommand(): string {
  const where = locateFirestoreEmulator();
  if ('missing' in where)
    throw new Error(`Cloud Firestore emulator unavailable: ${where.missing}`);
  return where.command;
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

function startError(
  problem: string,
  command: string,
  tail: readonly string[],
): Error {
  const output = tail.length
    ? tail.map(l => `  | ${l}`).join('\n')
    : '  (no output)';
  return new Error(
    `Cloud Firestore emulator ${problem}.\nCommand: ${command}\nLast output:\n${output}`,
  );
}
