/**
 * Firestore as the library uses it: a client created on first use, and the instance's
 * deadline on every call. The runtime builds one `Db` from the configuration; nothing
 * else reads the deadline.
 */
import type {Firestore, Transaction} from 'firebase-admin/firestore';
import {busy, isAppError} from '../platform/errors';
import {callWithDeadline, isContention, raceDeadline} from './deadline';

export interface Db {
  /** The client, created on first use; a failure to create it is a 503. */
  client(): Promise<Firestore>;
  /** Runs one Firestore call within the deadline; its failure, or the time-out, is a 503 AppError. */
  callWithDeadline<T>(call: () => Promise<T>): Promise<T>;
  /** Like callWithDeadline, but the call's own error passes unchanged (to read its gRPC code). */
  raceDeadline<T>(call: () => Promise<T>): Promise<T>;
  /**
   * Runs `work` as one transaction within the deadline. Contention that outlasts the
   * SDK's retries is the busy 503; any other failure of Firestore is a 503 too, and an
   * AppError thrown by `work` passes unchanged.
   */
  transaction<T>(
    work: (tx: Transaction, client: Firestore) => Promise<T>,
  ): Promise<T>;
}

/** Attempts of one transaction under contention before answering the busy 503. */
const TRANSACTION_ATTEMPTS = 10;

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
            firestore.runTransaction(tx => work(tx, firestore), {
              maxAttempts: TRANSACTION_ATTEMPTS,
            }),
          deadlineMs,
        );
      } catch (err) {
        if (isAppError(err)) throw err;
        if (isContention(err)) throw busy();
        return callWithDeadline(() => Promise.reject(err), deadlineMs);
      }
    },
  };
  return db;
}
