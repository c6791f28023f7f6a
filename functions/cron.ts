/**
 * cron: GET /cron, triggered every minute by Cloud Scheduler (with an OIDC token), or by
 * the App Engine compatibility check. Runs the scheduled tasks that are due: 204 when all
 * succeeded, 500 naming the failed ones so that Cloud Scheduler records and retries.
 */
import * as functions from '@google-cloud/functions-framework';
import {AppError} from '../shared/platform/errors';
import {endpoint, type Endpoint} from '../shared/http/handler';
import {isCronPath} from '../shared/http/routes';
import {methodNotAllowed, notFound, sendEmpty} from '../shared/http/respond';
import {productionRuntime, type Runtime} from '../shared/runtime';

/** The part of the runtime cron uses. */
export type CronRuntime = Pick<Runtime, 'config' | 'log' | 'cronAuth' | 'cron'>;

export const cron: Endpoint<CronRuntime> = async (req, res, runtime, log) => {
  if (!isCronPath(req.path)) throw notFound();
  if (req.method !== 'GET') throw methodNotAllowed('GET');
  const caller = await runtime.cronAuth(req, log);
  const summary = await runtime.cron.run(
    req.header('x-cloudscheduler-scheduletime'),
    log,
  );
  log.info('cron invocation', {caller, tasks: summary.reports});
  if (summary.failed.length > 0) {
    throw new AppError('internal', 'Some scheduled tasks failed.', {
      body: {failed: summary.failed},
    });
  }
  sendEmpty(res, 204);
};

/** The HTTP function, for a given runtime (tests) or the production one. */
export const makeCron = (getRuntime: () => CronRuntime = productionRuntime) =>
  endpoint('cron', getRuntime, cron);

functions.http('cron', makeCron());
