/**
 * The rules of a batch's bookkeeping, as pure functions: which device outcomes are worth a
 * later retry, how a user's delivery ends, the one-hot tally each finished user carries,
 * and the status that the sums of those tallies give.
 */
import type {DeliveryOutcome} from '../result';

/** How one user's delivery in a batch ended. */
export type RecipientOutcome =
  /** At least one device accepted the message. */
  | 'sent'
  /** Every device was dead, and removed. */
  | 'removed'
  /** Anything else: permanent failures, expired, retries exhausted, interrupted. */
  | 'failed'
  | 'no_devices'
  | 'unknown_user';

/** Per finished user: 1 in the field of its outcome, 0 in the others. */
export interface Tally {
  sent: number;
  failed: number;
  removed: number;
  no_devices: number;
  unknown_users: number;
}

export const TALLY_FIELDS: ReadonlyArray<keyof Tally> = [
  'sent',
  'failed',
  'removed',
  'no_devices',
  'unknown_users',
];

/** FCM outcomes that a later attempt may turn into a send: Pub/Sub redelivers the user. */
export const TRANSIENT: ReadonlySet<DeliveryOutcome> = new Set([
  'quota-exceeded',
  'unavailable',
]);

export function isTransient(outcome: string): boolean {
  return TRANSIENT.has(outcome as DeliveryOutcome);
}

/** How a user's delivery ends, from its devices' outcomes (none: the user has no devices). */
export function recipientOutcome(
  devices: readonly string[],
): Exclude<RecipientOutcome, 'unknown_user'> {
  if (devices.length === 0) return 'no_devices';
  if (devices.includes('sent')) return 'sent';
  if (devices.every(d => d === 'removed')) return 'removed';
  return 'failed';
}

/** The one-hot tally of an outcome. */
export function tally(outcome: RecipientOutcome): Tally {
  const key: keyof Tally =
    outcome === 'unknown_user' ? 'unknown_users' : outcome;
  return {
    sent: 0,
    failed: 0,
    removed: 0,
    no_devices: 0,
    unknown_users: 0,
    [key]: 1,
  };
}

export type BatchState = 'queued' | 'sending' | 'done';

/** The state of a batch of `users` users whose finished users sum to `counts`. */
export function batchState(users: number, counts: Tally): BatchState {
  const finished = TALLY_FIELDS.reduce((n, field) => n + counts[field], 0);
  if (finished >= users) return 'done';
  return finished > 0 ? 'sending' : 'queued';
}
