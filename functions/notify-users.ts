/**
 * notifyUsers: POST /notifications (a batch: up to 1000 users, one message) and
 * GET /notifications/{batch} (its status), called by our own services (the OIDC allow-list
 * of notifyUser). One function serves both so that the status URL it answers is reachable
 * by exactly the callers that created the batch, with the same token audience.
 */
import * as functions from '@google-cloud/functions-framework';
import {endpoint, type Endpoint} from '../shared/http/handler';
import {notFound, sendJson} from '../shared/http/respond';
import {statusUrl} from '../shared/notify/batch';
import {parseBatchRequest} from '../shared/notify/batch/request';
import {productionRuntime, type Runtime} from '../shared/runtime';

/** The part of the runtime notifyUsers uses. */
export type NotifyUsersRuntime = Pick<
  Runtime,
  'config' | 'log' | 'notifyBatches'
>;

export const notifyUsers: Endpoint<NotifyUsersRuntime> = async (
  req,
  res,
  runtime,
  log,
) => {
  const batches = runtime.notifyBatches;
  const request = await parseBatchRequest(req, batches.authorize, log);
  if (request.kind === 'status') {
    const status = await batches.status(request.batchId, log);
    if (!status) throw notFound();
    sendJson(res, 200, status);
    return;
  }
  const {caller} = request;
  const created = await batches.create(
    {
      caller,
      users: request.users,
      message: request.message,
      expiresInMs: request.expiresInMs,
      idempotencyKey: request.idempotencyKey,
    },
    log,
  );
  log.info(created.replayed ? 'batch replayed' : 'batch created', {
    caller,
    batchId: created.id,
    users: created.users,
  });
  const url = statusUrl(runtime.config.notify.oidcAudience, created.id);
  sendJson(
    res,
    202,
    {id: created.id, users: created.users, status_url: url},
    {
      Location: url,
      ...(created.replayed ? {'Idempotent-Replayed': 'true'} : {}),
    },
  );
};

/** The HTTP function, for a given runtime (tests) or the production one. */
export const makeNotifyUsers = (
  getRuntime: () => NotifyUsersRuntime = productionRuntime,
) => endpoint('notifyUsers', getRuntime, notifyUsers);

functions.http('notifyUsers', makeNotifyUsers());
