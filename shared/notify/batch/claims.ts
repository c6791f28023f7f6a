/**
 * Exactly once per device: before a send, the delivery claims it with `create()` of
 * `sends/{userId}_{targetId}` (one batch for the user's targets), and only the invocation
 * whose create succeeded sends. What an earlier delivery left decides the rest:
 * - `done`: the send has its outcome (sent, or a permanent failure): it is not made again;
 * - `sending`, younger than NOTIFY_CLAIM_TTL_MS: another invocation is on it: retry later;
 * - `sending`, older: an invocation died between the send and its record; whether FCM got
 *   the message is unknown, so it is never sent again and counts `interrupted`;
 * - no claim (none yet, or released after a transient failure): claimed and sent now.
 */
import type {DocumentReference, Firestore} from 'firebase-admin/firestore';
import {firestoreSdk} from '../../firestore/client';
import type {Db} from '../../firestore/db';
import {GRPC, grpcCode} from '../../firestore/deadline';
import {isAppError, unavailable} from '../../platform/errors';
import type {ClaimTargets, SendTarget} from '../deliver';
import type {DeliveryOutcome} from '../result';
import {
  BATCHES,
  SENDS,
  sendId,
  type DeviceOutcome,
  type SendDoc,
} from './collections';

/** Another invocation holds a claim of this user's sends: the event is redelivered later. */
export class ClaimBusy extends Error {
  constructor() {
    super('another delivery of this user is in progress');
    this.name = 'ClaimBusy';
  }
}

export interface ClaimOptions {
  db: Db;
  client: Firestore;
  batchId: string;
  userId: string;
  now: Date;
  claimTtlMs: number;
  deleteAfter: Date;
  /** No delivery of this user was recorded yet: create the claims without reading first. */
  firstAttempt: boolean;
}

/** The claims of one delivery, and what they found. */
export interface Claims {
  /** The hook deliver() calls with the targets it is about to send to. */
  claim: ClaimTargets;
  /** Every target deliver() named, with its devices. */
  targets(): readonly SendTarget[];
  /** Targets this delivery claimed (and so sent, or tried to). */
  readonly created: ReadonlySet<string>;
  /** Targets decided before this delivery, with their outcome. */
  readonly earlier: ReadonlyMap<string, DeviceOutcome>;
  ref(targetId: string): DocumentReference;
}

/** What deliver() is told about a target decided earlier (it knows FCM's outcomes only). */
function asDeliveryOutcome(outcome: DeviceOutcome): DeliveryOutcome {
  return outcome === 'interrupted' ? 'failed' : outcome;
}

export function createClaims(opts: ClaimOptions): Claims {
  const sends = opts.client
    .collection(BATCHES)
    .doc(opts.batchId)
    .collection(SENDS);
  const ref = (targetId: string) => sends.doc(sendId(opts.userId, targetId));
  let named: SendTarget[] = [];
  const created = new Set<string>();
  const earlier = new Map<string, DeviceOutcome>();

  async function createAll(targets: readonly SendTarget[]): Promise<void> {
    if (targets.length === 0) return;
    const {Timestamp} = await firestoreSdk();
    const batch = opts.client.batch();
    for (const target of targets) {
      const doc: SendDoc = {
        user_id: opts.userId,
        target_id: target.id,
        devices: [...target.devices],
        state: 'sending',
        claimed_at: Timestamp.fromDate(opts.now),
        delete_after: Timestamp.fromDate(opts.deleteAfter),
      };
      batch.create(ref(target.id), doc);
    }
    try {
      await opts.db.raceDeadline(() => batch.commit());
    } catch (err) {
      if (isAppError(err)) throw err;
      if (grpcCode(err) === GRPC.ALREADY_EXISTS) throw new ClaimBusy();
      throw unavailable('Firestore', err);
    }
    for (const target of targets) created.add(target.id);
  }

  const claim: ClaimTargets = async targets => {
    named = [...targets];
    if (opts.firstAttempt) {
      try {
        await createAll(targets);
        return new Map();
      } catch (err) {
        // A duplicate of this event got there first: read what it left.
        if (!(err instanceof ClaimBusy)) throw err;
      }
    }
    const snapshots = await opts.db.callWithDeadline(() =>
      opts.client.getAll(...targets.map(t => ref(t.id))),
    );
    const decided = new Map<string, DeliveryOutcome>();
    const missing: SendTarget[] = [];
    targets.forEach((target, i) => {
      const doc = snapshots[i]!.data() as SendDoc | undefined;
      if (!doc) return missing.push(target);
      if (doc.state === 'done') {
        const outcome = doc.outcome ?? 'failed';
        earlier.set(target.id, outcome);
        return decided.set(target.id, asDeliveryOutcome(outcome));
      }
      const age = opts.now.getTime() - doc.claimed_at.toMillis();
      if (age < opts.claimTtlMs) throw new ClaimBusy();
      earlier.set(target.id, 'interrupted');
      return decided.set(target.id, 'failed');
    });
    await createAll(missing);
    return decided;
  };

  return {
    claim,
    targets: () => named,
    created,
    earlier,
    ref,
  };
}
