/**
 * Starts the official Pub/Sub emulator as a child process (../cli/emulator-process.ts).
 * `host` is what PUBSUB_EMULATOR_HOST expects; `@google-cloud/pubsub` honours it.
 */
import {
  startEmulatorProcess,
  type RunningEmulator,
} from '../cli/emulator-process';
import {findFreePort} from '../firestore-emulator/free-port';
import {locatePubsubEmulator} from './locate';

const HOST = '127.0.0.1';
const READY_LINE = 'Server started, listening on';

export type RunningPubsub = RunningEmulator;

export interface StartPubsubOptions {
  /** 0 or absent: pick a free port. */
  port?: number;
  /** Launcher to run; discovered with `locatePubsubEmulator` when absent. */
  command?: string;
  log?: (line: string) => void;
  /** See startEmulatorProcess: false when the caller handles the stop signals itself. */
  killOnSignals?: boolean;
  onUnexpectedExit?: (problem: string) => void;
}

/** Spawns the official emulator and resolves once it reports it is listening. */
export async function startPubsubEmulator(
  opts: StartPubsubOptions = {},
): Promise<RunningPubsub> {
  let command = opts.command;
  if (!command) {
    const where = locatePubsubEmulator();
    if ('missing' in where)
      throw new Error(`Pub/Sub emulator unavailable: ${where.missing}`);
    command = where.command;
  }
  const port = opts.port || (await findFreePort(HOST));
  return startEmulatorProcess({
    name: 'Pub/Sub emulator',
    command,
    args: [`--host=${HOST}`, `--port=${port}`],
    host: `${HOST}:${port}`,
    readyLine: READY_LINE,
    log: opts.log,
    killOnSignals: opts.killOnSignals,
    onUnexpectedExit: opts.onUnexpectedExit,
  });
}
