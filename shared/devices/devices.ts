/**
 * What the endpoints, cron and the sender need of a user's devices, whichever backend
 * groups them: FCM device groups kept in step with Firestore (registry.ts), or Firestore
 * alone (firestore-registry.ts), chosen by DEVICE_GROUPS.
 */
import type {StoredToken} from './state';

export interface AddResult {
  token: StoredToken;
  /** False when the user already had this token and only its `updated_at` was refreshed. */
  created: boolean;
}

export interface RemoveOptions {
  /** Remove only if the token's `updated_at` is older than this (a device that registered again is kept). */
  onlyIfUpdatedBefore?: Date;
}

export interface Devices {
  /** Registers `registrationId` for `userId`: 201-style `created`, or a refresh. */
  add(userId: string, registrationId: string): Promise<AddResult>;
  /**
   * Removes `registrationId` from `userId`'s devices; a token the user does not have is a no-op.
   * @returns whether the token was removed
   */
  remove(
    userId: string,
    registrationId: string,
    options?: RemoveOptions,
  ): Promise<boolean>;
  /** Finishes what a failed operation left pending for `userId`; false when nothing was. */
  repair(userId: string): Promise<boolean>;
  /** Makes the user's group (and device list) match the token documents exactly. */
  rebuild(userId: string): Promise<void>;
}
