/**
 * Idempotency-Key: a repeated request (same key, same user, within 24 hours) answers the
 * first result without sending again. The key is claimed with `create()` before anything
 * is sent, so of two concurrent retries only one sends; the other answers 409 until the
 * first is done. A request cut short by FCM's quota leaves a `partial` record: its retry
 * sends only to the devices not reached yet. Records carry `expires_at` for a TTL policy.
 *
 * A `pending` claim is judged abandoned on the instance's clock (after PENDING_CLAIM_MS, 15
 * minutes, far beyond any skew between instances), and is taken over with a precondition on
 * the record's update time, so of two takeovers only one wins.
 *
 *   notification_requests/{sha256(user, key)}
 *     { user_id, fingerprint, state: 'pending'|'partial'|'done', result, claimed_at, expires_at }
 */
import {createHash} from 'node:crypto';
import type {DocumentReference} from 'firebase-admin/firestore';
import {firestoreSdk} from '../firestore/client';
import {NOTIFICATION_REQUESTS} from '../firestore/collections';
import type {Db} from '../firestore/db';
import {GRPC, grpcCode} from '../firestore/deadline';
import {isAppError, unavailable} from '../platform/errors';
import type {NotifyResult} from './result';

export {NOTIFICATION_REQUESTS};

/** How long a key answers with its first result. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * A `pending` claim older than this belongs to a request that died (a crash, a time-out):
 * another request with the key may take it over. Longer than any request lives.
 */
export const PENDING_CLAIM_MS = 15 * 60 * 1000;

export type Claim =
  | {
      kind: 'claimed';
      /** What an earlier attempt with the key reached (a `partial` record), if any. */
      previous: NotifyResult | undefined;
      /** Stores the final result: the key replays it from now on. */
      complete(result: NotifyResult): Promise<void>;
      /** Stores what was reached so far; the next attempt with the key sends the rest. */
      keepPartial(result: NotifyResult): Promise<void>;
      /** Forgets the key: the next attempt sends from scratch. */
      release(): Promise<void>;
    }
  | {kind: 'replay'; result: NotifyResult}
  | {kind: 'in-progress'}
  | {kind: 'mismatch'};

export interface IdempotencyStore {
  claim(userId: string, key: string, fingerprint: string): Promise<Claim>;
}

interface RequestDoc {
  user_id: string;
  fingerprint: string;
  state: 'pending' | 'partial' | 'done';
  result?: NotifyResult;
  claimed_at: {toMillis(): number};
  expires_at: {toMillis(): number};
}

const sha256 = (text: string) =>
  createHash('sha256').update(text).digest('base64url');

/** The hash of a request body that a repeated request must match. */
export function fingerprint(body: unknown): string {
  return sha256(JSON.stringify(body));
}

export function firestoreIdempotency(
  db: Db,
  clock: () => Date,
): IdempotencyStore {
  function claimed(
    ref: DocumentReference,
    previous: NotifyResult | undefined,
  ): Claim {
    return {
      kind: 'claimed',
      previous,
      complete: async result => {
        await db.callWithDeadline(() => ref.update({state: 'done', result}));
      },
      keepPartial: async result => {
        await db.callWithDeadline(() => ref.update({state: 'partial', result}));
      },
      // A failed request must not block its retry for 24 hours.
      release: async () => {
        await db.callWithDeadline(() => ref.delete());
      },
    };
  }

  return {
    async claim(userId, key, print) {
      const {FieldValue, Timestamp} = await firestoreSdk();
      const client = await db.client();
      const ref = client
        .collection(NOTIFICATION_REQUESTS)
        .doc(sha256(`${userId}\n${key}`));
      const now = clock();
      const fresh = {
        user_id: userId,
        fingerprint: print,
        state: 'pending',
        claimed_at: Timestamp.fromDate(now),
        expires_at: Timestamp.fromMillis(now.getTime() + IDEMPOTENCY_WINDOW_MS),
      };
      if ((await db.createIfAbsent(ref, fresh)).kind === 'created')
        return claimed(ref, undefined);
      const snapshot = await db.callWithDeadline(() => ref.get());
      const doc = snapshot.data() as RequestDoc | undefined;
      // TTL deletion runs up to a day late: an expired record is as good as none.
      const expired = !doc || doc.expires_at.toMillis() <= now.getTime();
      const abandoned =
        doc?.state === 'pending' &&
        now.getTime() - doc.claimed_at.toMillis() > PENDING_CLAIM_MS;
      if (!expired && doc.fingerprint !== print) return {kind: 'mismatch'};
      if (!expired && doc.state === 'done' && doc.result)
        return {kind: 'replay', result: doc.result};
      if (!expired && doc.state === 'pending' && !abandoned)
        return {kind: 'in-progress'};
      // A partial record (or the claim of a request that died after keeping one) carries
      // what was reached; an expired record carries nothing.
      const previous = expired ? undefined : doc.result;
      const takeover = expired
        ? {...fresh, result: FieldValue.delete()}
        : {state: 'pending', claimed_at: fresh.claimed_at};
      try {
        // Only one of two requests taking over the same record wins.
        await db.raceDeadline(() =>
          snapshot.exists
            ? ref.update(takeover, {lastUpdateTime: snapshot.updateTime!})
            : ref.create(fresh),
        );
      } catch (err) {
        if (isAppError(err)) throw err;
        const code = grpcCode(err);
        if (code === GRPC.ALREADY_EXISTS || code === GRPC.FAILED_PRECONDITION)
          return {kind: 'in-progress'};
        throw unavailable('Firestore', err);
      }
      return claimed(ref, previous);
    },
  };
}
