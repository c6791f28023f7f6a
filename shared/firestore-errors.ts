/**
 * Firestore failures reach callers as 503 with Retry-After: the request may be retried
 * and nothing was committed that a later call does not repair.
 */
import { isAppError, unavailable } from './errors';

/** gRPC status codes the Firestore SDK uses. */
export const GRPC = { ABORTED: 10, ALREADY_EXISTS: 6, FAILED_PRECONDITION: 9, NOT_FOUND: 5 } as const;

export function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Runs a Firestore operation, turning its failures into a 503 AppError. */
export async function firestore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (isAppError(err)) throw err;
    throw unavailable('Firestore', err);
  }
}
