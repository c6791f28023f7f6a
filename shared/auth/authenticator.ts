/**
 * HTTP Basic authentication of a device request. Every failure answers the same 401,
 * and an unknown email costs the same bcrypt work as a wrong password, so neither the
 * answer nor its timing tells whether an account exists.
 *
 * The hot path is one read by id: the user named in the path, whose email must match
 * the one given, together with the throttle's counters. Only when the email does not
 * match is it looked up, to tell credentials of another user (the caller answers 403)
 * from bad ones (401). The throttle (login-policy.ts) decides who may try a password,
 * and an admitted attempt reserves its place before bcrypt; a refused one gets 429.
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
  /** The token id of the registration token in the body, when the body is valid. */
  deviceTokenId?: string;
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
      client: clientIp(request, deps.forwardedForHops),
      ...(request.deviceTokenId === undefined
        ? {}
        : {device: request.deviceTokenId}),
    };
    // Credentials this instance verified moments ago, from this client, against the same
    // stored hash are no guess: they skip the throttle (and bcrypt). Credentials it does not
    // know will need the throttle's counters: they are read together with the user.
    const verifiedHash = cache?.verifiedHash(
      request.userId,
      password,
      keys.client,
    );
    const [pathUser, early] = await Promise.all([
      users.get(request.userId),
      verifiedHash === undefined ? throttle.read(keys) : undefined,
    ]);
    const isPathUser =
      pathUser !== null && normalizeEmail(pathUser.email) === keys.email;
    if (isPathUser && pathUser.passwordHash === verifiedHash) return pathUser;
    // The app re-registering a token the user holds: its own counter, out of an attacker's reach.
    const knownDevice =
      isPathUser &&
      keys.device !== undefined &&
      pathUser.deviceIds.includes(keys.device);
    // Decided before the email is looked up, so a refused request costs the same whether
    // or not the email is the path user's (its timing tells nothing).
    const admission = await throttle.admit(
      keys,
      early ?? (await throttle.read(keys)),
      knownDevice,
    );
    const logged = {
      clientIp: keys.client,
      emailId: emailId(keys.email),
      ...(knownDevice ? {knownDevice} : {}),
    };
    if (admission.kind === 'throttled') {
      log.info('login throttled', {...logged, by: admission.by});
      if (isPathUser) cache?.forget(pathUser.id);
      throw tooManyLoginAttempts(admission.retryAfterSeconds);
    }
    const user = isPathUser ? pathUser : await users.findByEmail(email);
    const matches =
      user !== null &&
      cache?.has(user.id, password, keys.client, user.passwordHash)
        ? true
        : await bcrypt.compare(
            password,
            user?.passwordHash ?? (await deps.dummyHash()),
          );
    if (!user || !matches) {
      if (user) cache?.forget(user.id);
      // Logged first, so the attempt is on record even if counting it fails (503).
      log.warn('login failed', {
        ...logged,
        ...(user ? {userId: user.id} : {}),
        reason: user ? 'wrong password' : 'unknown email',
      });
      await throttle.settle(admission.attempt, 'failed');
      throw unauthenticated(realm);
    }
    // Returning the reservation is best effort: if it fails, the unit stays counted until
    // the window ends, which errs against no one but this email's guessers.
    await throttle
      .settle(admission.attempt, 'succeeded')
      .catch((err: unknown) =>
        log.warn('could not return a login reservation', {error: err}),
      );
    cache?.remember(user.id, password, keys.client, user.passwordHash);
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
