/**
 * Creating a batch: the record `notification_batches/{id}`, then one Pub/Sub message per
 * user. With an Idempotency-Key the id is derived from the caller and the key and the
 * record is created with `create()`: a retry with the same key and body finds it and
 * answers the same batch, publishing again if the first attempt did not finish (safe:
 * delivery is exactly once per device); the same key with another body is a 422.
 */
import type {Firestore} from 'firebase-admin/firestore';
import {firestoreSdk} from '../../firestore/client';
import type {Db} from '../../firestore/db';
import {GRPC, grpcCode} from '../../firestore/deadline';
import {AppError, isAppError, unavailable} from '../../platform/errors';
import type {Logger} from '../../platform/logger';
import {validationError} from '../../http/validation';
import {fingerprint} from '../idempotency';
import type {NotificationMessage} from '../message';
import {
  BATCHES,
  RECIPIENTS,
  RETENTION_MS,
  type BatchDoc,
  type RecipientDoc,
} from './collections';
import {tally} from './outcome';
import type {Publisher} from './publish';

export interface NewBatch {
  /** The caller's service account (or the operator command's name). */
  caller: string;
  users: readonly string[];
  message: NotificationMessage;
  /** From the request's `expires_in`; NOTIFY_BATCH_TTL_MS when absent. */
  expiresInMs: number | undefined;
  idempotencyKey: string | undefined;
}

export interface CreatedBatch {
  id: string;
  users: number;
  /** True when the answer is a batch an earlier request with the same key created. */
  replayed: boolean;
}

export interface CreateDeps {
  db: Db;
  publisher: Publisher;
  config: {topic: string; batchTtlMs: number};
  clock: () => Date;
}

/**
 * Where a batch's status is: the function's own URL (NOTIFY_OIDC_AUDIENCE, which the
 * deployment sets to it) + `/notifications/{id}`.
 */
export function statusUrl(audience: string | undefined, id: string): string {
  return `${(audience ?? '').replace(/\/+$/, '')}/notifications/${id}`;
}

export const KEY_MISMATCH =
  'The Idempotency-Key was already used with another request body.';

/** The 503 of a batch whose messages could not all be published. */
function notPublished(count: number, cause: unknown): AppError {
  return new AppError(
    'unavailable',
    `Pub/Sub did not take the messages of ${count} user(s). Please retry with the same Idempotency-Key.`,
    {headers: {'Retry-After': '5'}, cause},
  );
}

export function createBatchCreator(deps: CreateDeps) {
  /** Publishes the users' messages; true when every one was taken. */
  async function publish(
    id: string,
    users: readonly string[],
    log: Logger,
  ): Promise<{failed: string[]; cause?: unknown}> {
    const result = await deps.publisher.publish(
      deps.config.topic,
      users.map(user => ({batch: id, user})),
    );
    if (result.failed.length > 0)
      log.error('publishing a batch failed for some users', {
        batchId: id,
        failed: result.failed.length,
        cause: String(result.cause),
      });
    return result;
  }

  /**
   * Without an Idempotency-Key the caller cannot retry safely: the users whose message
   * Pub/Sub did not take are recorded `failed` (not published), so the batch still ends.
   */
  async function recordUnpublished(
    client: Firestore,
    id: string,
    users: readonly string[],
    deleteAfter: Date,
  ): Promise<void> {
    const {Timestamp} = await firestoreSdk();
    const recipients = client
      .collection(BATCHES)
      .doc(id)
      .collection(RECIPIENTS);
    const now = Timestamp.fromDate(deps.clock());
    const writer = client.bulkWriter();
    // A message whose publish looked failed may have been delivered meanwhile: keep that record.
    writer.onWriteError(
      err => err.code !== GRPC.ALREADY_EXISTS && err.failedAttempts < 3,
    );
    for (const user of users) {
      const doc: RecipientDoc = {
        attempts: 0,
        devices: {},
        outcome: 'failed',
        reason: 'not published',
        finished_at: now,
        tally: tally('failed'),
        delete_after: Timestamp.fromDate(deleteAfter),
      };
      writer.create(recipients.doc(user), doc).catch(() => undefined);
    }
    await deps.db.callWithDeadline(() => writer.close());
  }

  /**
   * Notes that every message is out. Only a retry with the key reads it (to publish again
   * when it is missing, which is safe), so failing to write it fails nothing.
   */
  async function markPublished(
    client: Firestore,
    id: string,
    log: Logger,
  ): Promise<void> {
    const {Timestamp} = await firestoreSdk();
    await deps.db
      .callWithDeadline(() =>
        client
          .collection(BATCHES)
          .doc(id)
          .update({published_at: Timestamp.fromDate(deps.clock())}),
      )
      .catch((cause: unknown) =>
        log.warn('could not note that a batch is published', {
          batchId: id,
          cause: String(cause),
        }),
      );
  }

  return async function createBatch(
    input: NewBatch,
    log: Logger,
  ): Promise<CreatedBatch> {
    const {Timestamp} = await firestoreSdk();
    const client = await deps.db.client();
    const collection = client.collection(BATCHES);
    const ref =
      input.idempotencyKey === undefined
        ? collection.doc()
        : collection.doc(
            fingerprint({caller: input.caller, key: input.idempotencyKey}),
          );
    const now = deps.clock();
    const expiresAt =
      now.getTime() + (input.expiresInMs ?? deps.config.batchTtlMs);
    const print = fingerprint({
      users: input.users,
      message: input.message,
      expires_in_ms: input.expiresInMs ?? null,
    });
    const doc: BatchDoc = {
      caller: input.caller,
      message: input.message,
      users: input.users.length,
      state: 'queued',
      fingerprint: print,
      created_at: Timestamp.fromDate(now),
      expires_at: Timestamp.fromMillis(expiresAt),
      delete_after: Timestamp.fromMillis(expiresAt + RETENTION_MS),
    };
    let replayed = false;
    try {
      await deps.db.raceDeadline(() => ref.create(doc));
    } catch (err) {
      if (isAppError(err)) throw err;
      if (grpcCode(err) !== GRPC.ALREADY_EXISTS)
        throw unavailable('Firestore', err);
      const existing = (
        await deps.db.callWithDeadline(() => ref.get())
      ).data() as BatchDoc | undefined;
      if (!existing) throw unavailable('Firestore', err); // deleted meanwhile: retry
      if (existing.fingerprint !== print)
        throw validationError({'Idempotency-Key': [KEY_MISMATCH]});
      if (existing.published_at)
        return {id: ref.id, users: existing.users, replayed: true};
      replayed = true;
      log.info('publishing a batch again: its first request did not finish', {
        batchId: ref.id,
      });
    }
    const {failed, cause} = await publish(ref.id, input.users, log);
    if (failed.length > 0) {
      if (input.idempotencyKey !== undefined)
        throw notPublished(failed.length, cause);
      await recordUnpublished(
        client,
        ref.id,
        failed,
        new Date(expiresAt + RETENTION_MS),
      );
    }
    await markPublished(client, ref.id, log);
    return {id: ref.id, users: input.users.length, replayed};
  };
}

export type CreateBatch = ReturnType<typeof createBatchCreator>;
