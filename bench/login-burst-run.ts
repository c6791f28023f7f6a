/**
 * The body of `npm run bench:login` (login-burst.ts): what the login throttle costs a burst of correct sign-ins from one
 * client address (a carrier NAT: thousands of users behind one address), with the
 * verification cache off, as fresh instances see them. Prints, per kind of sign-in, the
 * throughput, the Firestore round trips and writes per sign-in, and the most writes any
 * one counter document took (Firestore sustains about one write a second per document).
 *
 *   new device     first sign-in of a device: reserves a unit of the user's own email budget
 *   known device   the app re-registering a token the user holds: reads only
 *
 * One process: the official Firestore emulator, addDevice inside the Functions Framework.
 */
import type {AddressInfo} from 'node:net';
import * as functions from '@google-cloud/functions-framework';
import {getTestServer} from '@google-cloud/functions-framework/testing';
import bcrypt from 'bcryptjs';
import {firestoreCounts, installFirestoreCounter} from './firestore-counter';
import {makeAddDevice} from '../functions/add-device';
import {
  LOGIN_FAILURES,
  USERS as USERS_COLLECTION,
} from '../shared/firestore/collections';
import {parseConfig} from '../shared/platform/config';
import {createLogger} from '../shared/platform/logger';
import {createRuntime} from '../shared/runtime';
import {startFirestoreEmulator} from '../tools/firestore-emulator/start';
import {forEachLimit} from '../shared/platform/pool';

const USERS = Number(process.env.BENCH_LOGIN_USERS ?? 400);
const CONCURRENCY = 32;
const COST = 10;
const PROJECT = 'bench-login-burst';
const NAT = '100.64.7.7';

/** Runs the burst and prints its table. */
export async function runLoginBurst(): Promise<void> {
  installFirestoreCounter();
  const emulator = await startFirestoreEmulator();
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  try {
    const runtime = createRuntime(
      parseConfig({
        GOOGLE_CLOUD_PROJECT: PROJECT,
        DEVICE_GROUPS: 'firestore',
        AUTH_CACHE_TTL_MS: '0',
        BCRYPT_COST: String(COST),
      }),
      createLogger('ERROR'),
    );
    functions.http(
      'addDeviceBench',
      makeAddDevice(() => runtime),
    );
    const server = getTestServer('addDeviceBench');
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const db = await runtime.db.client();
    const hash = await bcrypt.hash('correct horse', COST);
    // Seeded in one batch: upsertUser's email-claim transactions would only contend here.
    const seed = db.batch();
    for (let id = 1; id <= USERS; id++)
      seed.set(db.collection(USERS_COLLECTION).doc(String(id)), {
        email: `user${id}@example.com`,
        password: hash,
      });
    await seed.commit();
    const signIn = (id: number) =>
      fetch(`${url}/users/${id}/fcm_registration_tokens`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Forwarded-For': NAT,
          Authorization:
            'Basic ' +
            Buffer.from(`user${id}@example.com:correct horse`).toString(
              'base64',
            ),
        },
        body: JSON.stringify({registration_id: `device-of-${id}`}),
      }).then(r => r.status);

    const rows: string[] = [];
    for (const kind of ['new device', 'known device'] as const) {
      firestoreCounts(true);
      const statuses: number[] = [];
      const started = performance.now();
      await forEachLimit(
        Array.from({length: USERS}, (_, i) => i + 1),
        CONCURRENCY,
        async id => void statuses.push(await signIn(id)),
      );
      const seconds = (performance.now() - started) / 1000;
      const counts = firestoreCounts(true);
      const rpcs = Object.values(counts.rpcs).reduce((a, b) => a + b, 0);
      const expected = kind === 'new device' ? 201 : 200;
      const wrong = statuses.filter(s => s !== expected).length;
      if (wrong > 0)
        throw new Error(`${wrong} sign-ins did not answer ${expected}`);
      const counters = await db.collection(LOGIN_FAILURES).get();
      const clientDocs = counters.docs.filter(d => d.get('kind') === 'client');
      rows.push(
        `| ${kind} | ${USERS} | ${(USERS / seconds).toFixed(0)} | ${(rpcs / USERS).toFixed(2)} | ${(counts.writes / USERS).toFixed(2)} | ${counters.size} (${clientDocs.length} under the address) |`,
      );
    }
    process.stdout.write(
      [
        `Correct sign-ins of ${USERS} users from one address (${NAT}), bcrypt cost ${COST}, ${CONCURRENCY} at once, cache off:`,
        '',
        '| sign-in | users | sign-ins/s | Firestore RPCs per sign-in | writes per sign-in | counter documents after |',
        '| --- | --- | --- | --- | --- | --- |',
        ...rows,
        '',
      ].join('\n'),
    );
    await new Promise(resolve => server.close(resolve));
  } finally {
    await emulator.stop();
  }
}
