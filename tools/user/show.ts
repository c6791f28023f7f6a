/**
 * `npm run user -- show ID`: one user as an operator needs to see them: email, name, whether
 * a password and a device group are set (never the hash, the key or a whole token), and
 * their devices from the token documents (the source of truth), last seen first.
 */
import type {Firestore} from 'firebase-admin/firestore';
import {
  TOKENS,
  USERS,
  tokenData,
  userData,
  type UserDoc,
} from '../../shared/firestore/collections';
import {
  loginCounterState,
  type CounterState,
} from '../../shared/auth/login-throttle';
import {createDb} from '../../shared/firestore/db';
import {latest, table, utc} from './table';

export type Shown =
  {kind: 'found'; text: string} | {kind: 'missing'; text: string};

/** Enough of a registration token to recognise it, never the whole credential. */
function shortToken(token: string): string {
  return token.length <= 12
    ? '…'
    : `${token.slice(0, 12)}… (${token.length} characters)`;
}

/** The login throttle's counters of the user's email (docs/authentication.md). */
function throttleLines(all: readonly CounterState[]): {
  row: string[];
  windows: string;
} {
  // A new device's sign-in leaves its email counter at 0 (a reservation given back).
  const counters = all.filter(c => c.count > 0);
  if (counters.length === 0)
    return {
      row: ['  login throttle', 'no failed logins in the kept windows'],
      windows: '',
    };
  const byWindow = new Map<string, CounterState[]>();
  for (const c of counters) {
    const key = `${utc(c.windowStart)} to ${utc(c.expiresAt)}`;
    byWindow.set(key, [...(byWindow.get(key) ?? []), c]);
  }
  const rows = [...byWindow].map(([window, list]) => {
    const sum = (kind: string) =>
      list.filter(c => c.kind === kind).reduce((n, c) => n + c.count, 0);
    const keys = (kind: string) => list.filter(c => c.kind === kind).length;
    return [
      `    ${window}`,
      String(sum('email')),
      `${sum('email-client')} (${keys('email-client')})`,
      `${sum('email-device')} (${keys('email-device')})`,
    ];
  });
  return {
    row: [
      '  login throttle',
      'failed logins of this email below (clear with `npm run user -- unthrottle EMAIL`)',
    ],
    windows: table([
      [
        '    WINDOW',
        'ALL CLIENTS',
        'FROM ADDRESSES (HOW MANY)',
        'FROM REGISTERED DEVICES (HOW MANY)',
      ],
      ...rows,
    ]),
  };
}

/** The throttle counters of user `id`'s email (none when there is no user). */
async function counterState(
  db: Firestore,
  id: string,
): Promise<CounterState[]> {
  const email = (await db.collection(USERS).doc(id).get()).get('email');
  if (typeof email !== 'string') return [];
  // The caller bounds the whole command with its own deadline.
  return loginCounterState(
    createDb(async () => db, 60_000),
    email,
  );
}

/** Reads the user, their tokens and their throttle counters, and renders them. */
export async function showUser(db: Firestore, id: string): Promise<Shown> {
  const [user, tokens, counters] = await Promise.all([
    db.collection(USERS).doc(id).get(),
    db
      .collection(TOKENS)
      .where('user_id', '==', id)
      .orderBy('updated_at', 'desc')
      .get(),
    counterState(db, id),
  ]);
  if (!user.exists) {
    return {
      kind: 'missing',
      text: tokens.empty
        ? `No user ${id}.\n`
        : `No user ${id}, but ${tokens.size} token document${tokens.size === 1 ? '' : 's'} still name${tokens.size === 1 ? 's' : ''} it (a delete that stopped half-way?): \`npm run user -- delete ${id}\` finishes it.\n`,
    };
  }
  const data: Partial<UserDoc> = userData(user) ?? {};
  const devices = tokens.docs.map(doc => ({
    id: doc.id,
    ...tokenData(doc)!,
  }));
  const listed = Object.keys(data.devices ?? {}).sort();
  const agree =
    listed.length === devices.length &&
    devices.every(d => listed.includes(d.id));
  const throttle = throttleLines(counters);
  const head = table([
    [`User ${id}`],
    ['  email', data.email ?? '(none: cannot log in)'],
    ['  name', data.name ?? '-'],
    [
      '  password',
      typeof data.password === 'string'
        ? 'set (a bcrypt hash, not shown)'
        : 'none: cannot log in',
    ],
    [
      '  FCM device group',
      typeof data.notification_key === 'string' && data.notification_key !== ''
        ? 'notification key stored (not shown)'
        : 'none',
    ],
    [
      '  devices',
      `${devices.length}, last seen ${utc(latest(devices.map(d => d.updated_at)))}` +
        (agree
          ? ''
          : `; the user document lists ${listed.length} (the token documents are the truth; a repair rewrites the list)`),
    ],
    throttle.row,
  ]);
  const rows = devices.map(d => [
    `    ${d.id}`,
    utc(d.updated_at),
    utc(d.created_at),
    shortToken(d.registration_id),
  ]);
  const list = rows.length
    ? table([['    TOKEN ID', 'LAST SEEN', 'REGISTERED', 'TOKEN'], ...rows])
    : '';
  return {kind: 'found', text: head + throttle.windows + list};
}
