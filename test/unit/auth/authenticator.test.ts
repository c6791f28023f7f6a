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
  LoginKeys,
  LoginThrottle,
  ThrottleVerdict,
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
};
const BOB: UserRecord = {
  id: '2',
  email: 'bob@example.com',
  passwordHash: bcrypt.hashSync('bob-pw', 4),
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

function fakeThrottle(verdict: ThrottleVerdict = {kind: 'allowed'}) {
  const failures: LoginKeys[] = [];
  const throttle: LoginThrottle = {
    check: async () => verdict,
    recordFailure: async keys => {
      failures.push(keys);
    },
  };
  return {throttle, failures};
}

function setup(verdict?: ThrottleVerdict) {
  const users = fakeUsers([ALICE, BOB]);
  const throttle = fakeThrottle(verdict);
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
  return {authenticate, reads: users.reads, failures: throttle.failures, lines};
}

const request = (
  authorization: string | undefined,
  userId = '1',
  forwardedFor?: string,
): AuthRequest => ({
  authorization,
  userId,
  forwardedFor,
  remoteAddress: '::ffff:10.1.2.3',
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
      expect(failures).toEqual([{email, clientIp: '10.1.2.3'}]);
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
    const {authenticate, failures} = setup({
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
      {email: 'eve@example.com', clientIp: '203.0.113.9'},
    ]);
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
