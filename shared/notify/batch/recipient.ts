/**
 * One user of a batch, as one Pub/Sub event delivers it: through the send path of
 * notifyUser (deliver.ts, both backends, token hygiene, retries within its budget), with
 * the claims of claims.ts around each send, and the user's outcome recorded in the same
 * batch that finishes the claims, before the event is acknowledged.
 *
 * An answer of `retry` fails the invocation, so Pub/Sub redelivers the event after its
 * backoff: transient failures (QUOTA_EXCEEDED, UNAVAILABLE, Firestore), another live
 * delivery of the same user, or the wait FCM asked for after a quota. Everything else is
 * recorded and acknowledged.
 */
import type {
  DocumentSnapshot,
  Firestore,
  WriteBatch,
} from 'firebase-admin/firestore';
import {firestoreSdk} from '../../firestore/client';
import type {Db} from '../../firestore/db';
import {GRPC, grpcCode} from '../../firestore/deadline';
import {isAppError, unavailable} from '../../platform/errors';
import type {Logger} from '../../platform/logger';
import type {Deliver} from '../deliver';
import type {NotificationMessage} from '../message';
import {createClaims, ClaimBusy, type Claims} from './claims';
import {
  BATCHES,
  RECIPIENTS,
  RETENTION_MS,
  SENDS,
  type DeviceOutcome,
  type RecipientDoc,
  type SendDoc,
} from './collections';
import {
  isTransient,
  recipientOutcome,
  tally,
  type RecipientOutcome,
} from './outcome';

/** How an event ended. */
export type EventResult =
  /** The user's outcome is recorded: acknowledge. */
  | {kind: 'recorded'; outcome: RecipientOutcome; reason?: string}
  /** Nothing to do (a duplicate of a recorded user, or a batch that is gone): acknowledge. */
  | {kind: 'skipped'; why: string}
  /** Fail the invocation: Pub/Sub redelivers it after its backoff. */
  | {kind: 'retry'; why: string};

export interface RecipientDeps {
  db: Db;
  deliver: Deliver;
  config: {maxAttempts: number; quotaRetryMs: number; claimTtlMs: number};
  clock: () => Date;
}

/** What a delivery needs of its batch; immutable once the batch is created. */
interface BatchFacts {
  message: NotificationMessage;
  expiresAt: number;
  deleteAfter: Date;
}

/** Ends a delivery before any send: the recipient document decided the event's answer. */
class Stopped extends Error {
  constructor(readonly answer: () => Promise<EventResult>) {
    super('the delivery stops before sending');
  }
}

/** Batches are immutable in what deliveries read: an instance keeps the latest few. */
const CACHED_BATCHES = 64;

