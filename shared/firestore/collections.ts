/**
 * Firestore layout. Documents are addressed by stable ids so that uniqueness is enforced
 * by the database itself: a token's document id is a hash of the token, so one token can
 * only ever belong to one user.
 *
 *   users/{userId}                      { email, password (bcrypt), notification_key,
 *                                         devices: { tokenId: { registration_id, updated_at } } }
 *   fcm_registration_tokens/{tokenId}   { user_id, registration_id, created_at, updated_at }
 *   device_group_locks/{userId}         per-user lease and repair marker (see user-lock.ts)
 */
import {createHash} from 'node:crypto';
import type {Timestamp} from 'firebase-admin/firestore';

export const USERS = 'users';
export const TOKENS = 'fcm_registration_tokens';
export const LOCKS = 'device_group_locks';

/** A user's device as listed on the user document (see device-state.ts). */
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
}

export interface TokenDoc {
  user_id: string;
  registration_id: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** The stable id of a registration token: base64url SHA-256, safe to log. */
export function tokenId(registrationId: string): string {
  return createHash('sha256').update(registrationId).digest('base64url');
}
