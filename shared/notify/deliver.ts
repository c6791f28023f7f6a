/**
 * Delivery to one user's devices, by backend:
 * - `fcm`: one send with the user's notification key as the target; FCM v1 does not say
 *   which members got it, so every device listed for the user shares that one outcome.
 * - `firestore`: one send per token, at most `concurrency` at once. Dead tokens are
 *   removed through the registry's remove path, unless the device registered again
 *   after the send started (the same "refreshed meanwhile" rule pruning uses).
 */
import type {Config} from '../platform/config';
import {AppError} from '../platform/errors';
import type {Logger} from '../platform/logger';
import type {Db} from '../firestore/db';
import {USERS, tokenId} from '../firestore/collections';
import {userDevices, type DeviceRef, type UserDevices} from '../devices/state';
import type {Devices} from '../devices/devices';
import {forEachLimit} from '../platform/pool';
import type {SendAttempt, SendOnce} from './fcm-v1';
import type {NotificationMessage} from './message';
import {
  summarize,
  type DeliveryOutcome,
  type DeliveryResult,
  type NotifyResult,
} from './result';
import {
  realRetryDeps,
  withRetries,
  type RetryDeps,
  type RetryPolicy,
} from './retry';

export type Delivery =
  | {kind: 'done'; result: NotifyResult}
  /** FCM answered QUOTA_EXCEEDED for at least one device: the caller answers 503. */
  | {kind: 'quota'; result: NotifyResult; retryAfterMs: number};

export interface DeliverDeps {
  config: {notify: Pick<Config['notify'], 'concurrency'>};
  db: Db;
  /** The backend: how a user is reached, and dead tokens' removal. */
  devices: Pick<Devices, 'remove' | 'deliveryTarget'>;
  sendOnce: SendOnce;
  retry: RetryPolicy;
  retryDeps?: RetryDeps;
  clock: () => Date;
}

/** FCM's default wait after QUOTA_EXCEEDED without a Retry-After. */
const QUOTA_RETRY_AFTER_MS = 60_000;

/** One FCM send of a delivery: its target's id (a token's id, or the notification key's) and the devices it reaches. */
export interface SendTarget {
  id: string;
  devices: readonly string[];
}

/**
 * Asked once per delivery, after the user's devices are read and before anything is sent:
 * answers the outcome of each target that must not be sent (decided by an earlier
 * delivery); the others are sent. Throwing stops the delivery before any send. The batch
 * sender's exactly-once claims (notify/batch/claims.ts).
 */
export type ClaimTargets = (
  targets: readonly SendTarget[],
) => Promise<ReadonlyMap<string, DeliveryOutcome>>;

/**
 * Sends `message` to the user's devices. `previous` is what an earlier attempt with the
 * same Idempotency-Key reached: devices it sent to are not sent to again. `claim`, when
 * given, decides per target whether to send (see ClaimTargets).
 */
export type Deliver = (
  userId: string,
  message: NotificationMessage,
  log: Logger,
  previous?: NotifyResult,
  claim?: ClaimTargets,
) => Promise<Delivery>;

