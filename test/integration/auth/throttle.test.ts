/**
 * Failed-login throttling across instances: two function instances (two runtimes, each
 * with its own server, verification cache and authenticator) share one Firestore
 * emulator project, as two Cloud Functions instances share one database. Requests go
 * over HTTP to removeDevice, the cheaper of the two endpoints that authenticate.
 */
import type {AddressInfo} from 'node:net';
import type {Server} from 'node:http';
import * as functions from '@google-cloud/functions-framework';
import {getTestServer} from '@google-cloud/functions-framework/testing';
import bcrypt from 'bcryptjs';
import {Firestore} from 'firebase-admin/firestore';
import {makeRemoveDevice} from '../../../functions/remove-device';
import {upsertUser} from '../../../shared/auth/users';
import {LOGIN_FAILURES, emailId} from '../../../shared/firestore/collections';
import {parseConfig} from '../../../shared/platform/config';
import {createLogger} from '../../../shared/platform/logger';
import {createRuntime} from '../../../shared/runtime';
import {
  describeWithFirestore,
  fcmEmulatorHost,
  resetFirestore,
  uniqueProjectId,
  uniqueSenderId,
} from '../../support/emulators';
import {basic} from '../../support/device-stack';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const TOO_MANY = {message: 'Too many login attempts. Please retry later.'};
const UNAUTHENTICATED = {message: 'Unauthenticated.'};
const FORBIDDEN = {message: 'This action is unauthorized.'};
const WINDOW_MS = 60_000;
/** A frozen clock 45 s into a window, so no test straddles two windows; 15 s remain. */
const NOW = new Date('2026-01-01T00:00:45Z');

