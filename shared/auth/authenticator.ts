/**
 * HTTP Basic authentication against the users repository. Every failure answers the
 * same 401, and an unknown email costs the same bcrypt work as a wrong password, so
 * neither the answer nor its timing tells whether an account exists.
 */
import bcrypt from 'bcryptjs';
import {AppError} from '../platform/errors';
import {parseBasicAuth} from './basic-auth';
import type {UserRecord, UserStore} from './users';
import type {VerificationCache} from './verification-cache';

/** A cost-10 hash of a random string: compared against when the email is unknown. */
const DUMMY_HASH =
  '$2b$10$TTPIL.391mRXY1FPgUSuBuupNmPmGZNbljldRkv.5F0RjfVnhy/oO';

export interface AuthenticatorDeps {
  users: UserStore;
  realm: string;
  cache?: VerificationCache | null;
}

export type Authenticate = (
  authorization: string | undefined,
) => Promise<UserRecord>;

export function unauthenticated(realm: string): AppError {
  return new AppError('unauthenticated', 'Unauthenticated.', {
    headers: {
      'WWW-Authenticate': `Basic realm="${realm.replace(/"/g, '')}", charset="UTF-8"`,
    },
  });
}

export function makeAuthenticator({
  users,
  realm,
  cache,
}: AuthenticatorDeps): Authenticate {
  return async authorization => {
    const credentials = parseBasicAuth(authorization);
    if (!credentials) throw unauthenticated(realm);
    const {email, password} = credentials;
    const user = await users.findByEmail(email);
    if (user && cache?.has(email, password, user.passwordHash)) return user;
    const matches = await bcrypt.compare(
      password,
      user?.passwordHash ?? DUMMY_HASH,
    );
    if (!user || !matches) throw unauthenticated(realm);
    cache?.remember(email, password, user.passwordHash);
    return user;
  };
}