export function createDeliver(deps: DeliverDeps): Deliver {
  const retryDeps = deps.retryDeps ?? realRetryDeps;

  async function readDevices(userId: string) {
    const client = await deps.db.client();
    const snapshot = await deps.db.callWithDeadline(() =>
      client.collection(USERS).doc(userId).get(),
    );
    if (!snapshot.exists) throw new AppError('not-found', 'Not Found.');
    return userDevices(userId, snapshot);
  }

  /** The outcome of a failed send that needs no token hygiene. */
  function failure(
    attempt: Extract<SendAttempt, {kind: 'failed'}>,
    waits: number[],
    log: Logger,
    fields: Record<string, unknown>,
  ): DeliveryOutcome {
    const context = {...fields, code: attempt.code, status: attempt.status};
    switch (attempt.code) {
      case 'SENDER_ID_MISMATCH':
        log.error(
          'FCM answered SENDER_ID_MISMATCH: the token belongs to another Firebase project (check FCM_PROJECT_ID and the app configuration); the token is kept',
          context,
        );
        return 'sender-id-mismatch';
      case 'QUOTA_EXCEEDED':
        waits.push(attempt.retryAfterMs ?? QUOTA_RETRY_AFTER_MS);
        log.warn('FCM quota exceeded', context);
        return 'quota-exceeded';
      case 'UNAVAILABLE':
      case 'INTERNAL':
        log.warn('FCM unavailable after retries', {
          ...context,
          detail: attempt.detail,
        });
        return 'unavailable';
      case 'INVALID_ARGUMENT':
        log.warn('FCM refused the message', {
          ...context,
          detail: attempt.detail,
        });
        return 'invalid-message';
      default:
        log.warn('FCM refused a send', {...context, detail: attempt.detail});
        return 'failed';
    }
  }

  const send = (
    target: string,
    message: NotificationMessage,
    startedAt: number,
  ) =>
    withRetries(
      signal => deps.sendOnce(target, message, signal),
      deps.retry,
      retryDeps,
      startedAt,
    );

  function answer(results: DeliveryResult[], waits: number[]): Delivery {
    const result = summarize(results);
    return waits.length > 0
      ? {kind: 'quota', result, retryAfterMs: Math.max(...waits)}
      : {kind: 'done', result};
  }

  async function toGroup(
    {userId, tokens}: UserDevices,
    notificationKey: string | null,
    message: NotificationMessage,
    log: Logger,
    previous: NotifyResult | undefined,
    claim: ClaimTargets | undefined,
  ): Promise<Delivery> {
    // A group send reaches all or none: an earlier one that got through is the answer.
    if (previous !== undefined && previous.sent > 0)
      return answer(previous.results, []);
    if (tokens.length === 0) return answer([], []);
    if (notificationKey === null) {
      // Devices without a group (written by the firestore backend): none of them is reached.
      log.warn('user has devices but no notification key: nothing sent', {
        userId,
      });
      return answer(
        tokens.map(t => ({token_id: t.id, outcome: 'failed'})),
        [],
      );
    }
    const keyId = tokenId(notificationKey);
    const decided = (
      await claim?.([{id: keyId, devices: tokens.map(t => t.id)}])
    )?.get(keyId);
    if (decided !== undefined)
      return answer(
        tokens.map(t => ({token_id: t.id, outcome: decided})),
        [],
      );
    const waits: number[] = [];
    const {last} = await send(notificationKey, message, retryDeps.now());
    const fields = {userId, target: 'notification key'};
    let outcome: DeliveryOutcome = 'sent';
    if (last.kind === 'failed' && last.code === 'UNREGISTERED') {
      log.warn(
        "FCM does not know the user's notification key: the device group is gone (the next registration of one of the user's devices creates it again)",
        {...fields, code: last.code, status: last.status},
      );
      outcome = 'failed';
    } else if (last.kind === 'failed') {
      outcome = failure(last, waits, log, fields);
    }
    return answer(
      tokens.map(t => ({token_id: t.id, outcome})),
      waits,
    );
  }

  async function toEachToken(
    {userId, tokens}: UserDevices,
    sendStartedAt: Date,
    message: NotificationMessage,
    log: Logger,
    previous: NotifyResult | undefined,
    claim: ClaimTargets | undefined,
  ): Promise<Delivery> {
    const reached = new Set(
      (previous?.results ?? [])
        .filter(r => r.outcome === 'sent')
        .map(r => r.token_id),
    );
    const decided =
      (await claim?.(tokens.map(t => ({id: t.id, devices: [t.id]})))) ??
      new Map<string, DeliveryOutcome>();
    const started = retryDeps.now();
    const waits: number[] = [];
    const results: DeliveryResult[] = [];
    const deliverTo = async (token: DeviceRef) => {
      if (reached.has(token.id)) {
        results.push({token_id: token.id, outcome: 'sent'});
        return;
      }
      const outcomeBefore = decided.get(token.id);
      if (outcomeBefore !== undefined) {
        results.push({token_id: token.id, outcome: outcomeBefore});
        return;
      }
      const {last} = await send(token.registration_id, message, started);
      const fields = {userId, tokenId: token.id};
      let outcome: DeliveryOutcome;
      if (last.kind === 'sent') outcome = 'sent';
      else if (last.code === 'UNREGISTERED' || last.badToken)
        outcome = await removeDead(
          userId,
          token,
          sendStartedAt,
          log,
          last.code,
        );
      else outcome = failure(last, waits, log, fields);
      results.push({token_id: token.id, outcome});
    };
    await forEachLimit(tokens, deps.config.notify.concurrency, deliverTo);
    // Answer in the user's device order (least recently registered first), not finishing order.
    const order = new Map(tokens.map((t, i) => [t.id, i]));
    results.sort((a, b) => order.get(a.token_id)! - order.get(b.token_id)!);
    return answer(results, waits);
  }

  async function removeDead(
    userId: string,
    token: DeviceRef,
    sendStartedAt: Date,
    log: Logger,
    code: string,
  ): Promise<DeliveryOutcome> {
    try {
      const removed = await deps.devices.remove(userId, token.registration_id, {
        onlyIfUpdatedBefore: sendStartedAt,
        reason: 'unregistered',
      });
      log.info(
        removed
          ? 'removed a dead token'
          : 'kept a dead token: the device registered again during the send',
        {userId, tokenId: token.id, code},
      );
      return removed ? 'removed' : 'kept-refreshed';
    } catch (err) {
      // The message is sent to the others; the token is pruned later (it stops refreshing).
      log.warn('could not remove a dead token', {
        userId,
        tokenId: token.id,
        cause: String(err),
      });
      return 'failed';
    }
  }

  return async (userId, message, log, previous, claim) => {
    // Taken before the devices are read: a device that registers again after this is kept.
    const sendStartedAt = deps.clock();
    const devices = await readDevices(userId);
    const target = deps.devices.deliveryTarget(devices);
    return target.kind === 'group'
      ? toGroup(devices, target.notificationKey, message, log, previous, claim)
      : toEachToken(devices, sendStartedAt, message, log, previous, claim);
  };
}
