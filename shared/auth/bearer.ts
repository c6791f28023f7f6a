/**
 * The one check of a Google-signed OIDC bearer token, for the private endpoints our own
 * callers reach (cron from Cloud Scheduler, notifyUser from our services): signature,
 * issuer, expiry and audience (oidc.ts), then a verified `email` on the allow-list.
 */
import {AppError} from '../platform/errors';
import type {Logger} from '../platform/logger';
import {InvalidIdToken, type VerifyIdToken} from './oidc';

/** The 401 message (the Laravel app's, for cron's missing header). */
export const INVALID_HEADER = 'Request did not contain a valid HTTP header.';

export interface BearerPolicy {
  /** The `aud` the token must carry: the function's URL. */
  audience: string;
  /** The service accounts allowed to call. */
  accounts: ReadonlySet<string>;
  /** The 403 message for a verified caller not on the list. */
  notAllowed: string;
  /** Who calls, in log lines (`cron`, `notify`). */
  caller: string;
}

/**
 * Resolves with the caller's verified service account; rejects with 401 (no valid token,
 * with `WWW-Authenticate: Bearer`) or 403 (a valid token of an account not allowed).
 */
export async function verifyBearer(
  authorization: string | undefined,
  policy: BearerPolicy,
  verify: VerifyIdToken,
  log: Logger,
): Promise<string> {
  const refuse = (reason: string) => {
    log.info(`${policy.caller} request refused`, {reason});
    return new AppError('unauthenticated', INVALID_HEADER, {
      headers: {'WWW-Authenticate': 'Bearer'},
    });
  };
  const match = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(authorization ?? '');
  if (!match) throw refuse('no bearer token');
  let claims;
  try {
    claims = await verify(match[1]!, policy.audience);
  } catch (err) {
    if (err instanceof InvalidIdToken) throw refuse(err.reason);
    throw err;
  }
  if (
    claims.email === undefined ||
    !policy.accounts.has(claims.email) ||
    claims.email_verified !== true
  ) {
    log.warn(`${policy.caller} request from an account not allowed`, {
      email: claims.email,
      emailVerified: claims.email_verified === true,
    });
    throw new AppError('forbidden', policy.notAllowed);
  }
  return claims.email;
}
