/**
 * Firestore calls with a deadline. The SDK itself retries an unreachable backend for far
 * longer than a function should wait, so every call races the instance's deadline
 * (FIRESTORE_TIMEOUT_MS); past it, or on any Firestore failure, the caller gets a 503 with
 * Retry-After. An operation that outlives its deadline may still complete: every write path
 * is safe to repeat or repair (leases expire; commits are all-or-nothing).
 */
import {isAppError, unavailable} from '../platform/errors';

/** gRPC status codes the Firestore SDK uses. */
export const GRPC = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAVAILABLE: 14,
} as const;

/** The gRPC status code of a Firestore error, if it has one. */
export function grpcCode(err: unknown): number | undefined {
  const code = (err as {code?: unknown} | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * True when a transaction gave up on contention: ABORTED, the emulator's closed transaction,
 * or the SDK's own "Exceeded maximum number of retries allowed." (a plain Error without a
 * code, thrown when its backoff, capped at 10 retries, runs out before the transaction's
 * attempts do).
 */
export function isContention(err: unknown): boolean {
  return (
    grpcCode(err) === GRPC.ABORTED ||
    // The emulator's way of aborting a transaction that lost a lock to another: its next
    // call answers this (firebase/firebase-tools#4473); seen in CI on two racing creates.
    (grpcCode(err) === GRPC.INVALID_ARGUMENT &&
      (err as {details?: unknown}).details ===
        'Transaction is invalid or closed.') ||
    (err instanceof Error &&
      err.message === 'Exceeded maximum number of retries allowed.')
  );
}

/** Runs `call`, failing with a 503 AppError after `deadlineMs`; the call's own errors pass unchanged. */
export async function raceDeadline<T>(
  call: () => Promise<T>,
  deadlineMs: number,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          unavailable(
            'Firestore',
            new Error(`Firestore did not answer within ${deadlineMs} ms`),
          ),
        ),
      deadlineMs,
    );
  });
  try {
    return await Promise.race([call(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `call` within `deadlineMs`; any failure of it, and the time-out, is a 503 AppError. */
export async function callWithDeadline<T>(
  call: () => Promise<T>,
  deadlineMs: number,
): Promise<T> {
  try {
    return await raceDeadline(call, deadlineMs);
  } catch (err) {
    if (isAppError(err)) throw err;
    throw unavailable('Firestore', err);
  }
}
