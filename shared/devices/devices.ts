/**
 * What the endpoints, cron, the sender and the tools need of a user's devices, whichever
 * backend groups them (DEVICE_GROUPS): the Firestore device list (firestore-devices.ts), or
 * FCM device groups kept in step with it (fcm-groups/, deprecated by Firebase and fenced
 * off so that deleting it is `git rm -r` and a line of runtime.ts).
 */
import type {Admit} from '../auth/admit';
import type {TombstoneReason} from '../firestore/collections';
import type {Logger} from '../platform/logger';
import type {StoredToken, UserDevices} from './rules';

export interface AddResult {
  token: StoredToken;
  /** False when the user already had this token and only its `updated_at` was refreshed. */
  created: boolean;
}

/** A removal the user asked for (removeDevice), not pruning or a dead token. */
export const isSignOut = (options: RemoveOptions) =>
  options.reason === undefined && options.onlyIfUpdatedBefore === undefined;

export interface RemoveOptions {
  /** Remove only if the token's `updated_at` is older than this (a device that registered again is kept). */
  onlyIfUpdatedBefore?: Date;
  /** Why, as the removal's tombstone records it (tombstones.ts); `removed` (the API) by default. */
  reason?: TombstoneReason;
}

/**
 * A request the operation's own transaction must authenticate: `verify` checks the user
 * document it reads (auth/recognize.ts). Nothing is written when it does not pass.
 */
export interface Verified {
  verify: Admit;
}

/** An operation run with `verify`: its result, or nothing done at all. */
export type Admitted<T> =
  {kind: 'admitted'; result: T} | {kind: 'not-admitted'};

/** How a send reaches a user's devices (notify/deliver.ts). */
export type DeliveryTarget =
  /** One send to the user's FCM group; its outcome is every device's. */
  | {kind: 'group'; notificationKey: string | null}
  /** One send per token. */
  | {kind: 'tokens'};

export interface Devices {
  /** Registers `registrationId` for `userId`: `created`, or a refresh (see README for the rules). */
  add(userId: string, registrationId: string): Promise<AddResult>;
  add(
    userId: string,
    registrationId: string,
    options: Verified,
  ): Promise<Admitted<AddResult>>;
  /**
   * Removes `registrationId` from `userId`'s devices; a token the user does not have is a
   * no-op. Resolves whether it was removed.
   */
  remove(
    userId: string,
    registrationId: string,
    options?: RemoveOptions,
  ): Promise<boolean>;
  remove(
    userId: string,
    registrationId: string,
    options: RemoveOptions & Verified,
  ): Promise<Admitted<boolean>>;
  /**
   * Makes the user's device list (and group) match the token documents exactly: after an
   * import, a switch of backend, or a user's deletion. `strays` are tokens that must leave
   * a group (ones the caller deleted).
   */
  rebuild(userId: string, strays?: readonly string[]): Promise<void>;
  /** How a send reaches the user's devices, from their device state. */
  deliveryTarget(devices: UserDevices): DeliveryTarget;
}

/**
 * What only a device-group backend has, for the tools that must find a group by its name
 * (the importer, the user command's delete). Null with the `firestore` backend.
 */
export interface GroupDirectory {
  /** The FCM group name of a user: `{prefix}_users-{id}`. */
  name(userId: string): string;
  /** The notification key FCM has for the user's group, or null when FCM knows none. */
  lookupKey(userId: string, signal: AbortSignal): Promise<string | null>;
}

/** Scheduled work a backend needs; cron runs it with its own tasks (cron/task.ts). */
export interface BackendTask {
  name: string;
  schedule: string;
  run(context: {
    now: Date;
    log: Logger;
    counts: Record<string, number>;
  }): Promise<void>;
}

/** A backend as the composition root (runtime.ts) wires it. */
export interface DevicesBackend {
  devices: Devices;
  groups: GroupDirectory | null;
  tasks: readonly BackendTask[];
}
