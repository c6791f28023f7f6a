/**
 * Reads the Laravel database in pages. Deduplication happens in MySQL, once, into a
 * temporary table of the winning token rows (the newest row per registration id, ranked
 * per user), so this process never holds more than a page: memory does not grow with the
 * tables. Timestamps are read as the wall-clock text Laravel wrote; the session keeps the
 * server's default time zone, as Laravel's connection did.
 */
import type {Connection, RowDataPacket} from 'mysql2/promise';
import {normalizeEmail} from '../../shared/firestore/collections';
import type {MysqlTarget} from './args';
import type {SourceToken, SourceUser, TokenTally} from './rows';

const WINNERS = 'import_laravel_tokens';

/** The Laravel database, read page by page. */
export interface LaravelSource {
  /** Users with an id above `sinceUserId`, and their winning token rows. */
  totals(sinceUserId: string): Promise<{users: number; tokens: number}>;
  /** Lower-cased email → lowest user id, for the emails several users share. */
  collisions(): Promise<Map<string, string>>;
  /** Token rows with no registration id or no user id, in the whole table. */
  invalidTokenRows(): Promise<number>;
  /** Up to `limit` users with an id above `afterId`, by id. */
  users(afterId: string, limit: number): Promise<SourceUser[]>;
  /** Winning token rows of users with `afterId < user_id ≤ upToId` and `pos ≤ maxPos`. */
  tokens(
    afterId: string,
    upToId: string | null,
    maxPos: number,
  ): Promise<SourceToken[]>;
  /** Per user id in the same range: winning rows and the duplicate rows they beat. */
  tallies(afterId: string, upToId: string | null): Promise<TokenTally[]>;
  close(): Promise<void>;
}

/** The range `afterId < user_id ≤ upToId` (no upper bound when null); ids are digit strings. */
function range(afterId: string, upToId: string | null): string {
  const checked = (id: string) => {
    if (!/^\d{1,20}$/.test(id)) throw new Error(`not a user id: ${id}`);
    return id;
  };
  return (
    `user_id > CAST('${checked(afterId)}' AS UNSIGNED)` +
    (upToId === null
      ? ''
      : ` AND user_id <= CAST('${checked(upToId)}' AS UNSIGNED)`)
  );
}

/** Connects and builds the table of winning token rows. */
export async function openLaravelSource(
  target: MysqlTarget,
  password: string,
): Promise<LaravelSource> {
  const mysql = await import('mysql2/promise');
  const db: Connection = await mysql.createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password,
    database: target.database,
    charset: 'utf8mb4',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  try {
    // Ranked by updated_at, then created_at (NULL below any date), then the later row.
    const newestFirst = (t: string) =>
      `${t}updated_at IS NULL, ${t}updated_at DESC, ${t}created_at IS NULL, ${t}created_at DESC, ${t}id DESC`;
    // Registration ids are case-sensitive: group them as bytes, not by the column's collation.
    await db.query(
      `CREATE TEMPORARY TABLE ${WINNERS} (INDEX by_user (user_id, pos))
       SELECT id, user_id, registration_id, created_at, updated_at, copies,
              ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY ${newestFirst('')}) AS pos
       FROM (SELECT t.id, t.user_id, t.registration_id, t.created_at, t.updated_at,
                    ROW_NUMBER() OVER (PARTITION BY CAST(t.registration_id AS BINARY)
                                       ORDER BY ${newestFirst('t.')}) AS rn,
                    COUNT(*) OVER (PARTITION BY CAST(t.registration_id AS BINARY)) AS copies
             FROM fcm_registration_tokens t
             WHERE t.registration_id IS NOT NULL AND t.registration_id <> ''
               AND t.user_id IS NOT NULL) ranked
       WHERE rn = 1`,
    );
  } catch (err) {
    await db.end();
    throw err;
  }

  const rows = async (sql: string, params: unknown[] = []) =>
    (await db.query<RowDataPacket[]>(sql, params))[0];

  return {
    async totals(sinceUserId) {
      const [users] = await rows(
        'SELECT COUNT(*) AS n FROM users WHERE id > CAST(? AS UNSIGNED)',
        [sinceUserId],
      );
      const [tokens] = await rows(
        `SELECT COUNT(*) AS n FROM ${WINNERS} WHERE ${range(sinceUserId, null)}`,
      );
      return {users: Number(users!.n), tokens: Number(tokens!.n)};
    },
    async collisions() {
      const found = await rows(
        `SELECT u.id, u.email FROM users u
         JOIN (SELECT CAST(LOWER(TRIM(email)) AS BINARY) AS e FROM users
               WHERE email IS NOT NULL GROUP BY e HAVING COUNT(*) > 1) c
           ON CAST(LOWER(TRIM(u.email)) AS BINARY) = c.e
         ORDER BY u.id`,
      );
      const keeper = new Map<string, string>();
      for (const row of found) {
        const email = normalizeEmail(String(row.email));
        if (!keeper.has(email)) keeper.set(email, String(row.id));
      }
      return keeper;
    },
    async invalidTokenRows() {
      const [row] = await rows(
        `SELECT COUNT(*) AS n FROM fcm_registration_tokens
         WHERE registration_id IS NULL OR registration_id = '' OR user_id IS NULL`,
      );
      return Number(row!.n);
    },
    async users(afterId, limit) {
      const found = await rows(
        `SELECT id, name, email, password, fcm_notification_key, updated_at FROM users
         WHERE id > CAST(? AS UNSIGNED) ORDER BY id LIMIT ?`,
        [afterId, limit],
      );
      return found.map(r => ({
        id: String(r.id),
        name: r.name ?? null,
        email: r.email ?? null,
        password: r.password ?? null,
        fcmNotificationKey: r.fcm_notification_key ?? null,
        updatedAt: r.updated_at ?? null,
      }));
    },
    async tokens(afterId, upToId, maxPos) {
      const found = await rows(
        `SELECT user_id, registration_id, created_at, updated_at, pos FROM ${WINNERS}
         WHERE ${range(afterId, upToId)} AND pos <= ? ORDER BY user_id, pos`,
        [maxPos],
      );
      return found.map(r => ({
        userId: String(r.user_id),
        registrationId: String(r.registration_id),
        createdAt: r.created_at ?? null,
        updatedAt: r.updated_at ?? null,
        pos: Number(r.pos),
      }));
    },
    async tallies(afterId, upToId) {
      const found = await rows(
        `SELECT user_id, COUNT(*) AS winners, SUM(copies - 1) AS duplicates FROM ${WINNERS}
         WHERE ${range(afterId, upToId)} GROUP BY user_id`,
      );
      return found.map(r => ({
        userId: String(r.user_id),
        winners: Number(r.winners),
        duplicates: Number(r.duplicates),
      }));
    },
    close: () => db.end(),
  };
}
