/**
 * The send path's public surface, and its wiring from the configuration (the runtime
 * calls `createNotifyPart`; tests and the operator command use the same).
 */
import type {Config} from '../platform/config';
import type {Db} from '../firestore/db';
import type {Devices} from '../devices/devices';
import type {AccessTokenSource} from '../fcm/access-token';
import {fcmBaseUrl} from '../fcm/endpoints';
import type {VerifyIdToken} from '../auth/oidc';
import {makeNotifyAuth} from './auth';
import {createDeliver, type Deliver} from './deliver';
import {createFcmV1, type SendAttempt} from './fcm-v1';
import {firestoreIdempotency} from './idempotency';
import {createNotify, type Notify} from './notifier';
import type {RetryDeps} from './retry';

export type {Notify, Sent, SendOptions} from './notifier';
export type {NotificationMessage} from './message';
export type {NotifyResult, DeliveryOutcome, DeliveryResult} from './result';
export {parseNotificationMessage} from './message';

/** Backoff of retried sends: 0.5 s doubling up to 8 s, within NOTIFY_RETRY_BUDGET_MS. */
export const BASE_DELAY_MS = 500;
export const MAX_DELAY_MS = 8000;

export interface NotifyPartDeps {
  config: Config;
  db: Db;
  devices: Pick<Devices, 'remove' | 'deliveryTarget'>;
  accessToken: AccessTokenSource;
  verify: VerifyIdToken;
  clock: () => Date;
  retryDeps?: RetryDeps;
}

/** The error every send answers when no FCM project is configured (a deploy mistake). */
const noProject = async (): Promise<SendAttempt> => {
  throw new Error(
    'No FCM project: set FCM_PROJECT_ID (or GOOGLE_CLOUD_PROJECT) to send notifications',
  );
};

/** The send to one user's devices, wired from the configuration (notifyUser's and the batches'). */
export function createDeliverPart(
  deps: Omit<NotifyPartDeps, 'verify'>,
): Deliver {
  const {config} = deps;
  const projectId = config.notify.fcmProjectId;
  const sendOnce = projectId
    ? createFcmV1({
        baseUrl: fcmBaseUrl(config.fcmEmulatorHost),
        projectId,
        accessToken: deps.accessToken,
      })
    : noProject;
  return createDeliver({
    config,
    db: deps.db,
    devices: deps.devices,
    sendOnce,
    retry: {
      budgetMs: config.notify.retryBudgetMs,
      baseDelayMs: BASE_DELAY_MS,
      maxDelayMs: MAX_DELAY_MS,
      attemptTimeoutMs: config.fcmTimeoutMs,
    },
    retryDeps: deps.retryDeps,
    clock: deps.clock,
  });
}

export function createNotifyPart(deps: NotifyPartDeps): Notify {
  return createNotify({
    authorize: makeNotifyAuth(deps.config.notify, deps.verify),
    deliver: createDeliverPart(deps),
    idempotency: firestoreIdempotency(deps.db, deps.clock),
  });
}
