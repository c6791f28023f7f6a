/**
 * Who may try a password now: the throttle's rules as a pure function of the counters read
 * for a sign-in (login-throttle.ts stores them). Throttle the attacker, never the owner:
 *
 * - A known device (the request presents a registration token the user already holds: the
 *   app re-registering at start) is counted under (email, device) only. Someone who knows
 *   only the email cannot touch that counter, so they can never lock a known device out.
 * - Any other client is counted under (email, client address) and under its address, as
 *   Laravel's throttle keyed `email|ip`. A client with no failures of its own is refused
 *   only once the email's budget across all clients is spent: a distributed campaign
 *   against one email can at worst delay a new device's first sign-in.
 * - Before bcrypt, an attempt reserves a unit of the budget it is bounded by (an atomic
 *   increment, checked after it is made), so parallel guesses cannot all read the same
 *   count: see `ReserveOn`.
 */

/** The counters of one sign-in's keys in the current window. */
export interface LoginCounts {
  /** Failures (and reserved attempts) of this email from all clients. */
  email: number;
  /** Failures of this email from this client address. */
  emailClient: number;
  /** Failures of this client address, across emails. */
  client: number;
  /** Failures (and reserved attempts) of this email from this registered device. */
  emailDevice: number;
}

export interface LoginLimits {
  maxFailuresPerEmailClient: number;
  maxFailuresPerIp: number;
  maxFailuresPerEmail: number;
}

/** Which counter refused a sign-in (logged, never shown to the caller). */
export type ThrottledBy = 'email' | 'email-client' | 'client' | 'email-device';

/**
 * The counter an admitted attempt reserves before bcrypt (`email` or `email-device`), or
 * none: a known device whose counter is at zero skips the write, so the common sign-in
 * (an app start on a registered device) costs no write at all.
 */
export type ReserveOn = 'email' | 'email-device' | null;

export type LoginDecision =
  | {kind: 'throttled'; by: ThrottledBy}
  | {kind: 'admitted'; reserveOn: ReserveOn; limit: number};

/** Decides from the counters read; `knownDevice` when the body names one of the user's tokens. */
export function decide(
  counts: LoginCounts,
  limits: LoginLimits,
  knownDevice: boolean,
): LoginDecision {
  if (knownDevice) {
    const limit = limits.maxFailuresPerEmailClient;
    if (counts.emailDevice >= limit)
      return {kind: 'throttled', by: 'email-device'};
    return {
      kind: 'admitted',
      reserveOn: counts.emailDevice > 0 ? 'email-device' : null,
      limit,
    };
  }
  if (counts.emailClient >= limits.maxFailuresPerEmailClient)
    return {kind: 'throttled', by: 'email-client'};
  if (counts.client >= limits.maxFailuresPerIp)
    return {kind: 'throttled', by: 'client'};
  if (counts.email >= limits.maxFailuresPerEmail)
    return {kind: 'throttled', by: 'email'};
  return {
    kind: 'admitted',
    reserveOn: 'email',
    limit: limits.maxFailuresPerEmail,
  };
}
