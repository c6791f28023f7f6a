/**
 * The authenticator with fakes of our own interfaces (users, throttle, log sink): which
 * user it resolves, which reads it makes, what it counts and what it logs.
 */
import bcrypt from 'bcryptjs';
import {
  makeAuthenticator,
  type AuthRequest,
} from '../../../shared/auth/authenticator';
import type {
  Admission,
  LoginKeys,
  LoginThrottle,
} from '../../../shared/auth/login-throttle';
import type {UserRecord, UserStore} from '../../../shared/auth/users';
import {createVerificationCache} from '../../../shared/auth/verification-cache';
import {emailId} from '../../../shared/firestore/collections';
import {AppError} from '../../../shared/platform/errors';
import {createLogger} from '../../../shared/platform/logger';

const basic = (email: string, password: string) =>
  'Basic ' + Buffer.from(`${email}:${password}`).toString('base64');

const ALICE: UserRecord = {
  id: '1',
  email: 'alice@example.com',
  passwordHash: bcrypt.hashSync('alice-pw', 4),
  deviceIds: ['alice-phone'],
};
const BOB: UserRecord = {
  id: '2',
  email: 'bob@example.com',
  passwordHash: bcrypt.hashSync('bob-pw', 4),
  deviceIds: [],
};

function fakeUsers(all: UserRecord[]) {
  const reads: string[] = [];
  const store: UserStore = {
    async get(id) {
      reads.push(`get ${id}`);
      return all.find(u => u.id === id) ?? null;
    },
    async findByEmail(email) {
      reads.push(`query ${email}`);
      return all.find(u => u.email === email.toLowerCase()) ?? null;
    },
  };
  return {store, reads};
}

type Throttled = Extract<Admission, {kind: 'throttled'}>;

/** Records what the authenticator asks of the throttle; admits unless told otherwise. */
function fakeThrottle(refusal?: Throttled) {
  const failures: LoginKeys[] = [];
  const settled: string[] = [];
  const admitted: Array<{keys: LoginKeys; knownDevice: boolean}> = [];
  const zero = {email: 0, emailClient: 0, client: 0, emailDevice: 0};
  const throttle: LoginThrottle = {
    read: async () => zero,
    admit: async (keys, _counts, knownDevice) => {
      admitted.push({keys, knownDevice});
      return (
        refusal ?? {
          kind: 'admitted',
          attempt: {keys, knownDevice, window: 0, reserved: null},
        }
      );
    },
    settle: async (attempt, outcome) => {
      settled.push(outcome);
      if (outcome === 'failed') failures.push(attempt.keys);
    },
  };
  return {throttle, failures, settled, admitted};
}

function setup(refusal?: Throttled) {
  const users = fakeUsers([ALICE, BOB]);
  const throttle = fakeThrottle(refusal);
  const lines: Record<string, unknown>[] = [];
  const authenticate = makeAuthenticator({
    users: users.store,
    realm: 'test',
    throttle: throttle.throttle,
    dummyHash: async () => bcrypt.hashSync('dummy', 4),
    forwardedForHops: 1,
    log: createLogger('DEBUG', line => lines.push(JSON.parse(line))),
    cache: createVerificationCache(60_000, 10),
  });
  return {
    authenticate,
    reads: users.reads,
    failures: throttle.failures,
    settled: throttle.settled,
    admitted: throttle.admitted,
    lines,
  };
}

const request = (
  authorization: string | undefined,
  userId = '1',
  forwardedFor?: string,
  deviceTokenId?: string,
): AuthRequest => ({
  authorization,
  userId,
  forwardedFor,
  remoteAddress: '::ffff:10.1.2.3',
  ...(deviceTokenId ? {deviceTokenId} : {}),
});

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error('expected an AppError');
  return err;
}

