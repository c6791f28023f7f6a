/**
 * notifyUser: POST /users/{user}/notifications, called by our own services (OIDC, on an
 * allow-list of service accounts). Sends an FCM message to the user's devices.
 */
import * as functions from '@google-cloud/functions-framework';
import {endpoint, type Endpoint} from '../shared/http/handler';
import {sendJson} from '../shared/http/respond';
import {parseNotifyRequest} from '../shared/notify/request';
import {productionRuntime, type Runtime} from '../shared/runtime';

/** The part of the runtime notifyUser uses. */
export type NotifyUserRuntime = Pick<Runtime, 'config' | 'log' | 'notify'>;

export const notifyUser: Endpoint<NotifyUserRuntime> = async (
  req,
  res,
  runtime,
  log,
) => {
  const {userId, caller, message, idempotencyKey} = await parseNotifyRequest(
    req,
    runtime.notify.authorize,
    log,
  );
  const {result, replayed} = await runtime.notify.send(userId, message, log, {
    idempotencyKey,
  });
  log.info(replayed ? 'notification replayed' : 'notification sent', {
    userId,
    caller,
    sent: result.sent,
    failed: result.failed,
    removed: result.removed,
  });
  sendJson(res, 200, result, replayed ? {'Idempotent-Replayed': 'true'} : {});
};

/** The HTTP function, for a given runtime (tests) or the production one. */
export const makeNotifyUser = (
  getRuntime: () => NotifyUserRuntime = productionRuntime,
) => endpoint('notifyUser', getRuntime, notifyUser);

functions.http('notifyUser', makeNotifyUser());
