/**
 * Who may trigger cron. OIDC mode: tokens signed by a local RSA key whose certificate is
 * handed to the verifier, so nothing reaches Google. App Engine compatibility mode: the
 * reference's headers, through the local server as `npm start` runs it.
 */
import {generateKeyPairSync, createSign, type KeyObject} from 'node:crypto';
import type {AddressInfo} from 'node:net';
import type {Server} from 'node:http';
import * as functions from '@google-cloud/functions-framework';
import {getTestServer} from '@google-cloud/functions-framework/testing';
import {makeCron} from '../../../functions/cron';
import {parseConfig} from '../../../shared/platform/config';
import {createLogger} from '../../../shared/platform/logger';
import {createRuntime, type Runtime} from '../../../shared/runtime';
import type {CronTask} from '../../../shared/cron/task';
import {
  describeWithFirestore,
  fcmEmulatorHost,
  resetFirestore,
} from '../../support/emulators';
import {startDeviceStack, type DeviceStack} from '../../support/device-stack';

const AUDIENCE = 'https://europe-west1-p1.cloudfunctions.net/cron';
const SCHEDULER = 'cron-invoker@p1.iam.gserviceaccount.com';
const KID = 'local-test-key';

const key = generateKeyPairSync('rsa', {modulusLength: 2048});
const otherKey = generateKeyPairSync('rsa', {modulusLength: 2048});
const pem = (k: KeyObject) =>
  k.export({type: 'spki', format: 'pem'}).toString();

const b64url = (value: object) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** A Google-style ID token (RS256), with `claims` overriding a valid Cloud Scheduler token. */
function idToken(
  claims: Record<string, unknown> = {},
  signWith: KeyObject = key.privateKey,
): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: 'https://accounts.google.com',
    aud: AUDIENCE,
    azp: '1234567890',
    sub: '1234567890',
    email: SCHEDULER,
    email_verified: true,
    iat: now - 10,
    exp: now + 3590,
    ...claims,
  };
  const signed = `${b64url({alg: 'RS256', kid: KID, typ: 'JWT'})}.${b64url(payload)}`;
  return `${signed}.${createSign('RSA-SHA256').update(signed).sign(signWith).toString('base64url')}`;
}

const MISSING = {message: 'Request did not contain a valid HTTP header.'};
const OTHER_ACCOUNT = {
  message: 'Cron request did not come from an allowed service account.',
};
const OTHER_IP = {
  message: 'Cron request did not come from a valid IP address.',
};

