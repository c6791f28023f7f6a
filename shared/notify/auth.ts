/**
 * Who may send: a Google-signed OIDC ID token (auth/bearer.ts) whose verified `email` is on
 * the allow-list of service accounts. The function is also deployed private (IAM invoker),
 * so this is the second lock, not the only one. With no allow-list configured every
 * request is refused (fails closed).
 */
import type {Request} from '@google-cloud/functions-framework';
import {INVALID_HEADER, verifyBearer} from '../auth/bearer';
import type {VerifyIdToken} from '../auth/oidc';
import type {NotifyConfig} from '../platform/config';
import {AppError} from '../platform/errors';
import type {Logger} from '../platform/logger';

/** Resolves with the caller's service account; rejects with a 401/403/500 AppError. */
export type NotifyAuth = (req: Request, log: Logger) => Promise<string>;

export const MISSING_TOKEN = INVALID_HEADER;
export const NOT_ALLOWED =
  'Request did not come from an allowed service account.';

export function makeNotifyAuth(
  config: Pick<NotifyConfig, 'oidcAudience' | 'serviceAccounts'>,
  verify: VerifyIdToken,
): NotifyAuth {
  const accounts = new Set(config.serviceAccounts);
  return async (req, log) => {
    if (config.oidcAudience === undefined || accounts.size === 0) {
      log.error(
        'notifyUser and notifyUsers refuse every request: no allow-list is configured. Set NOTIFY_OIDC_AUDIENCE and NOTIFY_SERVICE_ACCOUNTS.',
      );
      throw new AppError('internal', 'Server Error');
    }
    return verifyBearer(
      req.header('authorization'),
      {
        audience: config.oidcAudience,
        accounts,
        notAllowed: NOT_ALLOWED,
        caller: 'notify',
      },
      verify,
      log,
    );
  };
}
