/**
 * Firestore layout: every collection the project writes, named once here. Documents are
 * addressed by stable ids so that uniqueness is enforced by the database itself: a token's
 * document id is a hash of the token, so one token can only ever belong to one user.
 *
 *   users/{userId}                      { email, password (bcrypt), notification_key,
 *                                         devices: { tokenId: { registration_id, updated_at } } }
 *   fcm_registration_tokens/{tokenId}   { user_id, registration_id, created_at, updated_at }
 *   user_emails/{emailId}               { user_id, email }: one per lower-cased email, written in the
 *                                       same transaction as the user, so an email has one owner
 *   device_group_locks/{userId}         per-user lease and repair marker (see devices/fcm-groups/leases.ts)
 *   login_failures/{keyHash}_{window}   { kind, count, window_start, expires_at }: failed logins of
 *                                       one email or client address in one window (auth/login-throttle.ts)
 *   device_tombstones/{tokenId}         { user_id, removed_at, reason, expires_at }: a device the new
 *                                       system removed, written with the removal (devices/tombstones.ts),
 *                                       so that the Laravel import never brings it back; no token in it
 *   user_tombstones/{userId}            { removed_at, expires_at }: a user deleted in the new app, so
 *                                       that the Laravel import never recreates them
 *   cron_tasks/{task}                   a scheduled task's lease and last due time (cron/task-lease.ts)
 *   cron_runs/{runId}                   one record per task run, `expire_at` for a TTL policy
 *   notification_requests/{hash}        an Idempotency-Key of notifyUser and its result (notify/idempotency.ts)
 *
 * `expires_at` / `expire_at` fields carry TTL policies (firestore.ttl). Reads go through the
 * typed readers below (`userData`, `tokenData`): the one place a stored shape is trusted.
 *
 * Users and token documents the Laravel importer wrote carry `imported` (see ImportRecord).
 */
import {createHash} from 'node:crypto';
import type {DocumentSnapshot, Timestamp} from 'firebase-admin/firestore';

export const USERS = 'users';
export const TOKENS = 'fcm_registration_tokens';
export const USER_EMAILS = 'user_emails';
/** Per-user leases; the collection keeps its historical name for compatibility. */
export const LEASES = 'device_group_locks';
/** Failed-login counters, one document per key and window; `expires_at` carries a TTL policy. */
export const LOGIN_FAILURES = 'login_failures';

/** Removed devices, one document per token id; `expires_at` carries a TTL policy. */
export const DEVICE_TOMBSTONES = 'device_tombstones';
/** Users deleted in the new app, one document per user id; `expires_at` carries a TTL policy. */
export const USER_TOMBSTONES = 'user_tombstones';
/** Scheduled tasks' leases and their run records (cron/). */
export const CRON_TASKS = 'cron_tasks';
export const CRON_RUNS = 'cron_runs';
/** notifyUser's Idempotency-Key records. */
export const NOTIFICATION_REQUESTS = 'notification_requests';

/** Why a device was removed: the API, eviction at the maximum, pruning, FCM, the user's deletion. */
export type TombstoneReason =
  'removed' | 'evicted' | 'pruned' | 'unregistered' | 'user-deleted';

/** A user deleted in the new app (`npm run user -- delete`), so that an import does not recreate them. */
export interface UserTombstoneDoc {
  removed_at: Timestamp;
  expires_at: Timestamp;
}

export interface DeviceTombstoneDoc {
  user_id: string;
  removed_at: Timestamp;
  reason: TombstoneReason;
  expires_at: Timestamp;
}

/**
 * What the Laravel importer wrote to a document: a hash over exactly the fields it
 * imported (as they were written), and the Laravel row's `updated_at`. A later import
 * changes the document only while its fields still hash to `hash` (tools/import-laravel).
 */
export interface ImportRecord {
  hash: string;
  laravel_updated_at: Timestamp | null;
}

/** A user's device as listed on the user document (see devices/state.ts). */
export interface DeviceEntry {
  registration_id: string;
  updated_at: Timestamp;
}

export interface UserDoc {
  email: string;
  password: string;
  notification_key?: string | null;
  devices?: Record<string, DeviceEntry>;
  name?: string;
  imported?: ImportRecord;
}

export interface TokenDoc {
  user_id: string;
  registration_id: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  imported?: ImportRecord;
}

/** The stable id of a registration token: base64url SHA-256, safe to log. */
export function tokenId(registrationId: string): string {
  return createHash('sha256').update(registrationId).digest('base64url');
}

export interface UserEmailDoc {
  user_id: string;
  email: string;
}

/** Emails are stored and compared in lower case. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The id of an email's `user_emails` document: base64url SHA-256 of the normalized email. */
export function emailId(email: string): string {
  return createHash('sha256').update(normalizeEmail(email)).digest('base64url');
}

/** A user document as stored (undefined when there is none). */
export function userData(snapshot: DocumentSnapshot): UserDoc | undefined {
  return snapshot.data() as UserDoc | undefined;
}

/** A token document as stored (undefined when there is none). */
export function tokenData(snapshot: DocumentSnapshot): TokenDoc | undefined {
  return snapshot.data() as TokenDoc | undefined;
}
