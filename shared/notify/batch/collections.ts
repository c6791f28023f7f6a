/**
 * Where a batch lives in Firestore:
 *
 *   notification_batches/{batchId}
 *     { caller, message, users (count), state: 'queued'|'done', fingerprint, created_at,
 *       expires_at, published_at?, delete_after, and once done: counts, finished_at }
 *   notification_batches/{batchId}/recipients/{userId}
 *     { attempts, devices: {tokenId: outcome}, retry_not_before?, delete_after,
 *       and once finished: outcome, reason?, finished_at, tally }
 *   notification_batches/{batchId}/sends/{userId}_{targetId}
 *     { user_id, target_id, devices, state: 'sending'|'done', outcome?, claimed_at, delete_after }
 *
 * `recipients`, not `users`: TTL policies and indexes are set per collection group, and a
 * group named `users` would also be the top-level users'. `delete_after` carries the TTL
 * policy of all three groups (a week after the batch's expiry).
 */
import type {Timestamp} from 'firebase-admin/firestore';
import type {NotificationMessage} from '../message';
import type {DeliveryOutcome} from '../result';
import type {RecipientOutcome, Tally} from './outcome';

export const BATCHES = 'notification_batches';
export const RECIPIENTS = 'recipients';
export const SENDS = 'sends';

/** How long a batch's documents are kept after its expiry (the status stays readable). */
export const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** The most users one request may name (Pusher Beams' limit per call). */
export const MAX_USERS_PER_BATCH = 1000;

/** How a device's send in a batch ended: FCM's outcome, or why it was not sent. */
export type DeviceOutcome =
  | DeliveryOutcome
  /** Claimed by an invocation that died before recording the send: never sent again. */
  | 'interrupted';

export interface BatchDoc {
  caller: string;
  message: NotificationMessage;
  users: number;
  state: 'queued' | 'done';
  fingerprint: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  published_at?: Timestamp;
  delete_after: Timestamp;
  counts?: Tally;
  finished_at?: Timestamp | null;
}

export interface RecipientDoc {
  attempts: number;
  devices: Record<string, DeviceOutcome>;
  retry_not_before?: Timestamp;
  delete_after: Timestamp;
  outcome?: RecipientOutcome;
  reason?: string;
  finished_at?: Timestamp;
  tally?: Tally;
}

export interface SendDoc {
  user_id: string;
  target_id: string;
  /** The token ids the send reaches (one, or a device group's). */
  devices: string[];
  state: 'sending' | 'done';
  outcome?: DeviceOutcome;
  claimed_at: Timestamp;
  delete_after: Timestamp;
}

/** Batch ids are Firestore's auto ids or the base64url hash of an Idempotency-Key. */
export function isBatchId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(id);
}

/** The id of the claim of one send: the user's id, then the target's (a fixed-length hash). */
export function sendId(userId: string, targetId: string): string {
  return `${userId}_${targetId}`;
}
