/**
 * Firestore as the library uses it: a client created on first use, and the instance's
 * deadline on every call. The runtime builds one `Db` from the configuration; nothing
 * else reads the deadline.
 */
import type {Firestore} from 'firebase-admin/firestore';
import {callWithDeadline, raceDeadline} from './deadline';

export interface Db {
  /** The client, created on first use; a failure to create it is a 503. */
  client(): Promise<Firestore>;
  /** Runs one Firestore call within the deadline; its failure, or the time-out, is a 503 AppError. */
  callWithDeadline<T>(call: () => Promise<T>): Promise<T>;
  /** Like callWithDeadline, but the call's own error passes unchanged (to read its gRPC code). */
  raceDeadline<T>(call: () => Promise<T>): Promise<T>;
}

/** A Db over a lazily created client (see client.ts) with `deadlineMs` per call. */
export function createDb(
  client: () => Promise<Firestore>,
  deadlineMs: number,
): Db {
  return {
    client: () => callWithDeadline(client, deadlineMs),
    callWithDeadline: call => callWithDeadline(call, deadlineMs),
    raceDeadline: call => raceDeadline(call, deadlineMs),
  };
}
