/**
 * `npm run user -- show ID`: one user as an operator needs to see them: email, name, whether
 * a password and a device group are set (never the hash, the key or a whole token), and
 * their devices from the token documents (the source of truth), last seen first.
 */
import type {Firestore} from 'firebase-admin/firestore';
import {
  TOKENS,
  USERS,
  type TokenDoc,
  type UserDoc,
} from '../../shared/firestore/collections';
import {latest, table, utc} from './table';

export type Shown =
  {kind: 'found'; text: string} | {kind: 'missing'; text: string};

/** Enough of a registration token to recognise it, never the whole credential. */
function shortToken(token: string): string {
  return token.length <= 12
    ? '…'
    : `${token.slice(0, 12)}… (${token.length} characters)`;
}

/**
 * The login throttle's state for the user's email.
 * PLACEHOLDER: the throttle is being redesigned (shared/auth/); its state goes here, and
 * `npm run user -- unthrottle EMAIL` comes with it. Until then, say so rather than guess.
 */
function throttleLines(): string[][] {
  return [
    [
      '  login throttle',
      'not shown yet: the login throttle is being redesigned',
    ],
  ];
}

/** Reads the user and their tokens (one round trip) and renders them. */
export async function showUser(db: Firestore, id: string): Promise<Shown> {
  const [user, tokens] = await Promise.all([
    db.collection(USERS).doc(id).get(),
    db
      .collection(TOKENS)
      .where('user_id', '==', id)
      .orderBy('updated_at', 'desc')
      .get(),
  ]);
  if (!user.exists) {
    return {
      kind: 'missing',
      text: tokens.empty
        ? `No user ${id}.\n`
        : `No user ${id}, but ${tokens.size} token document${tokens.size === 1 ? '' : 's'} still name${tokens.size === 1 ? 's' : ''} it (a delete that stopped half-way?): \`npm run user -- delete ${id}\` finishes it.\n`,
    };
  }
  const data = user.data() as Partial<UserDoc>;
  const devices = tokens.docs.map(doc => ({
    id: doc.id,
    ...(doc.data() as TokenDoc),
  }));
  const listed = Object.keys(data.devices ?? {}).sort();
  const agree =
    listed.length === devices.length &&
    devices.every(d => listed.includes(d.id));
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
    ...throttleLines(),
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
  return {kind: 'found', text: head + list};
}
