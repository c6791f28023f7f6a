/**
 * Firestore failures reach callers as 503 with Retry-After: the request may be retried
 * and nothing was committed that a later call does not repair.
 */
import {isAppError, unavailable} from '../platform/errors';

/** gRPC status codes the Firestore SDK uses. */
export const GRPC = {
  ABORTED: 10,
  ALREADY_EXISTS: 6,
  FAILED_PRECONDITION: 9,
  NOT_FOUND: 5,
} as const;

export function grpcCode(err: unknown): number | undefined {
  const code = (err as {code?: unknown} | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * How long one Firestore operation may take before the request gives up with a 503. The
 * SDK itself retries an unreachable backend for far longer than a function should wait.
 * Set once per instance from the configuration (FIRESTORE_TIMEOUT_MS).
 */
let deadlineMs = 10_000;

export function setFirestoreDeadline(ms: number): void {
  deadlineMs = ms;
}

/** Runs a Firestore operation with the deadline; past it, a 503 AppError. Other errors pass as they are. */
export async function withDeadline<T>(operation: () => Promise<T>): Promise<T> {
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
    return await Promise.race([operation(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a Firestore operation, turning its failures, and a wait past the deadline, into a
 * 503 AppError. An operation that outlives its deadline may still complete: every write
 * path is safe to repeat or repair (leases expire; commits are all-or-nothing).
 */
export async function firestore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await withDeadline(operation);
  } catch (err) {
    if (isAppError(err)) throw err;
    throw unavailable('Firestore', err);
  }
}