describeWithFirestore('login throttle across two instances', () => {
  const projectId = uniqueProjectId();
  const lines: Record<string, unknown>[] = [];
  const urls: string[] = [];
  const servers: Server[] = [];
  let db: Firestore;

  beforeAll(async () => {
    const config = parseConfig({
      GOOGLE_CLOUD_PROJECT: projectId,
      FCM_EMULATOR_HOST: fcmEmulatorHost(),
      FCM_SENDER_ID: uniqueSenderId(),
      LOGIN_MAX_FAILURES_PER_EMAIL: '3',
      LOGIN_MAX_FAILURES_PER_IP: '5',
      LOGIN_WINDOW_MS: String(WINDOW_MS),
      BCRYPT_COST: '4',
    });
    for (const name of ['removeDeviceA', 'removeDeviceB']) {
      const log = createLogger('INFO', line => {
        lines.push({instance: name, ...JSON.parse(line)});
      });
      const runtime = createRuntime(config, log, {clock: () => NOW});
      functions.http(
        name,
        makeRemoveDevice(() => runtime),
      );
      const server = getTestServer(name);
      await new Promise<void>(resolve =>
        server.listen(0, '127.0.0.1', resolve),
      );
      servers.push(server);
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
    db = new Firestore({projectId});
  });
  afterAll(async () => {
    await Promise.all(
      servers.map(s => new Promise(resolve => s.close(resolve))),
    );
    await db.terminate();
  });
  beforeEach(async () => {
    lines.length = 0;
    await resetFirestore(projectId);
    for (const [id, email, password] of [
      ['1', ALICE, 'alice-pw'],
      ['2', BOB, 'bob-pw'],
    ] as const)
      await upsertUser(db, {
        id,
        email,
        passwordHash: await bcrypt.hash(password, 4),
      });
  });

  /** DELETE of an unknown token: 204 once authenticated, so the status is the auth's. */
  async function remove(
    instance: 0 | 1,
    auth: string,
    {user = '1', client}: {user?: string; client?: string} = {},
  ) {
    const headers: Record<string, string> = {
      Authorization: auth,
      'Content-Type': 'application/json',
    };
    if (client) headers['X-Forwarded-For'] = client;
    const response = await fetch(
      `${urls[instance]}/users/${user}/fcm_registration_tokens`,
      {
        method: 'DELETE',
        headers,
        body: JSON.stringify({registration_id: 'unknown-token'}),
      },
    );
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
      retryAfter: response.headers.get('retry-after'),
    };
  }

  it('throttles an email after 3 failures spread over both instances, with 429 and Retry-After', async () => {
    const wrong = basic(ALICE, 'guess');
    for (const instance of [0, 1, 0] as const)
      expect(await remove(instance, wrong)).toMatchObject({
        status: 401,
        body: UNAUTHENTICATED,
      });
    for (const instance of [1, 0] as const) {
      expect(await remove(instance, wrong)).toEqual({
        status: 429,
        body: TOO_MANY,
        retryAfter: '15',
      });
    }
    // The right password is refused too while the email is throttled...
    expect(
      await remove(1, basic('ALICE@example.com', 'alice-pw')),
    ).toMatchObject({status: 429, body: TOO_MANY});
    // ...but another email from the same client is not (4 client failures < 5).
    expect(await remove(1, basic(BOB, 'bob-pw'), {user: '2'})).toMatchObject({
      status: 204,
    });
    const counters = await db.collection(LOGIN_FAILURES).get();
    expect(
      counters.docs.map(d => [d.get('kind'), d.get('count')]).sort(),
    ).toEqual([
      ['client', 3],
      ['email', 3],
    ]);
    for (const doc of counters.docs) {
      expect(JSON.stringify(doc.data())).not.toContain('alice');
      expect(doc.get('window_start').toDate()).toEqual(
        new Date('2026-01-01T00:00:00Z'),
      );
      expect(doc.get('expires_at').toDate()).toEqual(
        new Date('2026-01-01T00:01:00Z'),
      );
    }
  });

  it('throttles a client address over many emails, read from the right of X-Forwarded-For', async () => {
    for (let i = 0; i < 5; i++)
      expect(
        await remove((i % 2) as 0 | 1, basic(`nobody-${i}@example.com`, 'x'), {
          client: '203.0.113.7',
        }),
      ).toMatchObject({status: 401});
    // A forged first entry does not make a new client.
    expect(
      await remove(0, basic('nobody-5@example.com', 'x'), {
        client: '6.6.6.6, 203.0.113.7',
      }),
    ).toMatchObject({status: 429, body: TOO_MANY});
    expect(
      await remove(1, basic('nobody-6@example.com', 'x'), {
        client: '198.51.100.1',
      }),
    ).toMatchObject({status: 401, body: UNAUTHENTICATED});
  });

  it('logs each failed login at WARNING with the client and the user id, never the password or the email', async () => {
    await remove(0, basic(ALICE, 'guess-1'), {client: '203.0.113.8'});
    await remove(1, basic('nobody@example.com', 'guess-2'), {
      client: '203.0.113.8',
    });
    const warnings = lines.filter(l => l.severity === 'WARNING');
    expect(warnings).toEqual([
      expect.objectContaining({
        instance: 'removeDeviceA',
        message: 'login failed',
        clientIp: '203.0.113.8',
        userId: '1',
        emailId: emailId(ALICE),
      }),
      expect.objectContaining({
        instance: 'removeDeviceB',
        message: 'login failed',
        clientIp: '203.0.113.8',
        emailId: emailId('nobody@example.com'),
      }),
    ]);
    expect(warnings[1]).not.toHaveProperty('userId');
    const text = JSON.stringify(lines);
    for (const secret of ['guess-1', 'guess-2', ALICE, 'nobody@example.com'])
      expect(text).not.toContain(secret);
  });

  it('keeps 403 for valid credentials of another user, existing or not, and counts no failure', async () => {
    const bob = basic(BOB, 'bob-pw');
    expect(await remove(0, bob, {user: '1'})).toMatchObject({
      status: 403,
      body: FORBIDDEN,
    });
    expect(await remove(1, bob, {user: '999'})).toMatchObject({
      status: 403,
      body: FORBIDDEN,
    });
    expect(await remove(0, bob, {user: '2'})).toMatchObject({status: 204});
    expect((await db.collection(LOGIN_FAILURES).get()).size).toBe(0);
    expect(lines.filter(l => l.severity === 'WARNING')).toEqual([]);
  });
});