describe('makeAuthenticator', () => {
  it('authenticates the path user with one read by id, whatever the email case', async () => {
    const {authenticate, reads} = setup();
    await expect(
      authenticate(request(basic('Alice@Example.COM', 'alice-pw'))),
    ).resolves.toMatchObject({id: '1'});
    expect(reads).toEqual(['get 1']);
  });

  it("resolves another user's valid credentials (the caller answers 403) through the email query", async () => {
    const {authenticate, reads, failures} = setup();
    await expect(
      authenticate(request(basic('bob@example.com', 'bob-pw'), '1')),
    ).resolves.toMatchObject({id: '2'});
    await expect(
      authenticate(request(basic('bob@example.com', 'bob-pw'), '404')),
    ).resolves.toMatchObject({id: '2'});
    expect(reads).toEqual([
      'get 1',
      'query bob@example.com',
      'get 404',
      'query bob@example.com',
    ]);
    expect(failures).toEqual([]);
  });

  it.each([
    ['a wrong password', basic('alice@example.com', 'guess'), '1', '1'],
    ['an unknown email', basic('eve@example.com', 'guess'), '1', undefined],
    [
      'a wrong password of another user',
      basic('bob@example.com', 'x'),
      '1',
      '2',
    ],
  ])(
    'answers 401 to %s, counts it and logs it at WARNING',
    async (_, header, path, userId) => {
      const {authenticate, failures, lines} = setup();
      const err = await failure(authenticate(request(header, path)));
      expect(err.status).toBe(401);
      expect(err.body).toEqual({message: 'Unauthenticated.'});
      const email = Buffer.from(header.slice(6), 'base64')
        .toString()
        .split(':')[0]!;
      expect(failures).toEqual([{email, client: '10.1.2.3'}]);
      const warnings = lines.filter(l => l.severity === 'WARNING');
      expect(warnings).toEqual([
        expect.objectContaining({
          message: 'login failed',
          clientIp: '10.1.2.3',
          emailId: emailId(email),
          ...(userId ? {userId} : {}),
        }),
      ]);
      if (!userId) expect(warnings[0]).not.toHaveProperty('userId');
      const text = JSON.stringify(lines);
      expect(text).not.toContain(email);
      expect(text).not.toContain('guess');
    },
  );

  it('neither counts nor logs a missing or malformed header', async () => {
    const {authenticate, failures, lines, reads} = setup();
    for (const header of [undefined, 'Bearer x', 'Basic !!!'])
      expect((await failure(authenticate(request(header)))).status).toBe(401);
    expect(failures).toEqual([]);
    expect(lines).toEqual([]);
    expect(reads).toEqual([]);
  });

  it('answers 429 with Retry-After when throttled, without any bcrypt work', async () => {
    const {authenticate, failures, lines} = setup({
      kind: 'throttled',
      by: 'email',
      retryAfterSeconds: 42,
    });
    const compare = jest.spyOn(bcrypt, 'compare');
    try {
      const err = await failure(
        authenticate(request(basic('alice@example.com', 'alice-pw'))),
      );
      expect(err.status).toBe(429);
      expect(err.body).toEqual({
        message: 'Too many login attempts. Please retry later.',
      });
      expect(err.headers).toEqual({'Retry-After': '42'});
      expect(compare).not.toHaveBeenCalled();
      expect(failures).toEqual([]);
      expect(lines).toEqual([
        expect.objectContaining({
          severity: 'INFO',
          message: 'login throttled',
          by: 'email',
        }),
      ]);
    } finally {
      compare.mockRestore();
    }
  });

  it('counts the client from the right of X-Forwarded-For', async () => {
    const {authenticate, failures} = setup();
    await failure(
      authenticate(
        request(basic('eve@example.com', 'x'), '1', '6.6.6.6, 203.0.113.9'),
      ),
    );
    expect(failures).toEqual([
      {email: 'eve@example.com', client: '203.0.113.9'},
    ]);
  });

  it("treats a body naming one of the path user's tokens as a known device", async () => {
    const {authenticate, admitted, settled} = setup();
    await authenticate(
      request(
        basic('alice@example.com', 'alice-pw'),
        '1',
        undefined,
        'alice-phone',
      ),
    );
    expect(admitted).toEqual([
      {
        keys: {
          email: 'alice@example.com',
          client: '10.1.2.3',
          device: 'alice-phone',
        },
        knownDevice: true,
      },
    ]);
    expect(settled).toEqual(['succeeded']);
  });

  it.each([
    ['a token the user does not hold', '1', 'alice@example.com', 'other-phone'],
    ["another user's credentials", '1', 'bob@example.com', 'alice-phone'],
    ['no valid body', '1', 'alice@example.com', undefined],
  ])('treats %s as an unknown device', async (_, path, email, device) => {
    const {authenticate, admitted} = setup();
    await authenticate(
      request(
        basic(email, email.startsWith('bob') ? 'bob-pw' : 'alice-pw'),
        path,
        undefined,
        device,
      ),
    );
    expect(admitted.map(a => a.knownDevice)).toEqual([false]);
  });

  it('skips the throttle for credentials this instance verified moments ago', async () => {
    const {authenticate, admitted, settled} = setup();
    await authenticate(request(basic('alice@example.com', 'alice-pw')));
    await authenticate(request(basic('alice@example.com', 'alice-pw')));
    expect(admitted).toHaveLength(1);
    expect(settled).toEqual(['succeeded']);
  });

  it('caches on the user id: case variants of one email share one entry', async () => {
    const {authenticate} = setup();
    const compare = jest.spyOn(bcrypt, 'compare');
    try {
      for (const email of [
        'alice@example.com',
        'ALICE@example.com',
        'Alice@Example.com',
      ])
        await authenticate(request(basic(email, 'alice-pw')));
      expect(compare).toHaveBeenCalledTimes(1);
    } finally {
      compare.mockRestore();
    }
  });
});
