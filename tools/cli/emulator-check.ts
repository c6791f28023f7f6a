/**
 * The one check every command makes of the emulators the environment names, before any SDK
 * is involved: the Google SDKs retry an unreachable host for most of a minute and then end in
 * a gRPC stack trace that never names the variable. A TCP connection within a few seconds
 * tells a stale FIRESTORE_EMULATOR_HOST or FCM_EMULATOR_HOST apart from a running emulator,
 * and the failure is one sentence naming the variable and what to do.
 */
import net from 'node:net';

/** The variables that name an emulator, and what each names. */
export const EMULATORS = {
  FIRESTORE_EMULATOR_HOST: 'Firestore emulator',
  FCM_EMULATOR_HOST: 'FCM emulator',
  PUBSUB_EMULATOR_HOST: 'Pub/Sub emulator',
} as const;

/** The port `npm start` gives each emulator by default, for examples in messages. */
const DEFAULT_PORTS: Record<EmulatorVariable, number> = {
  FIRESTORE_EMULATOR_HOST: 40021,
  FCM_EMULATOR_HOST: 40022,
  PUBSUB_EMULATOR_HOST: 40023,
};

export type EmulatorVariable = keyof typeof EMULATORS;

export type Reachability = {kind: 'up'} | {kind: 'down'; problem: string};

/** How long a connection may take before the emulator counts as not answering. */
export const CHECK_TIMEOUT_MS = 2_000;

/** What a command that uses the local stack's emulators tells a person to do about one that is down. */
export function startTheStack(variable: EmulatorVariable): string {
  return `start the local stack with \`npm start\` in another terminal, or point ${variable} at a running emulator`;
}

/**
 * Connects (and disconnects) to the emulator `variable` names in `env`. Up when it accepts
 * within `timeoutMs`, or when the variable is not set (there is nothing to check); otherwise
 * one sentence: the variable, its value, why, and `advice` (what to do, without a capital or
 * a full stop).
 */
export function checkEmulator(
  variable: EmulatorVariable,
  advice: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<Reachability> {
  const host = env[variable]?.trim();
  if (!host) return Promise.resolve({kind: 'up'});
  const colon = host.lastIndexOf(':');
  const hostname = host.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(host.slice(colon + 1));
  if (
    colon < 1 ||
    !/^\d+$/.test(host.slice(colon + 1)) ||
    port < 1 ||
    port > 65535
  )
    return Promise.resolve({
      kind: 'down',
      problem: `${variable} must be HOST:PORT (like 127.0.0.1:${DEFAULT_PORTS[variable]}), got "${host}": fix it, or unset it.`,
    });
  return new Promise(resolve => {
    const socket = net.connect({host: hostname, port});
    let settled = false;
    const done = (result: Reachability) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    const down = (why: string) =>
      done({
        kind: 'down',
        problem: `The ${EMULATORS[variable]} that ${variable}=${host} names does not answer (${why}): ${advice}.`,
      });
    // The verdict waits one turn of the event loop: when the process was busy (loading
    // modules) past the timeout, timers run before the I/O that may hold the connection.
    socket.setTimeout(timeoutMs, () =>
      setImmediate(() => down(`no connection within ${timeoutMs / 1000} s`)),
    );
    socket.once('connect', () => done({kind: 'up'}));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      down(err.code === 'ECONNREFUSED' ? 'connection refused' : err.message),
    );
  });
}

/**
 * Checks every emulator of `variables` that `env` names, at once; resolves with one sentence
 * per emulator that does not answer (empty when all do). `advice(variable)` says what to do.
 */
export async function unreachableEmulators(
  variables: readonly EmulatorVariable[],
  advice: (variable: EmulatorVariable) => string = startTheStack,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<string[]> {
  const results = await Promise.all(
    variables.map(v => checkEmulator(v, advice(v), env, timeoutMs)),
  );
  return results.flatMap(r => (r.kind === 'down' ? [r.problem] : []));
}
