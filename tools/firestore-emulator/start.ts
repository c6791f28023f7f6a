/**
 * Starts the official Cloud Firestore emulator as a child process (../cli/emulator-process.ts)
 * and resets its data over HTTP.
 */
import {startEmulatorProcess} from '../cli/emulator-process';
import {findFreePort} from './free-port';
import {locateFirestoreEmulator} from './locate';

const HOST = '127.0.0.1';
const READY_LINE = 'Dev App Server is now running.';

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

/** Spawns the official emulator and resolves once it reports it is serving. */
export async function startFirestoreEmulator(
  opts: StartFirestoreOptions = {},
): Promise<RunningFirestore> {
  const command = opts.command ?? resolveCommand();
  const port = opts.port || (await findFreePort(HOST));
  return startEmulatorProcess({
    name: 'Cloud Firestore emulator',
    command,
    args: [`--host=${HOST}`, `--port=${port}`, ...(opts.args ?? [])],
    host: `${HOST}:${port}`,
    readyLine: READY_LINE,
    log: opts.log,
    readyTimeoutMs: opts.readyTimeoutMs,
    killOnSignals: opts.killOnSignals,
    onUnexpectedExit: opts.onUnexpectedExit,
  });
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
