/**
 * Firestore as the library uses it: a client created on first use, and the instance's
 * deadline on every call. The runtime builds one `Db` from the configuration; nothing
 * else reads the deadline.
 */
import type {
  DocumentData,
  DocumentReference,
  Firestore,
  Timestamp,
  Transaction,
} from 'firebase-admin/firestore';
import {busy, isAppError} from '../platform/errors';
import {
  GRPC,
  callWithDeadline,
  grpcCode,
  isContention,
  raceDeadline,
} from './deadline';
import {rerunWhile} from './rerun';

/** How a create ended: written, or the document was there already (someone else's claim). */
export type Created =
  {kind: 'created'; writeTime: Timestamp} | {kind: 'exists'};

export interface Db {
  /** The client, created on first use; a failure to create it is a 503. */
  client(): Promise<Firestore>;
  /** Runs one Firestore call within the deadline; its failure, or the time-out, is a 503 AppError. */
  callWithDeadline<T>(call: () => Promise<T>): Promise<T>;
  /** Like callWithDeadline, but the call's own error passes unchanged (to read its gRPC code). */
  raceDeadline<T>(call: () => Promise<T>): Promise<T>;
  /**
   * Runs `work` as one transaction within the deadline. Contention that outlasts the
   * SDK's retries and a few whole runs is the busy 503; any other failure of Firestore is a 503 too, and an
   * AppError thrown by `work` passes unchanged.
   */
  transaction<T>(
    work: (tx: Transaction, client: Firestore) => Promise<T>,
  ): Promise<T>;
  /**
   * Creates `ref` unless it exists: the one way a claim (a lease, an Idempotency-Key) is
   * taken. "Exists" is an answer, not an error; any other failure is the 503.
   */
  createIfAbsent(ref: DocumentReference, data: DocumentData): Promise<Created>;
}

/** Attempts of one transaction under contention (the SDK's backoff allows at most 11). */
const TRANSACTION_ATTEMPTS = 10;

/**
 * Whole transactions run while contention ends them, within the deadline, before the busy
 * 503: the SDK does not retry the emulator's closed transaction, so our own races would
 * answer 5xx.
 */
const TRANSACTION_RUNS = 3;

/** A Db over a lazily created client (see client.ts) with `deadlineMs` per call. */
export function createDb(
  client: () => Promise<Firestore>,
  deadlineMs: number,
): Db {
  const db: Db = {
    client: () => callWithDeadline(client, deadlineMs),
    callWithDeadline: call => callWithDeadline(call, deadlineMs),
    raceDeadline: call => raceDeadline(call, deadlineMs),
    async transaction(work) {
      const firestore = await db.client();
      try {
        return await raceDeadline(
          () =>
            rerunWhile(
              () =>
                firestore.runTransaction(tx => work(tx, firestore), {
                  maxAttempts: TRANSACTION_ATTEMPTS,
                }),
              isContention,
              TRANSACTION_RUNS,
            ),
          deadlineMs,
        );
      } catch (err) {
        if (isAppError(err)) throw err;
        if (isContention(err)) throw busy();
        return callWithDeadline(() => Promise.reject(err), deadlineMs);
      }
    },
    async createIfAbsent(ref, data) {
      try {
        const {writeTime} = await raceDeadline(
          () => ref.create(data),
          deadlineMs,
        );
        return {kind: 'created', writeTime};
      } catch (err) {
        if (grpcCode(err) === GRPC.ALREADY_EXISTS) return {kind: 'exists'};
        return callWithDeadline(() => Promise.reject(err), deadlineMs);
      }
    },
  };
  return db;
}
