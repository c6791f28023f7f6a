/**
 * The failed-login counters, shared by every instance in Firestore, and the reservation
 * that bounds parallel guessing (the rules are in login-policy.ts).
 *
 * Each key and window has its own document, `login_failures/{keyHash}_{window}`
 * `{kind, count, window_start, expires_at, email_id?}`; a new window is a new document and
 * old ones go by the TTL on `expires_at`. Counting is a blind `increment`, never a
 * transaction: an attack on one email is exactly the load under which read-modify-write
 * transactions would contend and abort.
 *
 * A reservation is an increment made before bcrypt and read back after it: the value read
 * is at least the reservation's position among all increments, so at most `limit`
 * reservations ever see a value within the limit, however many race. One that does not is
 * returned (decremented) and refused; one whose password is right is returned after the
 * check; one whose password is wrong stays, as the failure it is.
 *
 * Hot spots: a client address (thousands of users behind one carrier NAT) is written only
 * when a sign-in from it fails, never by a correct one; the per-email and per-device
 * documents are each written by one user's sign-ins.
 */
import {createHash} from 'node:crypto';
import type {DocumentReference, Firestore} from 'firebase-admin/firestore';
import {LOGIN_FAILURES, emailId} from '../firestore/collections';
import type {Db} from '../firestore/db';
import {firestoreSdk} from '../firestore/client';
import {
  decide,
  type LoginCounts,
  type LoginLimits,
  type ThrottledBy,
} from './login-policy';

/** What a sign-in is counted under. */
export interface LoginKeys {
  /** The lower-cased email. */
  email: string;
  /** The client's key (client-ip.ts). */
  client: string;
  /** The token id of the registration token the request's body names, if any. */
  device?: string;
}

type Kind = keyof LoginCounts;

const KIND_NAMES: Record<Kind, string> = {
  email: 'email',
  emailClient: 'email-client',
  client: 'client',
  emailDevice: 'email-device',
};

/** The stored counter of one key in one window. */
export interface LoginFailureDoc {
  kind: string;
  count: number;
  window_start: Date;
  /** When the window ends; a Firestore TTL policy deletes the document after it. */
  expires_at: Date;
  /** The email's id (collections.ts `emailId`), on counters of one email: what `clear` finds. */
  email_id?: string;
}

/** A sign-in the throttle let through to bcrypt, with what it reserved. */
export interface Attempt {
  keys: LoginKeys;
  knownDevice: boolean;
  window: number;
  /** The counter reserved before bcrypt, if any. */
  reserved: {kind: Kind; ref: DocumentReference} | null;
}

export type Admission =
  | {kind: 'admitted'; attempt: Attempt}
  | {kind: 'throttled'; by: ThrottledBy; retryAfterSeconds: number};

/** A counter as an operator sees it (`npm run user -- show`). */
export interface CounterState {
  kind: string;
  count: number;
  windowStart: Date;
  expiresAt: Date;
}

export interface LoginThrottle {
  /** The counters of every key of a sign-in, in one round trip. */
  read(keys: LoginKeys): Promise<LoginCounts>;
  /** Decides (login-policy.ts) and, when admitted, reserves before bcrypt. */
  admit(
    keys: LoginKeys,
    counts: LoginCounts,
    knownDevice: boolean,
  ): Promise<Admission>;
  /** After bcrypt: counts a failure, or returns the reservation of a success. */
  settle(attempt: Attempt, outcome: 'failed' | 'succeeded'): Promise<void>;
}

export interface LoginThrottleOptions extends LoginLimits {
  windowMs: number;
  clock?: () => Date;
}

/** The value a key's document id hashes: no email or address is stored in clear. */
function keyValue(kind: Kind, keys: LoginKeys): string | undefined {
  switch (kind) {
    case 'email':
      return keys.email;
    case 'emailClient':
      return `${keys.email}\0${keys.client}`;
    case 'client':
      return keys.client;
    case 'emailDevice':
      return keys.device === undefined
        ? undefined
        : `${keys.email}\0${keys.device}`;
  }
}

