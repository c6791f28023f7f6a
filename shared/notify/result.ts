/**
 * What a send to a user's devices answers: counts, and one outcome per device.
 */

/**
 * How the send to one device ended:
 * - `sent`: FCM accepted the message;
 * - `removed`: FCM says the token is dead (UNREGISTERED, or INVALID_ARGUMENT about the
 *   token), and it was removed from the user's devices;
 * - `kept-refreshed`: FCM says the token is dead, but the device registered it again after
 *   the send started, so it was kept;
 * - `sender-id-mismatch`: the token belongs to another Firebase project (a configuration
 *   error, logged at ERROR; the token is kept);
 * - `unavailable`: FCM stayed UNAVAILABLE or INTERNAL past the retry budget;
 * - `quota-exceeded`: FCM's quota for the device or the project is exhausted;
 * - `invalid-message`: FCM refused the message itself;
 * - `failed`: any other answer.
 */
export type DeliveryOutcome =
  | 'sent'
  | 'removed'
  | 'kept-refreshed'
  | 'sender-id-mismatch'
  | 'unavailable'
  | 'quota-exceeded'
  | 'invalid-message'
  | 'failed';

export interface DeliveryResult {
  /** The token's stable id (a hash, never the token itself). */
  token_id: string;
  outcome: DeliveryOutcome;
}

/** The 200 body of notifyUser. */
export interface NotifyResult {
  /** Devices FCM accepted the message for. */
  sent: number;
  /** Devices it was not accepted for (removed ones included). */
  failed: number;
  /** Dead tokens removed from the user's devices. */
  removed: number;
  results: DeliveryResult[];
}

/** The counts of a list of outcomes. */
export function summarize(results: DeliveryResult[]): NotifyResult {
  const sent = results.filter(r => r.outcome === 'sent').length;
  return {
    sent,
    failed: results.length - sent,
    removed: results.filter(r => r.outcome === 'removed').length,
    results,
  };
}
