/**
 * Failed-login throttling shared by every instance: failures are counted in Firestore,
 * per lower-cased email and per client address, in fixed windows of `windowMs`.
 *
 * Each key and window has its own document (`login_failures/{keyHash}_{window}`), so
 * counting a failure is one blind `increment` and never a transaction: an attack on one
 * email is exactly the load under which a read-modify-write transaction would contend
 * and abort. A new window is a new document; old ones go by the TTL on `expires_at`.
 */
import {createHash} from 'node:crypto';
import type {DocumentReference} from 'firebase-admin/firestore';
import {LOGIN_FAILURES} from '../firestore/collections';
import type {Db} from '../firestore/db';
import {firestoreSdk} from '../firestore/client';

/** What a login is counted under: the lower-cased email and the client address. */
export interface LoginKeys {
  email: string;
  clientIp: string;
}

export type ThrottleVerdict =
  | {kind: 'allowed'}
  | {kind: 'throttled'; by: 'email' | 'client'; retryAfterSeconds: number};

export interface LoginThrottle {
  /** Whether these keys may try a password now (read only). */
  check(keys: LoginKeys): Promise<ThrottleVerdict>;
  /** Counts one failed login against both keys. */
  recordFailure(keys: LoginKeys): Promise<void>;
}

export interface LoginThrottleOptions {
  maxFailuresPerEmail: number;
  maxFailuresPerIp: number;
  windowMs: number;
  clock?: () => Date;
}

/** The stored counter of one key in one window. */
export interface LoginFailureDoc {
  kind: 'email' | 'client';
  count: number;
  window_start: Date;
  /** When the window ends; a Firestore TTL policy deletes the document after it. */
  expires_at: Date;
}

/** The document id of a key's counter: a hash, so no email or address is stored in clear. */
export function loginFailureId(
  kind: 'email' | 'client',
  value: string,
  window: number,
): string {
  const hash = createHash('sha256').update(`${kind}\0${value}`).digest();
  return `${hash.toString('base64url')}_${window}`;
}

export function firestoreLoginThrottle(
  db: Db,
  options: LoginThrottleOptions,
): LoginThrottle {
  const {windowMs, clock = () => new Date()} = options;
  const windowOf = (now: Date) => Math.floor(now.getTime() / windowMs);
  const refs = async (keys: LoginKeys, window: number) => {
    const collection = (await db.client()).collection(LOGIN_FAILURES);
    return {
      email: collection.doc(loginFailureId('email', keys.email, window)),
      client: collection.doc(loginFailureId('client', keys.clientIp, window)),
    } satisfies Record<LoginFailureDoc['kind'], DocumentReference>;
  };
  return {
    async check(keys) {
      const now = clock();
      const window = windowOf(now);
      const {email, client} = await refs(keys, window);
      const [emailDoc, clientDoc] = await db.callWithDeadline(async () =>
        (await db.client()).getAll(email, client),
      );
      const count = (snapshot: typeof emailDoc) =>
        Number(snapshot?.get('count') ?? 0);
      const by =
        count(emailDoc) >= options.maxFailuresPerEmail
          ? 'email'
          : count(clientDoc) >= options.maxFailuresPerIp
            ? 'client'
            : null;
      if (by === null) return {kind: 'allowed'};
      const windowEnd = (window + 1) * windowMs;
      return {
        kind: 'throttled',
        by,
        retryAfterSeconds: Math.max(
          1,
          Math.ceil((windowEnd - now.getTime()) / 1000),
        ),
      };
    },
    async recordFailure(keys) {
      const now = clock();
      const window = windowOf(now);
      const {email, client} = await refs(keys, window);
      const {FieldValue} = await firestoreSdk();
      const fields = (kind: LoginFailureDoc['kind']) => ({
        kind,
        count: FieldValue.increment(1),
        window_start: new Date(window * windowMs),
        expires_at: new Date((window + 1) * windowMs),
      });
      await db.callWithDeadline(async () => {
        const batch = (await db.client()).batch();
        batch.set(email, fields('email'), {merge: true});
        batch.set(client, fields('client'), {merge: true});
        await batch.commit();
      });
    },
  };
}
