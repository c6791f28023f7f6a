/**
 * The rows the importer reads: what MySQL gives (wall-clock texts, ids as strings, since
 * `bigint unsigned` can exceed JavaScript's safe integers) and what Firestore already holds.
 */

/** A `users` row. Columns the port does not need are not read. */
export interface SourceUser {
  id: string;
  name: string | null;
  email: string | null;
  password: string | null;
  fcmNotificationKey: string | null;
  /** The row's `updated_at` (wall-clock text), kept in the import record. */
  updatedAt: string | null;
}

/**
 * A token row that won deduplication: the newest row of its registration id, ranked
 * `pos` (1 = most recently updated) among its user's winning rows.
 */
export interface SourceToken {
  userId: string;
  registrationId: string;
  createdAt: string | null;
  updatedAt: string | null;
  pos: number;
}

/** Per user id of a page range: how many winning token rows, and the rows they beat. */
export interface TokenTally {
  userId: string;
  winners: number;
  /** Rows of the same registration ids that lost to a newer row (under any user). */
  duplicates: number;
}

/** Anything with `toMillis`, as a Firestore Timestamp has. */
export interface Instant {
  toMillis(): number;
}

/** The `imported` field a document may carry (ImportRecord), as read: anything. */
export interface ExistingRecord {
  hash?: unknown;
}

export interface ExistingUser {
  email?: unknown;
  password?: unknown;
  name?: unknown;
  notification_key?: unknown;
  devices?: Record<string, {registration_id?: unknown; updated_at?: Instant}>;
  imported?: ExistingRecord;
}

export interface ExistingToken {
  user_id?: unknown;
  registration_id?: unknown;
  created_at?: Instant;
  updated_at?: Instant;
  imported?: ExistingRecord;
}

export interface ExistingEmail {
  user_id?: unknown;
  email?: unknown;
}