export function createRecipientDelivery(deps: RecipientDeps) {
  const cache = new Map<string, BatchFacts>();

  function remember(id: string, snapshot: DocumentSnapshot): BatchFacts | null {
    const doc = snapshot.data();
    if (!doc) return null;
    const expiresAt = doc.expires_at.toMillis() as number;
    const facts = {
      message: doc.message as NotificationMessage,
      expiresAt,
      deleteAfter: new Date(expiresAt + RETENTION_MS),
    };
    cache.set(id, facts);
    if (cache.size > CACHED_BATCHES) cache.delete(cache.keys().next().value!);
    return facts;
  }

  /** The recipient document, and the batch unless cached, in one round trip. */
  async function read(client: Firestore, batchId: string, userId: string) {
    const batchRef = client.collection(BATCHES).doc(batchId);
    const recipientRef = batchRef.collection(RECIPIENTS).doc(userId);
    const cached = cache.get(batchId);
    const snapshots = await deps.db.callWithDeadline(() =>
      cached
        ? client.getAll(recipientRef)
        : client.getAll(recipientRef, batchRef),
    );
    const batch = cached ?? remember(batchId, snapshots[1]!);
    return {batch, recipient: snapshots[0]!};
  }

  /**
   * Writes the recipient document (created, or updated only if nobody wrote it since it
   * was read) together with `more`, in one batch. A conflict means a concurrent delivery
   * of the same user wrote first: the event is redelivered and reads what it wrote.
   */
  async function commit(
    client: Firestore,
    snapshot: DocumentSnapshot,
    data: Partial<RecipientDoc>,
    more: (batch: WriteBatch) => void = () => undefined,
  ): Promise<'written' | 'conflict'> {
    const batch = client.batch();
    if (snapshot.exists)
      batch.update(snapshot.ref, data, {lastUpdateTime: snapshot.updateTime!});
    else batch.create(snapshot.ref, data);
    more(batch);
    try {
      await deps.db.raceDeadline(() => batch.commit());
      return 'written';
    } catch (err) {
      if (isAppError(err)) throw err;
      const code = grpcCode(err);
      if (code === GRPC.ALREADY_EXISTS || code === GRPC.FAILED_PRECONDITION)
        return 'conflict';
      throw unavailable('Firestore', err);
    }
  }

  async function finished(
    outcome: RecipientOutcome,
    devices: Record<string, DeviceOutcome>,
    attempts: number,
    reason?: string,
  ): Promise<Partial<RecipientDoc>> {
    const {Timestamp} = await firestoreSdk();
    // A `retry_not_before` left from an earlier attempt stays: nothing reads it once finished.
    return {
      outcome,
      ...(reason ? {reason} : {}),
      attempts,
      devices,
      finished_at: Timestamp.fromDate(deps.clock()),
      tally: tally(outcome),
    };
  }

  /**
   * Records the user without sending (expired, dead-lettered, out of attempts): from what
   * earlier deliveries left, a device sent counts, a claim left `sending` is interrupted.
   */
  async function finishWithoutSending(
    client: Firestore,
    batchId: string,
    userId: string,
    snapshot: DocumentSnapshot,
    facts: BatchFacts,
    reason: string,
  ): Promise<EventResult> {
    const {Timestamp} = await firestoreSdk();
    const claims = await deps.db.callWithDeadline(() =>
      client
        .collection(BATCHES)
        .doc(batchId)
        .collection(SENDS)
        .where('user_id', '==', userId)
        .get(),
    );
    const devices: Record<string, DeviceOutcome> = {};
    const interrupted: string[] = [];
    for (const claim of claims.docs) {
      const doc = claim.data() as SendDoc;
      const outcome = doc.state === 'done' ? doc.outcome! : 'interrupted';
      if (doc.state !== 'done') interrupted.push(claim.id);
      for (const device of doc.devices) devices[device] = outcome;
    }
    const outcome =
      recipientOutcome(Object.values(devices)) === 'sent' ? 'sent' : 'failed';
    const previous = snapshot.data() as RecipientDoc | undefined;
    const written = await commit(
      client,
      snapshot,
      {
        ...(await finished(outcome, devices, previous?.attempts ?? 0, reason)),
        delete_after: Timestamp.fromDate(facts.deleteAfter),
      },
      batch => {
        for (const id of interrupted)
          batch.update(claims.docs.find(d => d.id === id)!.ref, {
            state: 'done',
            outcome: 'interrupted',
          });
      },
    );
    return written === 'written'
      ? {kind: 'recorded', outcome, reason}
      : {kind: 'retry', why: 'a concurrent delivery recorded this user'};
  }

  /**
   * What the recipient document says before anything is sent: go on (with the attempts so
   * far), or the event's answer without a send.
   */
  function verdict(
    client: Firestore,
    batchId: string,
    userId: string,
    recipient: DocumentSnapshot,
    facts: BatchFacts,
    deadLetter: boolean,
    now: Date,
  ):
    | {kind: 'go'; attempts: number}
    | {kind: 'stop'; answer: () => Promise<EventResult>} {
    const stop = (answer: () => Promise<EventResult>) => ({
      kind: 'stop' as const,
      answer,
    });
    const doc = recipient.data() as RecipientDoc | undefined;
    if (doc?.outcome)
      return stop(async () => ({kind: 'skipped', why: 'already recorded'}));
    const without = (reason: string) =>
      stop(() =>
        finishWithoutSending(client, batchId, userId, recipient, facts, reason),
      );
    if (deadLetter) return without('dead-lettered');
    if (now.getTime() >= facts.expiresAt) return without('expired');
    const attempts = doc?.attempts ?? 0;
    if (attempts >= deps.config.maxAttempts)
      return without('retries exhausted');
    const notBefore = doc?.retry_not_before?.toMillis() ?? 0;
    if (now.getTime() < notBefore)
      return stop(async () => ({
        kind: 'retry',
        why: `waiting out FCM's quota until ${new Date(notBefore).toISOString()}`,
      }));
    return {kind: 'go', attempts};
  }

  /** Delivers `userId` of `batchId`; `deadLetter`: the event comes from the dead-letter topic. */
  return async function deliverRecipient(
    batchId: string,
    userId: string,
    deadLetter: boolean,
    log: Logger,
  ): Promise<EventResult> {
    const client = await deps.db.client();
    const cached = cache.get(batchId);
    // The batch does not change: an instance reads it once, with the first recipient.
    const first = cached ? undefined : await read(client, batchId, userId);
    const facts = cached ?? first?.batch;
    if (!facts) return {kind: 'skipped', why: 'the batch does not exist'};
    // With the batch known, the recipient is read while deliver() reads the user's devices.
    const recipientRead = first
      ? Promise.resolve(first.recipient)
      : deps.db.callWithDeadline(() =>
          client
            .collection(BATCHES)
            .doc(batchId)
            .collection(RECIPIENTS)
            .doc(userId)
            .get(),
        );
    recipientRead.catch(() => undefined); // awaited below; a failure is the event's
    const now = deps.clock();
    let checked: {recipient: DocumentSnapshot; attempts: number} | undefined;
    /** The verdict, once; a stop ends deliver() before any send. */
    const check = async () => {
      if (checked) return checked;
      const recipient = await recipientRead;
      const v = verdict(
        client,
        batchId,
        userId,
        recipient,
        facts,
        deadLetter,
        now,
      );
      if (v.kind === 'stop') throw new Stopped(v.answer);
      return (checked = {recipient, attempts: v.attempts});
    };
    let claims: Claims | undefined;
    const claimsFor = (recipient: DocumentSnapshot) =>
      createClaims({
        db: deps.db,
        client,
        batchId,
        userId,
        now,
        claimTtlMs: deps.config.claimTtlMs,
        deleteAfter: facts.deleteAfter,
        firstAttempt: !recipient.exists,
      });
    let delivery;
    try {
      delivery = await deps.deliver(
        userId,
        facts.message,
        log,
        undefined,
        async targets => {
          const {recipient} = await check();
          claims = claimsFor(recipient);
          return claims.claim(targets);
        },
      );
    } catch (err) {
      if (err instanceof Stopped) return err.answer();
      if (err instanceof ClaimBusy)
        return {kind: 'retry', why: 'another delivery of this user is running'};
      if (!isAppError(err) || err.code !== 'not-found') throw err;
      try {
        const {recipient, attempts} = await check();
        return record(client, recipient, facts, 'unknown_user', {}, attempts);
      } catch (stopped) {
        if (stopped instanceof Stopped) return stopped.answer();
        throw stopped;
      }
    }
    // No send was needed (no devices, or none reachable): the verdict still applies.
    let go;
    try {
      go = await check();
    } catch (stopped) {
      if (stopped instanceof Stopped) return stopped.answer();
      throw stopped;
    }
    return settle(
      client,
      go.recipient,
      facts,
      claims ?? claimsFor(go.recipient),
      delivery,
      go.attempts,
      now,
    );
  };

  async function record(
    client: Firestore,
    snapshot: DocumentSnapshot,
    facts: BatchFacts,
    outcome: RecipientOutcome,
    devices: Record<string, DeviceOutcome>,
    attempts: number,
    reason?: string,
    more?: (batch: WriteBatch) => void,
  ): Promise<EventResult> {
    const {Timestamp} = await firestoreSdk();
    const written = await commit(
      client,
      snapshot,
      {
        ...(await finished(outcome, devices, attempts, reason)),
        delete_after: Timestamp.fromDate(facts.deleteAfter),
      },
      more,
    );
    return written === 'written'
      ? {kind: 'recorded', outcome, ...(reason ? {reason} : {})}
      : {kind: 'retry', why: 'a concurrent delivery recorded this user'};
  }

  /** Records what a delivery reached: finished, or (transient failures left) one more attempt. */
  async function settle(
    client: Firestore,
    snapshot: DocumentSnapshot,
    facts: BatchFacts,
    claims: Claims,
    delivery: Awaited<ReturnType<Deliver>>,
    attemptsBefore: number,
    now: Date,
  ): Promise<EventResult> {
    const {Timestamp} = await firestoreSdk();
    // Each device's outcome: what deliver() answered, unless an earlier delivery decided
    // its target (deliver() knows an interrupted send only as `failed`).
    const devices: Record<string, DeviceOutcome> = Object.fromEntries(
      delivery.result.results.map(r => [r.token_id, r.outcome]),
    );
    const outcomes = new Map<string, DeviceOutcome>();
    for (const target of claims.targets()) {
      const earlier = claims.earlier.get(target.id);
      if (earlier !== undefined)
        for (const device of target.devices) devices[device] = earlier;
      outcomes.set(
        target.id,
        earlier ?? devices[target.devices[0]!] ?? 'failed',
      );
    }
    const transient = [...claims.created].filter(id =>
      isTransient(outcomes.get(id)!),
    );
    const attempts = attemptsBefore + (transient.length > 0 ? 1 : 0);
    const finishClaims = (batch: WriteBatch, release: readonly string[]) => {
      for (const id of claims.created)
        if (release.includes(id)) batch.delete(claims.ref(id));
        else
          batch.update(claims.ref(id), {
            state: 'done',
            outcome: outcomes.get(id),
          });
      for (const [id, outcome] of claims.earlier)
        if (outcome === 'interrupted')
          batch.update(claims.ref(id), {state: 'done', outcome});
    };

    if (transient.length > 0 && attempts < deps.config.maxAttempts) {
      const waitMs =
        delivery.kind === 'quota'
          ? Math.max(delivery.retryAfterMs, deps.config.quotaRetryMs)
          : 0;
      const written = await commit(
        client,
        snapshot,
        {
          attempts,
          devices,
          delete_after: Timestamp.fromDate(facts.deleteAfter),
          ...(waitMs > 0
            ? {retry_not_before: Timestamp.fromMillis(now.getTime() + waitMs)}
            : {}),
        },
        batch => finishClaims(batch, transient),
      );
      return {
        kind: 'retry',
        why:
          written === 'conflict'
            ? 'a concurrent delivery recorded this user'
            : `${transient.length} send(s) failed for now (${[...new Set(transient.map(id => outcomes.get(id)))].join(', ')}), attempt ${attempts} of ${deps.config.maxAttempts}`,
      };
    }
    const outcome = recipientOutcome(Object.values(devices));
    const reason =
      transient.length > 0
        ? 'retries exhausted'
        : [...outcomes.values()].includes('interrupted') && outcome === 'failed'
          ? 'interrupted'
          : undefined;
    return record(
      client,
      snapshot,
      facts,
      outcome,
      devices,
      attempts,
      reason,
      batch => finishClaims(batch, []),
    );
  }
}

export type DeliverRecipient = ReturnType<typeof createRecipientDelivery>;
