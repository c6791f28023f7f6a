/**
 * Who may trigger cron, by configuration (CronConfig.authMode):
 * - `oidc`: Cloud Scheduler's OIDC token (auth/bearer.ts), whose verified `email` must be
 *   the scheduler's service account.
 * - `appengine`: the Laravel app's App Engine check (`X-Appengine-Cron: true`, and
 *   `X-Forwarded-For` containing 10.0.0.1). Outside App Engine anyone can send those
 *   headers: for migration only, with the function kept private by IAM.
 * - `none`: nothing configured; every request is refused, so a bad deploy fails closed.
 */
import type {Request} from '@google-cloud/functions-framework';
import {INVALID_HEADER, verifyBearer} from '../auth/bearer';
import type {VerifyIdToken} from '../auth/oidc';
import type {CronConfig} from '../platform/config';
import {AppError} from '../platform/errors';
import type {Logger} from '../platform/logger';

/** Resolves with a description of the caller, safe to log; rejects with a 401/403/500 AppError. */
export type CronAuth = (req: Request, log: Logger) => Promise<string>;

export {INVALID_HEADER};
export const INVALID_IP = 'Cron request did not come from a valid IP address.';
export const INVALID_ACCOUNT =
  'Cron request did not come from an allowed service account.';

/** The address App Engine flexible put in X-Forwarded-For for cron requests. */
export const APPENGINE_CRON_IP = '10.0.0.1';

function appEngineCheck(req: Request): string {
  if (req.header('x-appengine-cron') !== 'true')
    throw new AppError('unauthenticated', INVALID_HEADER);
  const forwarded = (req.header('x-forwarded-for') ?? '')
    .split(',')
    .map(ip => ip.trim());
  if (!forwarded.includes(APPENGINE_CRON_IP))
    throw new AppError('forbidden', INVALID_IP);
  return 'appengine-cron-header';
}

export function makeCronAuth(
  config: CronConfig,
  verify: VerifyIdToken,
): CronAuth {
  return async (req, log) => {
    if (config.authMode === 'appengine') {
      const caller = appEngineCheck(req);
      // Anyone can send these headers outside App Engine: keep every use visible.
      log.warn(
        'cron request accepted on App Engine headers alone (CRON_APPENGINE_COMPAT=true, migration only)',
        {caller},
      );
      return caller;
    }
    if (config.authMode === 'none') {
      log.error(
        'cron refuses every request: no authentication is configured. Set CRON_OIDC_AUDIENCE and CRON_SERVICE_ACCOUNT (or CRON_APPENGINE_COMPAT=true, for migration only).',
      );
      throw new AppError('internal', 'Server Error');
    }
    const email = await verifyBearer(
      req.header('authorization'),
      {
        audience: config.oidcAudience!,
        accounts: new Set([config.serviceAccount!]),
        notAllowed: INVALID_ACCOUNT,
        caller: 'cron',
      },
      verify,
      log,
    );
    return `service account ${email}`;
  };
}
