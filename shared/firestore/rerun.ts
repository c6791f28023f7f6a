/**
 * A whole transaction run again, for commands that may wait (the importer, the user
 * command): Firestore gives a transaction up for reasons another run clears. Contention
 * that outlasts the SDK's own retries (its backoff stops after ten), the emulator's closed
 * transaction, a deadline or an unavailable backend. A function answers 503 with
 * Retry-After instead (db.ts), and its client runs it again.
 */
import {GRPC, grpcCode, isContention} from './deadline';

/** True for a failure that running the same transaction again may clear. */
export function isTransient(err: unknown): boolean {
  const code = grpcCode(err);
  return (
    isContention(err) ||
    code === GRPC.DEADLINE_EXCEEDED ||
    code === GRPC.UNAVAILABLE
  );
}

/**
 * Runs `run` up to `runs` times while it fails transiently, pausing a little longer after
 * each failure; the last failure, or any other, passes unchanged.
 */
export async function rerunTransient<T>(
  run: () => Promise<T>,
  runs: number,
  pauseMs = 50,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= runs || !isTransient(err)) throw err;
      await new Promise(resolve => setTimeout(resolve, pauseMs * attempt));
    }
  }
}
