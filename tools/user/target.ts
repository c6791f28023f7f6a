/**
 * Which Firestore `npm run user` writes to, decided from the environment, and a quick check
 * that an emulator is there before the Firestore SDK (which retries for minutes) is involved.
 */
import net from 'node:net';

/** The project `npm start` uses unless GOOGLE_CLOUD_PROJECT says otherwise. */
export const LOCAL_PROJECT = 'demo-device-registration';

export type FirestoreTarget =
  | {kind: 'emulator'; host: string; projectId: string}
  | {kind: 'project'; projectId: string}
  | {kind: 'unknown'; problem: string};

export const UNKNOWN_TARGET =
  'No Firestore to write to: set FIRESTORE_EMULATOR_HOST=127.0.0.1:40021 to use the local stack ' +
  '(start it with `npm start`), or GOOGLE_CLOUD_PROJECT=<project id> to use a real project ' +
  '(with application default credentials: `gcloud auth application-default login`).';

/** Reads FIRESTORE_EMULATOR_HOST and GOOGLE_CLOUD_PROJECT (or GCLOUD_PROJECT). */
export function firestoreTarget(
  env: NodeJS.ProcessEnv = process.env,
): FirestoreTarget {
  const host = env.FIRESTORE_EMULATOR_HOST?.trim();
  const project = (env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT)?.trim();
  if (host)
    return {kind: 'emulator', host, projectId: project || LOCAL_PROJECT};
  if (project) return {kind: 'project', projectId: project};
  return {kind: 'unknown', problem: UNKNOWN_TARGET};
}

export type Reachability = {kind: 'up'} | {kind: 'down'; problem: string};

/** Opens (and closes) a TCP connection to the emulator within `timeoutMs`. */
export function probeEmulator(
  host: string,
  timeoutMs = 2_000,
): Promise<Reachability> {
  const colon = host.lastIndexOf(':');
  const hostname = host.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(host.slice(colon + 1));
  if (colon < 1 || !Number.isInteger(port) || port < 1 || port > 65535)
    return Promise.resolve({
      kind: 'down',
      problem: `FIRESTORE_EMULATOR_HOST must be HOST:PORT (like 127.0.0.1:40021), got "${host}".`,
    });
  return new Promise(resolve => {
    const socket = net.connect({host: hostname, port});
    const done = (result: Reachability) => {
      socket.destroy();
      resolve(result);
    };
    const down = (why: string) =>
      done({
        kind: 'down',
        problem:
          `Cannot reach the Firestore emulator at ${host} (FIRESTORE_EMULATOR_HOST): ${why}. ` +
          'Start the local stack with `npm start` in another terminal, or point FIRESTORE_EMULATOR_HOST at a running emulator.',
      });
    socket.setTimeout(timeoutMs, () =>
      down(`no answer within ${timeoutMs / 1000} s`),
    );
    socket.once('connect', () => done({kind: 'up'}));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      down(err.code === 'ECONNREFUSED' ? 'connection refused' : err.message),
    );
  });
}
