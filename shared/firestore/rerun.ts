/**
 * A whole transaction run again: Firestore gives a transaction up for reasons another run
 * clears, and the SDK retries neither the emulator's closed transaction nor anything past
 * its eleventh attempt. A function reruns contention only, within its deadline (db.ts);
 * commands that may wait (the importer, the user command) also rerun a deadline or an
 * unavailable backend.
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
 * Runs `run` up to `runs` times while it fails with an error `retryable` takes, pausing a
 * little longer after each failure; the last failure, or any other, passes unchanged.
 */
export async function rerunWhile<T>(
  run: () => Promise<T>,
  retryable: (err: unknown) => boolean,
  runs: number,
  pauseMs = 50,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= runs || !retryable(err)) throw err;
      await new Promise(resolve => setTimeout(resolve, pauseMs * attempt));
    }
  }
}
