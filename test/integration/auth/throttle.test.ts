/**
 * The login throttle across two instances: two runtimes (each with its own server and
 * authenticator, the verification cache off, as a fresh instance sees every request) share
 * one Firestore emulator project, as two Cloud Functions instances share one database.
 * Attackers and the owner are told apart only by what a real request carries: the client
 * address (X-Forwarded-For) and the registration token in the body.
 */
import type {AddressInfo} from 'node:net';
import type {Server} from 'node:http';
import * as functions from '@google-cloud/functions-framework';
import {getTestServer} from '@google-cloud/functions-framework/testing';
import bcrypt from 'bcryptjs';
import {Firestore} from 'firebase-admin/firestore';
import {makeAddDevice} from '../../../functions/add-device';
import {makeRemoveDevice} from '../../../functions/remove-device';
import {upsertUser} from '../../../shared/auth/users';
import {
  LOGIN_FAILURES,
  USERS,
  emailId,
  tokenId,
} from '../../../shared/firestore/collections';
import {parseConfig} from '../../../shared/platform/config';
import {createLogger} from '../../../shared/platform/logger';
import {createRuntime} from '../../../shared/runtime';
import {
  describeWithFirestore,
  resetFirestore,
  uniqueProjectId,
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
/** The defaults: 10 per email and client, 100 per address, 50 per email across clients. */
const PER_EMAIL_CLIENT = 10;
const PER_EMAIL = 50;

describeWithFirestore('login throttle across two instances', () => {
  const projectId = uniqueProjectId();
  const lines: Record<string, unknown>[] = [];
  const urls: string[] = [];
  const servers: Server[] = [];
  let db: Firestore;

  beforeAll(async () => {
    const config = parseConfig({
      GOOGLE_CLOUD_PROJECT: projectId,
      DEVICE_GROUPS: 'firestore',
      LOGIN_WINDOW_MS: String(WINDOW_MS),
      LOGIN_MAX_FAILURES_PER_IP: '60',
      AUTH_CACHE_TTL_MS: '0',
      BCRYPT_COST: '4',
      // 200 parallel requests on two instances, on a shared machine.
      FIRESTORE_TIMEOUT_MS: '60000',
      LOCK_TTL_MS: '600000',
    });
    for (const instance of ['A', 'B']) {
      const log = createLogger('INFO', line => {
        lines.push({instance, ...JSON.parse(line)});
      });
      const runtime = createRuntime(config, log, {clock: () => NOW});
      functions.http(
        `addDevice${instance}`,
        makeAddDevice(() => runtime),
      );
      functions.http(
        `removeDevice${instance}`,
        makeRemoveDevice(() => runtime),
      );
      for (const fn of ['addDevice', 'removeDevice']) {
        const server = getTestServer(`${fn}${instance}`);
        await new Promise<void>(resolve =>
          server.listen(0, '127.0.0.1', resolve),
        );
        servers.push(server);
        urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      }
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

  /**
   * A device request on instance A or B. addDevice is at urls[0]/[2], removeDevice at [1]/[3];
   * `token` is the body's registration id.
   */
  async function call(
    method: 'POST' | 'DELETE',
    auth: string,
    {
      user = '1',
      client,
      token = 'unknown-token',
      instance = 0,
    }: {user?: string; client?: string; token?: string; instance?: 0 | 1} = {},
  ) {
    const headers: Record<string, string> = {
      Authorization: auth,
      'Content-Type': 'application/json',
    };
    if (client) headers['X-Forwarded-For'] = client;
    const base = urls[instance * 2 + (method === 'POST' ? 0 : 1)];
    const response = await fetch(
      `${base}/users/${user}/fcm_registration_tokens`,
      {
        method,
        headers,
        body: JSON.stringify({registration_id: token}),
      },
    );
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
      retryAfter: response.headers.get('retry-after'),
    };
  }
  const remove = (auth: string, options?: Parameters<typeof call>[2]) =>
    call('DELETE', auth, options);
  const add = (auth: string, options?: Parameters<typeof call>[2]) =>
    call('POST', auth, options);

  const counters = async () =>
    (await db.collection(LOGIN_FAILURES).get()).docs
      .map(d => [d.get('kind') as string, d.get('count') as number] as const)
      .sort();

  it("never locks the owner out: one attacker address, then 40 more, against the owner's new and registered devices", async () => {
    const owner = basic(ALICE, 'alice-pw');
    const wrong = basic(ALICE, 'guess');
    // The owner's phone registered before the attack.
    expect(
      await add(owner, {token: 'alice-phone', client: '198.51.100.1'}),
    ).toMatchObject({status: 201});

    // 30 guesses from one address: the first 10 are tried, the rest refused unread.
    const attacker: number[] = [];
    for (let i = 0; i < 30; i++)
      attacker.push(
        (
          await remove(wrong, {
            client: '203.0.113.7',
            instance: (i % 2) as 0 | 1,
          })
        ).status,
      );
    expect(attacker).toEqual([
      ...Array<number>(PER_EMAIL_CLIENT).fill(401),
      ...Array<number>(30 - PER_EMAIL_CLIENT).fill(429),
    ]);
    expect(await remove(wrong, {client: '203.0.113.7'})).toEqual({
      status: 429,
      body: TOO_MANY,
      retryAfter: '15',
    });
    // The owner, from a new address and a new device: admitted.
    expect(
      await add(owner, {token: 'alice-tablet', client: '198.51.100.9'}),
    ).toMatchObject({status: 201});

    // 40 more guesses from 40 other addresses spend the email's budget (10 + 40 = 50).
    for (let i = 0; i < 40; i++)
      expect(
        await remove(wrong, {client: `192.0.2.${i + 1}`, instance: 1}),
      ).toMatchObject({status: 401, body: UNAUTHENTICATED});
    expect(await remove(wrong, {client: '192.0.2.200'})).toEqual({
      status: 429,
      body: TOO_MANY,
      retryAfter: '15',
    });
    // The owner's registered phone, from yet another address: checked and admitted.
    expect(
      await add(owner, {token: 'alice-phone', client: '100.64.0.1'}),
    ).toMatchObject({status: 200, body: {registration_id: 'alice-phone'}});
    expect(
      await remove(owner, {token: 'alice-tablet', client: '100.64.0.2'}),
    ).toMatchObject({status: 204});
    // A registered device is still checked: a wrong password there is a 401.
    expect(
      await add(wrong, {token: 'alice-phone', client: '100.64.0.1'}),
    ).toMatchObject({status: 401, body: UNAUTHENTICATED});
    // What the attack can still do: delay a new device's first sign-in until the window ends.
    expect(
      await add(owner, {token: 'alice-laptop', client: '100.64.0.3'}),
    ).toEqual({status: 429, body: TOO_MANY, retryAfter: '15'});

    const devices = (await db.collection(USERS).doc('1').get()).get('devices');
    expect(Object.keys(devices as object).sort()).toEqual([
      tokenId('alice-phone'),
    ]);
    expect(await counters()).toEqual(
      [
        ...Array(40).fill(['client', 1]),
        ['client', PER_EMAIL_CLIENT],
        ['email', PER_EMAIL],
        ['email-client', 1],
        ...Array(39).fill(['email-client', 1]),
        ['email-client', PER_EMAIL_CLIENT],
        ['email-device', 1],
      ].sort(),
    );
  });

  it('runs at most the email budget of bcrypt compares for 200 parallel guesses from 200 addresses', async () => {
    const owner = basic(ALICE, 'alice-pw');
    expect(await add(owner, {token: 'alice-phone'})).toMatchObject({
      status: 201,
    });
    lines.length = 0;
    const wrong = basic(ALICE, 'guess');
    const replies = await Promise.all(
      Array.from({length: 200}, (_, i) =>
        remove(wrong, {
          client: `10.${Math.floor(i / 250)}.${i % 250}.1`,
          instance: (i % 2) as 0 | 1,
        }),
      ),
    );
    const tried = lines.filter(l => l.message === 'login failed').length;
    process.stdout.write(
      `200 parallel wrong guesses at one email from 200 addresses: ${tried} bcrypt compares (budget ${PER_EMAIL})\n`,
    );
    expect(tried).toBeLessThanOrEqual(PER_EMAIL);
    expect(tried).toBeGreaterThan(0);
    const statuses = replies.map(r => r.status);
    expect(statuses.filter(s => s === 401)).toHaveLength(tried);
    expect(statuses.filter(s => s === 429)).toHaveLength(200 - tried);
    // Every refused attempt gave its reservation back: the email counts what was tried.
    const email = (await counters()).find(([kind]) => kind === 'email');
    expect(email).toEqual(['email', tried]);
    // The owner's registered device is untouched by all of it.
    expect(await add(owner, {token: 'alice-phone'})).toMatchObject({
      status: 200,
    });
  });

  it('throttles a client address over many emails, read from the right of X-Forwarded-For', async () => {
    for (let i = 0; i < 60; i++)
      expect(
        await remove(basic(`nobody-${i}@example.com`, 'x'), {
          client: '203.0.113.7',
          instance: (i % 2) as 0 | 1,
        }),
      ).toMatchObject({status: 401});
    // A forged first entry does not make a new client.
    expect(
      await remove(basic('nobody-60@example.com', 'x'), {
        client: '6.6.6.6, 203.0.113.7',
      }),
    ).toMatchObject({status: 429, body: TOO_MANY});
    expect(
      await remove(basic('nobody-61@example.com', 'x'), {
        client: '198.51.100.1',
      }),
    ).toMatchObject({status: 401, body: UNAUTHENTICATED});
  });

  it('counts an IPv6 /64 as one client', async () => {
    for (let i = 0; i < PER_EMAIL_CLIENT; i++)
      expect(
        await remove(basic(ALICE, 'guess'), {client: `2001:db8:1:2::${i + 1}`}),
      ).toMatchObject({status: 401});
    expect(
      await remove(basic(ALICE, 'guess'), {client: '2001:db8:1:2:ffff::1'}),
    ).toMatchObject({status: 429, body: TOO_MANY});
    expect(
      await remove(basic(ALICE, 'guess'), {client: '2001:db8:1:3::1'}),
    ).toMatchObject({status: 401});
  });

  it('writes nothing under the address for correct sign-ins, and nothing at all for a known device', async () => {
    expect(
      await add(basic(ALICE, 'alice-pw'), {token: 'alice-phone'}),
    ).toMatchObject({
      status: 201,
    });
    expect(
      await add(basic(ALICE, 'alice-pw'), {token: 'alice-phone'}),
    ).toMatchObject({
      status: 200,
    });
    expect(await remove(basic(BOB, 'bob-pw'), {user: '2'})).toMatchObject({
      status: 204,
    });
    // A new device reserved a unit of its own email's budget and gave it back; a known one
    // wrote nothing; the shared address (a carrier NAT's, say) was never written.
    expect(await counters()).toEqual([
      ['email', 0],
      ['email', 0],
    ]);
  });

  it('logs each failed login at WARNING with the client and the user id, never the password or the email', async () => {
    await remove(basic(ALICE, 'guess-1'), {client: '203.0.113.8'});
    await remove(basic('nobody@example.com', 'guess-2'), {
      client: '203.0.113.8',
      instance: 1,
    });
    const warnings = lines.filter(l => l.severity === 'WARNING');
    expect(warnings).toEqual([
      expect.objectContaining({
        instance: 'A',
        message: 'login failed',
        clientIp: '203.0.113.8',
        userId: '1',
        emailId: emailId(ALICE),
      }),
      expect.objectContaining({
        instance: 'B',
        message: 'login failed',
        clientIp: '203.0.113.8',
        emailId: emailId('nobody@example.com'),
      }),
    ]);
    expect(warnings[1]).not.toHaveProperty('userId');
    const text = JSON.stringify(lines);
    for (const secret of ['guess-1', 'guess-2', ALICE, 'nobody@example.com'])
      expect(text).not.toContain(secret);
    for (const doc of (await db.collection(LOGIN_FAILURES).get()).docs) {
      expect(JSON.stringify(doc.data())).not.toContain('alice');
      expect(doc.get('window_start').toDate()).toEqual(
        new Date('2026-01-01T00:00:00Z'),
      );
      expect(doc.get('expires_at').toDate()).toEqual(
        new Date('2026-01-01T00:01:00Z'),
      );
    }
  });

  it('keeps 403 for valid credentials of another user, existing or not, and counts no failure', async () => {
    const bob = basic(BOB, 'bob-pw');
    expect(await remove(bob, {user: '1'})).toMatchObject({
      status: 403,
      body: FORBIDDEN,
    });
    expect(await remove(bob, {user: '999', instance: 1})).toMatchObject({
      status: 403,
      body: FORBIDDEN,
    });
    expect(await remove(bob, {user: '2'})).toMatchObject({status: 204});
    expect(await counters()).toEqual([['email', 0]]);
    expect(lines.filter(l => l.severity === 'WARNING')).toEqual([]);
  });
});

describeWithFirestore('login throttle with the verification cache on', () => {
  const projectId = uniqueProjectId();
  let url: string;
  let server: Server;
  let db: Firestore;

  beforeAll(async () => {
    const runtime = createRuntime(
      parseConfig({
        GOOGLE_CLOUD_PROJECT: projectId,
        DEVICE_GROUPS: 'firestore',
        LOGIN_WINDOW_MS: String(WINDOW_MS),
        AUTH_CACHE_TTL_MS: '600000',
        BCRYPT_COST: '4',
      }),
      createLogger('ERROR'),
      {clock: () => NOW},
    );
    functions.http(
      'removeDeviceCached',
      makeRemoveDevice(() => runtime),
    );
    server = getTestServer('removeDeviceCached');
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    db = new Firestore({projectId});
    await upsertUser(db, {
      id: '1',
      email: ALICE,
      passwordHash: await bcrypt.hash('alice-pw', 4),
    });
  });
  afterAll(async () => {
    await new Promise(resolve => server.close(resolve));
    await db.terminate();
  });

  const remove = async (password: string, client: string) =>
    (
      await fetch(`${url}/users/1/fcm_registration_tokens`, {
        method: 'DELETE',
        headers: {
          Authorization: basic(ALICE, password),
          'Content-Type': 'application/json',
          'X-Forwarded-For': client,
        },
        body: JSON.stringify({registration_id: 'alice-phone'}),
      })
    ).status;

  it("never tells a throttled guesser elsewhere that a guess is the password the owner's phone just used", async () => {
    // The owner's phone: verified once, then answered from the cache.
    expect(await remove('alice-pw', '198.51.100.1')).toBe(204);
    expect(await remove('alice-pw', '198.51.100.1')).toBe(204);
    // A guesser at another address, throttled after its own 10 failures...
    for (let i = 0; i < 10; i++)
      expect(await remove(`guess-${i}`, '203.0.113.7')).toBe(401);
    // ...gets the same 429 for the right password: the owner's entry answers only the owner.
    expect(await remove('alice-pw', '203.0.113.7')).toBe(429);
    expect(await remove('guess-10', '203.0.113.7')).toBe(429);
    // The owner still signs in, from a new address too.
    expect(await remove('alice-pw', '198.51.100.1')).toBe(204);
    expect(await remove('alice-pw', '100.64.0.9')).toBe(204);
  });
});
