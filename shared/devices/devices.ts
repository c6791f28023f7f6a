/**
 * What the endpoints, cron and the sender need of a user's devices, whichever backend
 * groups them: FCM device groups kept in step with Firestore (registry.ts), or Firestore
 * alone (firestore-registry.ts), chosen by DEVICE_GROUPS.
 */
import type {Admit} from '../auth/admit';

export type {Admit};
import type {TombstoneReason} from '../firestore/collections';
import type {StoredToken} from './state';

export interface AddResult {
  token: StoredToken;
  /** False when the user already had this token and only its `updated_at` was refreshed. */
  created: boolean;
}

export interface RemoveOptions {
  /** Remove only if the token's `updated_at` is older than this (a device that registered again is kept). */
  onlyIfUpdatedBefore?: Date;
  /** Why, as the removal's tombstone records it (devices/tombstones.ts); `removed` (the API) by default. */
  reason?: TombstoneReason;
}

/** An operation run under an `Admit` check: its result, or nothing done at all. */
export type Admitted<T> =
  {kind: 'admitted'; result: T} | {kind: 'not-admitted'};

/** The check of an operation that was authenticated already. */
export const admitAll: Admit = () => true;

/** The result of an operation run with `admitAll`. */
export function admittedResult<T>(outcome: Admitted<T>): T {
  if (outcome.kind === 'admitted') return outcome.result;
  throw new Error('admitAll did not admit');
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
  /** `add`, if `admit` accepts the user as the operation reads it; nothing is written otherwise. */
  addAdmitted(
    userId: string,
    registrationId: string,
    admit: Admit,
  ): Promise<Admitted<AddResult>>;
  /** `remove`, if `admit` accepts the user as the operation reads it; nothing is written otherwise. */
  removeAdmitted(
    userId: string,
    registrationId: string,
    admit: Admit,
  ): Promise<Admitted<boolean>>;
  /** Finishes what a failed operation left pending for `userId`; false when nothing was. */
  repair(userId: string): Promise<boolean>;
  /**
   * Makes the user's group (and device list) match the token documents exactly.
   * @param strays - registration ids that may still be in the group although no token
   *   document names them any more (deleted by the Laravel import): they leave it
   */
  rebuild(userId: string, strays?: readonly string[]): Promise<void>;
}