describeWithFirestore('cron authentication', () => {
  let stack: DeviceStack;
  let oidcServer: Server;
  let oidcUrl: string;
  let unconfiguredServer: Server;
  let unconfiguredUrl: string;
  let runs = 0;
  const counter: CronTask = {
    name: 'counter',
    schedule: '* * * * *',
    run: async () => void runs++,
  };

  const runtimeWith = (env: Record<string, string>): Runtime =>
    createRuntime(
      parseConfig({
        GOOGLE_CLOUD_PROJECT: stack.projectId,
        FCM_EMULATOR_HOST: fcmEmulatorHost(),
        ...env,
      }),
      createLogger('ERROR', () => undefined), // the fail-closed case logs an ERROR by design
      {tasks: [counter], fetchCerts: async () => ({[KID]: pem(key.publicKey)})},
    );
  const listen = async (
    name: string,
    runtime: Runtime,
  ): Promise<[Server, string]> => {
    functions.http(
      name,
      makeCron(() => runtime),
    );
    const server = getTestServer(name);
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    return [
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ];
  };

  beforeAll(async () => {
    stack = await startDeviceStack({CRON_APPENGINE_COMPAT: 'true'});
    [oidcServer, oidcUrl] = await listen(
      'cronOidc',
      runtimeWith({
        CRON_OIDC_AUDIENCE: AUDIENCE,
        CRON_SERVICE_ACCOUNT: SCHEDULER,
      }),
    );
    [unconfiguredServer, unconfiguredUrl] = await listen(
      'cronUnconfigured',
      runtimeWith({}),
    );
  });
  afterAll(async () => {
    await Promise.all(
      [oidcServer, unconfiguredServer].map(
        s => new Promise(resolve => s.close(resolve)),
      ),
    );
    await stack.close();
  });
  beforeEach(async () => {
    await resetFirestore(stack.projectId);
    runs = 0;
  });

  async function get(base: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${base}/api/cron`, {headers});
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? null : JSON.parse(text),
      wwwAuthenticate: response.headers.get('www-authenticate'),
    };
  }

  describe('OIDC (production)', () => {
    it('a valid Cloud Scheduler token: 204, and the due task ran', async () => {
      expect(
        await get(oidcUrl, {Authorization: `Bearer ${idToken()}`}),
      ).toEqual({status: 204, body: null, wwwAuthenticate: null});
      expect(runs).toBe(1);
    });

    it.each([
      ['no Authorization header', () => undefined],
      ['a Basic header', () => 'Basic Y3Jvbjpjcm9u'],
      ['garbage', () => 'Bearer not-a-token'],
      ['a token that is not JSON', () => 'Bearer aaaa.bbbb.cccc'],
      [
        'an expired token',
        () =>
          `Bearer ${idToken({iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600})}`,
      ],
      [
        'another audience',
        () => `Bearer ${idToken({aud: 'https://elsewhere.example.com/cron'})}`,
      ],
      [
        'another issuer',
        () => `Bearer ${idToken({iss: 'https://evil.example.com'})}`,
      ],
      [
        'a token signed by another key',
        () => `Bearer ${idToken({}, otherKey.privateKey)}`,
      ],
      [
        'a token with its payload altered',
        () => {
          const [h, , s] = idToken().split('.');
          return `Bearer ${h}.${b64url({email: SCHEDULER})}.${s}`;
        },
      ],
    ])('%s: 401, nothing runs', async (_case, header) => {
      const value = header();
      const reply = await get(oidcUrl, value ? {Authorization: value} : {});
      expect(reply).toEqual({
        status: 401,
        body: MISSING,
        wwwAuthenticate: 'Bearer',
      });
      expect(runs).toBe(0);
    });

    it.each([
      [
        'a valid token of another account',
        {email: 'someone@p1.iam.gserviceaccount.com'},
      ],
      ['an unverified email', {email_verified: false}],
      ['no email at all', {email: undefined}],
    ])('%s: 403, nothing runs', async (_case, claims) => {
      expect(
        await get(oidcUrl, {Authorization: `Bearer ${idToken(claims)}`}),
      ).toEqual({status: 403, body: OTHER_ACCOUNT, wwwAuthenticate: null});
      expect(runs).toBe(0);
    });

    it('ignores the App Engine headers', async () => {
      const reply = await get(oidcUrl, {
        'X-Appengine-Cron': 'true',
        'X-Forwarded-For': '10.0.0.1',
      });
      expect(reply.status).toBe(401);
      expect(runs).toBe(0);
    });
  });

  it('with no authentication configured, refuses every request (fails closed)', async () => {
    for (const headers of <Array<Record<string, string>>>[
      {},
      {Authorization: `Bearer ${idToken()}`},
      {'X-Appengine-Cron': 'true', 'X-Forwarded-For': '10.0.0.1'},
    ]) {
      expect(await get(unconfiguredUrl, headers)).toEqual({
        status: 500,
        body: {message: 'Server Error'},
        wwwAuthenticate: null,
      });
    }
    expect(runs).toBe(0);
  });

  describe('App Engine compatibility (CRON_APPENGINE_COMPAT=true, as npm start sets it)', () => {
    it.each([
      [
        'the reference example',
        {'X-Appengine-Cron': 'true', 'X-Forwarded-For': '10.0.0.1'},
        204,
        undefined,
      ],
      [
        '10.0.0.1 among forwarded addresses',
        {
          'X-Appengine-Cron': 'true',
          'X-Forwarded-For': '203.0.113.9, 10.0.0.1',
        },
        204,
        undefined,
      ],
      ['no headers', {}, 401, MISSING],
      [
        'X-Appengine-Cron: false',
        {'X-Appengine-Cron': 'false', 'X-Forwarded-For': '10.0.0.1'},
        401,
        MISSING,
      ],
      [
        'X-Appengine-Cron: TRUE',
        {'X-Appengine-Cron': 'TRUE', 'X-Forwarded-For': '10.0.0.1'},
        401,
        MISSING,
      ],
      [
        'the header from another address',
        {'X-Appengine-Cron': 'true', 'X-Forwarded-For': '203.0.113.9'},
        403,
        OTHER_IP,
      ],
      [
        'the header and no X-Forwarded-For',
        {'X-Appengine-Cron': 'true'},
        403,
        OTHER_IP,
      ],
      [
        'an address that only starts with 10.0.0.1',
        {'X-Appengine-Cron': 'true', 'X-Forwarded-For': '10.0.0.10'},
        403,
        OTHER_IP,
      ],
    ])('%s', async (_case, headers, status, body) => {
      const reply = await stack.send('GET', '/api/cron', {headers});
      expect(reply.status).toBe(status);
      expect(reply.json).toEqual(body);
      // A refused request leaves no trace of a run; an accepted one ran the registered tasks.
      const tasks = await stack.db.collection('cron_tasks').get();
      expect(tasks.docs.map(d => d.id).sort()).toEqual(
        status === 204 ? ['prune-stale-tokens', 'repair-device-groups'] : [],
      );
    });

    it('answers 405 to other methods', async () => {
      const reply = await stack.send('POST', '/api/cron', {
        headers: {'X-Appengine-Cron': 'true', 'X-Forwarded-For': '10.0.0.1'},
      });
      expect(reply.status).toBe(405);
      expect(reply.headers.get('allow')).toBe('GET');
    });
  });
});
