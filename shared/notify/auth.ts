/**
 * Who may send: a Google-signed OIDC ID token (signature, issuer, expiry, audience = the
 * function URL) whose verified `email` is on the allow-list of service accounts. The
 * function is also deployed private (IAM invoker), so this is the second lock, not the
 * only one. With no allow-list configured every request is refused (fails closed).
 */
import type {Request} from '@google-cloud/functions-framework';
import type {NotifyConfig} from '../platform/config';
import {AppError} from '../platform/errors';
import type {Logger} from '../platform/logger';
import {InvalidIdToken, type VerifyIdToken} from '../cron/oidc';

/** Resolves with the caller's service account; rejects with a 401/403/500 AppError. */
export type NotifyAuth = (req: Request, log: Logger) => Promise<string>;

export const MISSING_TOKEN = 'Request did not contain a valid HTTP header.';
export const NOT_ALLOWED =
  'Request did not come from an allowed service account.';

export function makeNotifyAuth(
  config: Pick<NotifyConfig, 'oidcAudience' | 'serviceAccounts'>,
  verify: VerifyIdToken,
): NotifyAuth {
  const allowed = new Set(config.serviceAccounts);
  const unauthenticated = (log: Logger, reason: string) => {
    log.info('notify request refused', {reason});
    return new AppError('unauthenticated', MISSING_TOKEN, {
      headers: {'WWW-Authenticate': 'Bearer'},
    });
  };
  return async (req, log) => {
    if (config.oidcAudience === undefined || allowed.size === 0) {
      log.error(
        'notifyUser refuses every request: no allow-list is configured. Set NOTIFY_OIDC_AUDIENCE and NOTIFY_SERVICE_ACCOUNTS.',
      );
      throw new AppError('internal', 'Server Error');
    }
    const match = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(
      req.header('authorization') ?? '',
    );
    if (!match) throw unauthenticated(log, 'no bearer token');
    let claims;
    try {
      claims = await verify(match[1]!, config.oidcAudience);
    } catch (err) {
      if (err instanceof InvalidIdToken) throw unauthenticated(log, err.reason);
      throw err;
    }
    if (
      claims.email === undefined ||
      !allowed.has(claims.email) ||
      claims.email_verified !== true
    ) {
      log.warn('notify request from an account not on the allow-list', {
        email: claims.email,
        emailVerified: claims.email_verified === true,
      });
      throw new AppError('forbidden', NOT_ALLOWED);
    }
    return claims.email;
  };
}
