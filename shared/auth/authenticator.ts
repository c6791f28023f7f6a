/**
 * HTTP Basic authentication of a device request. Every failure answers the same 401,
 * and an unknown email costs the same bcrypt work as a wrong password, so neither the
 * answer nor its timing tells whether an account exists.
 *
 * The hot path is one read by id: the user named in the path, whose email must match
 * the one given. Only when it does not is the email looked up, to tell credentials of
 * another user (the caller answers 403) from bad ones (401). Failed logins are counted
 * per email and per client address (login-throttle.ts); over the limit the answer is
 * 429 before any bcrypt work.
 */
import bcrypt from 'bcryptjs';
import {emailId, normalizeEmail} from '../firestore/collections';
import {AppError} from '../platform/errors';
import type {Logger} from '../platform/logger';
import {parseBasicAuth} from './basic-auth';
import {clientIp, type ClientAddressSource} from './client-ip';
import type {LoginKeys, LoginThrottle} from './login-throttle';
import type {UserRecord, UserStore} from './users';
import type {VerificationCache} from './verification-cache';

export interface AuthenticatorDeps {
  users: UserStore;
  realm: string;
  throttle: LoginThrottle;
  /** The hash compared against for unknown emails (see dummy-hash.ts). */
  dummyHash: () => Promise<string>;
  /** Which `X-Forwarded-For` entry, from the right, is the client (see client-ip.ts). */
  forwardedForHops: number;
  log: Logger;
  cache?: VerificationCache | null;
}

/** What the authenticator needs of a request. */
export interface AuthRequest extends ClientAddressSource {
  authorization: string | undefined;
  /** The `{user}` of the path: the account the request is for. */
  userId: string;
}

/**
 * Resolves to the user whose credentials were given, which may be another user than
 * `userId` (the caller answers 403); rejects with 401 or 429.
 */
export type Authenticate = (request: AuthRequest) => Promise<UserRecord>;

export function unauthenticated(realm: string): AppError {
  return new AppError('unauthenticated', 'Unauthenticated.', {
    headers: {
      'WWW-Authenticate': `Basic realm="${realm.replace(/"/g, '')}", charset="UTF-8"`,
    },
  });
}

export function tooManyLoginAttempts(retryAfterSeconds: number): AppError {
  return new AppError(
    'too-many-requests',
    'Too many login attempts. Please retry later.',
    {headers: {'Retry-After': String(retryAfterSeconds)}},
  );
}

export function makeAuthenticator(deps: AuthenticatorDeps): Authenticate {
  const {users, realm, throttle, log, cache} = deps;
  let dummyScheduled = false;
  return async request => {
    const credentials = parseBasicAuth(request.authorization);
    // No usable credentials means no password was tried: nothing to count or log.
    if (!credentials) throw unauthenticated(realm);
    const {email, password} = credentials;
    const keys: LoginKeys = {
      email: normalizeEmail(email),
      clientIp: clientIp(request, deps.forwardedForHops),
    };
    // Credentials this instance verified moments ago against the same stored hash are
    // no guess: they skip the throttle's read (and bcrypt). Credentials it does not know
    // will need that read: it goes out together with the user's.
    const verifiedHash = cache?.verifiedHash(request.userId, password);
    const [pathUser, early] = await Promise.all([
      users.get(request.userId),
      verifiedHash === undefined ? throttle.check(keys) : undefined,
    ]);
    if (
      pathUser &&
      normalizeEmail(pathUser.email) === keys.email &&
      pathUser.passwordHash === verifiedHash
    ) {
      return pathUser;
    }
    const verdict = early ?? (await throttle.check(keys));
    if (verdict.kind === 'throttled') {
      log.info('login throttled', {
        clientIp: keys.clientIp,
        emailId: emailId(keys.email),
        by: verdict.by,
      });
      throw tooManyLoginAttempts(verdict.retryAfterSeconds);
    }
    const user =
      pathUser && normalizeEmail(pathUser.email) === keys.email
        ? pathUser
        : await users.findByEmail(email);
    if (user && cache?.has(user.id, password, user.passwordHash)) return user;
    const matches = await bcrypt.compare(
      password,
      user?.passwordHash ?? (await deps.dummyHash()),
    );
    if (!user || !matches) {
      // Logged first, so the attempt is on record even if counting it fails (503).
      log.warn('login failed', {
        clientIp: keys.clientIp,
        emailId: emailId(keys.email),
        ...(user ? {userId: user.id} : {}),
        reason: user ? 'wrong password' : 'unknown email',
      });
      await throttle.recordFailure(keys);
      throw unauthenticated(realm);
    }
    cache?.remember(user.id, password, user.passwordHash);
    // The dummy hash is made a moment after a first success, not during it (it costs as
    // much as a compare, and a cold start's first request should not pay it); only an
    // unknown email in an instance's first second could still find it unmade.
    if (!dummyScheduled) {
      dummyScheduled = true;
      setTimeout(() => deps.dummyHash().catch(() => undefined), 1000).unref();
    }
    return user;
  };
}
