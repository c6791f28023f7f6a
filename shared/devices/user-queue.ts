/**
 * Runs one user's changes one at a time within this instance, with a bounded queue.
 * Correctness never depends on it (the Firestore transaction serializes across
 * instances); it keeps a burst for one user from contending with itself, which makes
 * Firestore transactions abort and retry, and it caps how many requests of one user an
 * instance holds at once, as the lease's waiter cap does for the `fcm` backend.
 */
import {busy} from '../platform/errors';

export class UserQueue {
  private readonly tails = new Map<
    string,
    {tail: Promise<void>; size: number}
  >();

  /** @param maxWaiting - requests that may wait behind the running one; more get the busy 503 */
  constructor(private readonly maxWaiting: number) {}

  async run<T>(userId: string, work: () => Promise<T>): Promise<T> {
    const entry = this.tails.get(userId) ?? {tail: Promise.resolve(), size: 0};
    if (entry.size > this.maxWaiting) {
      throw busy(
        "Too many requests are waiting to change this user's devices. Please retry.",
      );
    }
    const previous = entry.tail;
    let done!: () => void;
    entry.tail = new Promise<void>(resolve => (done = resolve));
    entry.size += 1;
    this.tails.set(userId, entry);
    try {
      await previous;
      return await work();
    } finally {
      entry.size -= 1;
      if (entry.size === 0) this.tails.delete(userId);
      done();
    }
  }
}
