/**
 * The benchmark's stack: the official Firestore emulator and the FCM emulator (started
 * here, stopped at the end) and the server processes: ours (bench/server.ts, one per
 * backend) and the floor (bench/floor.ts), each with its own environment.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {track} from './children';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import type {Firestore} from 'firebase-admin/firestore';
import {findJavaPid} from './proc-cpu';
import type {ProcessStats} from './process-stats';
import {startFcmEmulator, type FcmEmulator} from '../tools/fcm-emulator/server';
import {
  resetFirestore,
  startFirestoreEmulator,
  type RunningFirestore,
} from '../tools/firestore-emulator/start';

export const PROJECT = 'bench-device-registration';
export const SENDER = '424242424242';
export const PASSWORD = 'bench-password';

export interface Emulators {
  firestore: RunningFirestore;
  fcm: FcmEmulator;
  db: Firestore;
  /** The emulator's JVM, whose CPU time is read from /proc; null when it cannot be found. */
  javaPid: number | null;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmulators(): Promise<Emulators> {
  const firestore = await startFirestoreEmulator();
  const fcm = await startFcmEmulator();
  process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
  const {Firestore: Client} = await import('@google-cloud/firestore');
  const db = new Client({projectId: PROJECT}) as unknown as Firestore;
  return {
    firestore,
    fcm,
    db,
    javaPid: findJavaPid(firestore.host.split(':').pop()!),
    async reset() {
      // Transactions a stopped server left open hold locks for a while: retry the reset.
      for (let attempt = 1; ; attempt++) {
        try {
          await resetFirestore(firestore.host, PROJECT);
          break;
        } catch (err) {
          if (attempt >= 10) throw err;
          await new Promise(resolve => setTimeout(resolve, 2000));
        }
      }
      await fetch(`${fcm.url}/emulator/groups`, {method: 'DELETE'});
    },
    async stop() {
      await db.terminate();
      await fcm.close();
      await firestore.stop();
    },
  };
}

/** The environment of the functions: the emulators, this project and sender id. */
export function functionEnv(
  emulators: Emulators,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    FIRESTORE_EMULATOR_HOST: emulators.firestore.host,
    FCM_EMULATOR_HOST: emulators.fcm.host,
    GOOGLE_CLOUD_PROJECT: PROJECT,
    FCM_SENDER_ID: SENDER,
    DEVICE_GROUP_PREFIX: 'bench',
    LOG_LEVEL: 'WARNING',
    NODE_ENV: 'production',
    // The App Engine header check (as npm start uses): Scheduler's OIDC needs Google's keys.
    CRON_APPENGINE_COMPAT: 'true',
    ...extra,
  };
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  stats(reset?: boolean): Promise<ProcessStats>;
  stop(): Promise<void>;
}

/** Starts dist/bench/`script` (server.js: ours; floor.js: the floor) with `env`; waits until it listens. */
export async function startServer(
  env: NodeJS.ProcessEnv,
  script = 'server.js',
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  const child = track(
    spawn(process.execPath, [...nodeArgs, path.join(__dirname, script)], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('bench server did not start within 30 s')),
      30_000,
    );
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const match = /listening (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', code =>
      reject(new Error(`bench server exited with ${code}`)),
    );
  });
  child.stdout!.resume(); // warnings the functions log are not read: drop them
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child,
    async stats(reset = false) {
      const res = await fetch(`${url}/__bench/stats${reset ? '?reset=1' : ''}`);
      return (await res.json()) as ProcessStats;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise(resolve => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The Basic header of bench user `id` (all share one password). */
export function basicAuth(id: number): string {
  return (
    'Basic ' +
    Buffer.from(`user${id}@bench.example:${PASSWORD}`).toString('base64')
  );
}

/**
 * Creates users 1..count with one cost-`cost` bcrypt hash of the shared password (one hash
 * serves every user, so seeding stays fast while each check costs a full cost-10 compare).
 */
export async function seedUsers(
  db: Firestore,
  count: number,
  cost = 10,
): Promise<void> {
  const hash = await bcrypt.hash(PASSWORD, cost);
  for (let first = 1; first <= count; first += 400) {
    const batch = db.batch();
    for (let id = first; id < Math.min(first + 400, count + 1); id++) {
      batch.set(db.collection('users').doc(String(id)), {
        email: `user${id}@bench.example`,
        password: hash,
      });
    }
    await batch.commit();
  }
}
