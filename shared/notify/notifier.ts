/**
 * notifyUser's part of the runtime: who may call it, and the send to a user's devices
 * with Idempotency-Key handling around the delivery.
 */
import {AppError, RETRY_AFTER_SECONDS} from '../platform/errors';
import type {Logger} from '../platform/logger';
import {validationError} from '../http/validation';
import type {NotifyAuth} from './auth';
import type {Deliver} from './deliver';
import {fingerprint, type IdempotencyStore} from './idempotency';
import type {NotificationMessage} from './message';
import type {NotifyResult} from './result';

export interface SendOptions {
  /** The caller's Idempotency-Key, already checked for shape. */
  idempotencyKey?: string;
}

export interface Sent {
  result: NotifyResult;
  /** True when the result is a stored one, answered again without sending. */
  replayed: boolean;
}

export interface Notify {
  /** Checks the caller's OIDC token against the allow-list; resolves with its account. */
  authorize: NotifyAuth;
  /** Sends `message` to the user's devices; 404 for an unknown user, 503 on FCM's quota. */
  send(
    userId: string,
    message: NotificationMessage,
    log: Logger,
    options?: SendOptions,
  ): Promise<Sent>;
}

/** The 503 of a send FCM refused for quota: not retried inside the request. */
export function quotaExceeded(
  result: NotifyResult,
  retryAfterMs: number,
): AppError {
  return new AppError(
    'unavailable',
    'Firebase Cloud Messaging quota exceeded. Please retry later.',
    {
      body: {...result},
      headers: {
        'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
      },
    },
  );
}

export function createNotify(deps: {
  authorize: NotifyAuth;
  deliver: Deliver;
  idempotency: IdempotencyStore;
}): Notify {
  return {
    authorize: deps.authorize,
    async send(userId, message, log, {idempotencyKey} = {}) {
      if (idempotencyKey === undefined) {
        const delivery = await deps.deliver(userId, message, log);
        if (delivery.kind === 'quota')
          throw quotaExceeded(delivery.result, delivery.retryAfterMs);
        return {result: delivery.result, replayed: false};
      }
      const claim = await deps.idempotency.claim(
        userId,
        idempotencyKey,
        fingerprint(message),
      );
      switch (claim.kind) {
        case 'replay':
          log.info('idempotent replay', {userId});
          return {result: claim.result, replayed: true};
        case 'in-progress':
          throw new AppError(
            'conflict',
            'A request with this Idempotency-Key is in progress. Please retry.',
            {headers: {'Retry-After': String(RETRY_AFTER_SECONDS)}},
          );
        case 'mismatch':
          throw validationError({
            'Idempotency-Key': [
              'The Idempotency-Key was already used with another request body.',
            ],
          });
      }
      let delivery;
      try {
        delivery = await deps.deliver(userId, message, log, claim.previous);
      } catch (err) {
        // Nothing was answered: the caller's retry with the key must be able to send.
        await claim.release().catch((cause: unknown) =>
          log.warn('could not release an Idempotency-Key', {
            cause: String(cause),
          }),
        );
        throw err;
      }
      if (delivery.kind === 'quota') {
        // The retry that Retry-After asks for must not reach these devices twice.
        await claim.keepPartial(delivery.result).catch((cause: unknown) =>
          log.error(
            'could not store the partial result of an Idempotency-Key',
            {
              cause: String(cause),
            },
          ),
        );
        throw quotaExceeded(delivery.result, delivery.retryAfterMs);
      }
      // The devices were notified: answer so even if the record cannot be completed (a
      // retry then waits for the pending claim to lapse instead of replaying).
      await claim.complete(delivery.result).catch((cause: unknown) =>
        log.error('could not store the result of an Idempotency-Key', {
          cause: String(cause),
        }),
      );
      return {result: delivery.result, replayed: false};
    },
  };
}
