/**
 * Security: one user can never add to, remove from or read another user's devices, however
 * the path is spelled; logs never hold the Authorization header, passwords or whole tokens;
 * an unknown email costs the same bcrypt work as a wrong password.
 */
import {randomBytes} from 'node:crypto';
import {describeWithFirestore} from '../../support/emulators';
import {
  basic,
  startDeviceStack,
  type DeviceStack,
  type StoresSnapshot,
} from '../../support/device-stack';
import {rawRequest} from '../../support/raw-request';

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describeWithFirestore('security of the device endpoints', () => {
  let stack: DeviceStack;
  let alice: string;
  let bob: string;
  const bobToken = `bob-device-${randomBytes(48).toString('base64url')}`;
  const log: string[] = [];
  const write = process.stdout.write.bind(process.stdout);

  beforeAll(async () => {
    // Every log line the functions write, captured (they log to stdout as JSON lines).
    jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        log.push(
          typeof chunk === 'string'
            ? chunk
            : Buffer.from(chunk).toString('utf8'),
        );
        return true;
      });
    stack = await startDeviceStack({LOG_LEVEL: 'DEBUG', FCM_TIMEOUT_MS: '300'});
    await stack.reset();
    alice = await stack.seedUser(
      '1',
      'alice@example.com',
      'alice-Secret-pw',
      10,
    );
    bob = await stack.seedUser('2', 'bob@example.com', 'bob-Secret-pw', 10);
    expect(
      (
        await stack.send('POST', '/api/users/2/fcm_registration_tokens', {
          auth: bob,
          body: {registration_id: bobToken},
        })
      ).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await stack.close();
    jest.restoreAllMocks();
    void write;
  });

  describe("alice cannot touch bob's devices, whatever the path", () => {
    let before: StoresSnapshot;
    beforeAll(async () => {
      before = await stack.snapshot();
    });

    // Dot segments are resolved by the client (WHATWG URL) before sending, so `/2/../1/` would
    // be alice's own path; those that resolve to bob's are kept.
    const spellings = [
      '/api/users/2/fcm_registration_tokens',
      '/users/2/fcm_registration_tokens',
      '/api/users/02/fcm_registration_tokens',
      '/api/users/%32/fcm_registration_tokens',
      '/api/users/2%2F..%2F1/fcm_registration_tokens',
      '/api/users/1%2F..%2F2/fcm_registration_tokens',
      '/api/users/1%2F../fcm_registration_tokens',
      '/api/users/2/fcm_registration_tokens/',
      '/api/users/2/fcm_registration_tokens//',
      '/API/USERS/2/FCM_REGISTRATION_TOKENS',
      '/api/Users/2/fcm_registration_tokens',
      '//api/users/2/fcm_registration_tokens',
      '/api//users/2/fcm_registration_tokens',
      '/api/users//2/fcm_registration_tokens',
      '/api/api/users/2/fcm_registration_tokens',
      '/api/users/1/../2/fcm_registration_tokens',
      '/api/users/2;1/fcm_registration_tokens',
      '/api/users/%202/fcm_registration_tokens',
      '/api/users/2%00/fcm_registration_tokens',
      '/api/users/2/fcm_registration_tokens?user=1',
      '/api/users/1/fcm_registration_tokens/../../2/fcm_registration_tokens',
    ];
    it.each(
      spellings.flatMap(p =>
        ['POST', 'DELETE', 'GET'].map(m => [m, p] as const),
      ),
    )('%s %s is refused and changes nothing', async (method, path) => {
      const body =
        method === 'GET'
          ? undefined
          : JSON.stringify({
              registration_id:
                method === 'DELETE' ? bobToken : 'alice-new-device',
            });
      const reply = await rawRequest(
        stack.url,
        method,
        path,
        {
          Authorization: alice,
          ...(body ? {'Content-Type': 'application/json'} : {}),
        },
        body,
      );
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
      expect(reply.text).not.toContain(bobToken);
      expect(await stack.snapshot()).toEqual(before);
    });
  });

  it('logs neither the Authorization header, passwords nor whole tokens, whatever the outcome', async () => {
    const token = `alice-device-${randomBytes(48).toString('base64url')}`;
    const requests = [
      () =>
        stack.send('POST', '/api/users/1/fcm_registration_tokens', {
          auth: alice,
          body: {registration_id: token},
        }),
      () =>
        stack.send('POST', '/api/users/1/fcm_registration_tokens', {
          auth: alice,
          body: {registration_id: token},
        }),
      () =>
        stack.send('POST', '/api/users/2/fcm_registration_tokens', {
          auth: alice,
          body: {registration_id: token},
        }),
      () =>
        stack.send('POST', '/api/users/1/fcm_registration_tokens', {
          auth: basic('alice@example.com', 'alice-Wrong-pw'),
          body: {registration_id: token},
        }),
      () =>
        stack.send('POST', '/api/users/1/fcm_registration_tokens', {
          auth: alice,
          body: {registration_id: `${token}\u0000`},
        }),
      () =>
        stack.send('POST', '/api/users/1/fcm_registration_tokens', {
          auth: alice,
          body: `{"registration_id":"${token}`,
        }),
      async () => {
        await stack.fcm.injectFault({
          mode: 'http500',
          count: 1,
          project: stack.senderId,
        });
        return stack.send('POST', '/api/users/1/fcm_registration_tokens', {
          auth: alice,
          body: {registration_id: `${token}-2`},
        });
      },
      async () => {
        // FCM echoing the token in an unknown error text must not put it in the logs either.
        await stack.fcm.injectFault({
          mode: 'http400',
          count: 1,
          project: stack.senderId,
          error: `invalid registration id ${token}-3`,
        });
        return stack.send('POST', '/api/users/1/fcm_registration_tokens', {
          auth: alice,
          body: {registration_id: `${token}-3`},
        });
      },
      () =>
        stack.send('DELETE', '/api/users/1/fcm_registration_tokens', {
          auth: alice,
          body: {registration_id: token},
        }),
    ];
    const statuses: number[] = [];
    for (const send of requests) statuses.push((await send()).status);
    expect(statuses).toEqual([201, 200, 403, 401, 422, 400, 503, 503, 204]);
    const output = log.join('');
    expect(output).toContain('"severity":"DEBUG"'); // the capture works, at the most verbose level
    for (const secret of [
      alice,
      alice.slice(6),
      'alice-Secret-pw',
      'alice-Wrong-pw',
      token,
      token.slice(0, 40),
      bobToken,
      'bob-Secret-pw',
    ]) {
      expect(output).not.toContain(secret);
    }
  });

  it('spends bcrypt work on unknown emails as on wrong passwords (cost 10)', async () => {
    const time = async (authorization: string) => {
      const started = performance.now();
      const reply = await stack.send(
        'POST',
        '/api/users/1/fcm_registration_tokens',
        {auth: authorization, body: {registration_id: 'x'}},
      );
      expect(reply.status).toBe(401);
      return performance.now() - started;
    };
    const unknown: number[] = [];
    const wrong: number[] = [];
    const malformed: number[] = [];
    for (let i = 0; i < 7; i++) {
      unknown.push(
        await time(basic(`nobody${i}@example.com`, 'alice-Secret-pw')),
      );
      wrong.push(await time(basic('alice@example.com', `wrong-${i}`)));
      malformed.push(await time('Basic !!!'));
    }
    const ratio = median(unknown) / median(wrong);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
    // And both do real work: far more than a refusal that needs no bcrypt.
    expect(median(unknown)).toBeGreaterThan(3 * median(malformed));
  });
});