/** The document id of a key's counter in `window`. */
export function loginFailureId(
  kind: string,
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
  const ref = (client: Firestore, kind: Kind, keys: LoginKeys, w: number) => {
    const value = keyValue(kind, keys);
    return value === undefined
      ? undefined
      : client
          .collection(LOGIN_FAILURES)
          .doc(loginFailureId(KIND_NAMES[kind], value, w));
  };
  /** The merge that adds `by` to a key's counter (creating it with its window). */
  const bump = async (kind: Kind, keys: LoginKeys, w: number, by: number) => {
    const {FieldValue} = await firestoreSdk();
    const perEmail = kind !== 'client';
    return {
      kind: KIND_NAMES[kind],
      count: FieldValue.increment(by),
      window_start: new Date(w * windowMs),
      expires_at: new Date((w + 1) * windowMs),
      ...(perEmail ? {email_id: emailId(keys.email)} : {}),
    };
  };
  const retryAfter = (w: number) =>
    Math.max(1, Math.ceil(((w + 1) * windowMs - clock().getTime()) / 1000));

  return {
    async read(keys) {
      const client = await db.client();
      const w = windowOf(clock());
      const wanted = (Object.keys(KIND_NAMES) as Kind[]).flatMap(kind => {
        const r = ref(client, kind, keys, w);
        return r ? [[kind, r] as const] : [];
      });
      const snapshots = await db.callWithDeadline(() =>
        client.getAll(...wanted.map(([, r]) => r)),
      );
      const counts: LoginCounts = {
        email: 0,
        emailClient: 0,
        client: 0,
        emailDevice: 0,
      };
      // getAll answers in the order it was asked.
      snapshots.forEach((snapshot, i) => {
        counts[wanted[i]![0]] = Number(snapshot.get('count') ?? 0);
      });
      return counts;
    },

    async admit(keys, counts, knownDevice) {
      const w = windowOf(clock());
      const decision = decide(counts, options, knownDevice);
      if (decision.kind === 'throttled')
        return {...decision, retryAfterSeconds: retryAfter(w)};
      const attempt: Attempt = {keys, knownDevice, window: w, reserved: null};
      if (decision.reserveOn === null) return {kind: 'admitted', attempt};
      const kind: Kind =
        decision.reserveOn === 'email' ? 'email' : 'emailDevice';
      const client = await db.client();
      const reserved = {kind, ref: ref(client, kind, keys, w)!};
      const data = await bump(kind, keys, w, 1);
      await db.callWithDeadline(() => reserved.ref.set(data, {merge: true}));
      const after = await db.callWithDeadline(() => reserved.ref.get());
      if (Number(after.get('count') ?? 0) > decision.limit) {
        // Raced past the limit: give the unit back (it tried no password).
        const back = await bump(kind, keys, w, -1);
        await db.callWithDeadline(() => reserved.ref.set(back, {merge: true}));
        return {
          kind: 'throttled',
          by: decision.reserveOn,
          retryAfterSeconds: retryAfter(w),
        };
      }
      return {kind: 'admitted', attempt: {...attempt, reserved}};
    },

    async settle(attempt, outcome) {
      const {keys, window: w, reserved} = attempt;
      const client = await db.client();
      const batch = client.batch();
      if (outcome === 'succeeded') {
        if (!reserved) return;
        batch.set(reserved.ref, await bump(reserved.kind, keys, w, -1), {
          merge: true,
        });
      } else if (attempt.knownDevice) {
        // A reservation already counts this failure; without one, count it now.
        if (reserved) return;
        batch.set(
          ref(client, 'emailDevice', keys, w)!,
          await bump('emailDevice', keys, w, 1),
          {merge: true},
        );
      } else {
        for (const kind of ['emailClient', 'client'] as const)
          batch.set(ref(client, kind, keys, w)!, await bump(kind, keys, w, 1), {
            merge: true,
          });
      }
      await db.callWithDeadline(() => batch.commit());
    },
  };
}

/** The counters of one email (every kind but the address's, any window still kept). */
async function countersOf(db: Db, email: string) {
  return db.callWithDeadline(async () =>
    (await db.client())
      .collection(LOGIN_FAILURES)
      .where('email_id', '==', emailId(email))
      .get(),
  );
}

/** The counters of `email` that still exist, oldest window first (`npm run user -- show`). */
export async function loginCounterState(
  db: Db,
  email: string,
): Promise<CounterState[]> {
  const found = await countersOf(db, email);
  return found.docs
    .map(doc => {
      const data = doc.data() as {
        kind: string;
        count: number;
        window_start: {toDate(): Date};
        expires_at: {toDate(): Date};
      };
      return {
        kind: data.kind,
        count: data.count,
        windowStart: data.window_start.toDate(),
        expiresAt: data.expires_at.toDate(),
      };
    })
    .sort(
      (a, b) =>
        a.windowStart.getTime() - b.windowStart.getTime() ||
        a.kind.localeCompare(b.kind),
    );
}

/**
 * Deletes every counter of `email` (`npm run user -- unthrottle EMAIL`): its budget across
 * clients, its (email, client) and (email, device) counters, in every window. An address's
 * own counter is shared by every email used from it and is left alone. Returns how many
 * counters there were.
 */
export async function clearLoginCounters(
  db: Db,
  email: string,
): Promise<number> {
  const found = await countersOf(db, email);
  const client = await db.client();
  // A batch holds 500 writes; an attacked email may have a counter per address.
  for (let i = 0; i < found.size; i += 500) {
    const batch = client.batch();
    for (const doc of found.docs.slice(i, i + 500)) batch.delete(doc.ref);
    await db.callWithDeadline(() => batch.commit());
  }
  return found.size;
}
