/**
 * `npm run user -- list [--email PREFIX] [--limit N]`: users by id, or those whose (lower-cased)
 * email starts with PREFIX, with how many devices each has and when one last registered.
 * Read from the user documents' device lists, which every registration keeps current.
 */
import type {Firestore} from 'firebase-admin/firestore';
import {
  USERS,
  userData,
  type UserDoc,
} from '../../shared/firestore/collections';
import type {ListUsersArgs} from './args';
import {latest, table, utc} from './table';

/** The listing, as printed; one query. */
export async function listUsers(
  db: Firestore,
  args: ListUsersArgs,
): Promise<string> {
  const {FieldPath} = await import('firebase-admin/firestore');
  const users = db.collection(USERS);
  const query =
    args.emailPrefix === undefined
      ? users.orderBy(FieldPath.documentId())
      : users
          .where('email', '>=', args.emailPrefix)
          // Every string that starts with the prefix sorts below prefix + U+F8FF.
          .where('email', '<', `${args.emailPrefix}\uf8ff`)
          .orderBy('email');
  // Never the password field: the hash has no business on a terminal.
  const snapshot = await query
    .select('email', 'name', 'devices')
    .limit(args.limit + 1)
    .get();
  const docs = snapshot.docs.slice(0, args.limit);
  if (docs.length === 0)
    return args.emailPrefix === undefined
      ? 'No users.\n'
      : `No user's email starts with "${args.emailPrefix}".\n`;
  const rows = docs.map(doc => {
    const data: Partial<UserDoc> = userData(doc) ?? {};
    const devices = Object.values(data.devices ?? {});
    return [
      doc.id,
      data.email ?? '-',
      String(devices.length),
      utc(latest(devices.map(d => d.updated_at))),
      data.name ?? '',
    ];
  });
  const more =
    snapshot.docs.length > args.limit
      ? `More users follow: narrow the list with --email PREFIX, or raise --limit (now ${args.limit}).\n`
      : `${docs.length} user${docs.length === 1 ? '' : 's'}.\n`;
  return (
    table([['ID', 'EMAIL', 'DEVICES', 'LAST SEEN', 'NAME'], ...rows]) + more
  );
}
