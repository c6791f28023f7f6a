/**
 * A batch's status, counted from its per-user `recipients` documents with one aggregation
 * query (five sums over each finished user's one-hot `tally`), never from a counter that
 * every delivery would write: Firestore sustains about one write a second on a document,
 * and a batch finishes hundreds of users a second. Once every user is counted the status
 * is kept on the batch document, so later reads cost one document read.
 */
import type {Timestamp} from 'firebase-admin/firestore';
import {firestoreSdk} from '../../firestore/client';
import type {Db} from '../../firestore/db';
import type {Logger} from '../../platform/logger';
import {BATCHES, RECIPIENTS, type BatchDoc} from './collections';
import {TALLY_FIELDS, batchState, type BatchState, type Tally} from './outcome';

/** `GET /notifications/{id}`'s body. */
export interface BatchStatus extends Tally {
  id: string;
  status: BatchState;
  users: number;
  /** RFC 3339. */
  created_at: string;
  /** When the last user was finished; null until the batch is done. */
  finished_at: string | null;
}

const iso = (t: Timestamp) => t.toDate().toISOString();

export function createStatusReader(deps: {db: Db}) {
  return async function readStatus(
    id: string,
    log: Logger,
  ): Promise<BatchStatus | null> {
    const {AggregateField} = await firestoreSdk();
    const client = await deps.db.client();
    const ref = client.collection(BATCHES).doc(id);
    const doc = (await deps.db.callWithDeadline(() => ref.get())).data() as
      BatchDoc | undefined;
    if (!doc) return null;
    const base = {id, users: doc.users, created_at: iso(doc.created_at)};
    if (doc.state === 'done' && doc.counts)
      return {
        ...base,
        status: 'done',
        ...doc.counts,
        finished_at: doc.finished_at ? iso(doc.finished_at) : null,
      };
    const recipients = ref.collection(RECIPIENTS);
    const sums = await deps.db.callWithDeadline(() =>
      recipients
        .aggregate(
          Object.fromEntries(
            TALLY_FIELDS.map(f => [f, AggregateField.sum(`tally.${f}`)]),
          ) as Record<keyof Tally, ReturnType<typeof AggregateField.sum>>,
        )
        .get(),
    );
    const data = sums.data();
    const counts = Object.fromEntries(
      TALLY_FIELDS.map(f => [f, Number(data[f] ?? 0)]),
    ) as unknown as Tally;
    const status = batchState(doc.users, counts);
    if (status !== 'done')
      return {...base, status, ...counts, finished_at: null};
    const last = await deps.db.callWithDeadline(() =>
      recipients.orderBy('finished_at', 'desc').limit(1).get(),
    );
    const finishedAt = (last.docs[0]?.get('finished_at') as Timestamp) ?? null;
    // Kept for later reads; a failure only means the next read counts again.
    await deps.db
      .callWithDeadline(() =>
        ref.update({state: 'done', counts, finished_at: finishedAt}),
      )
      .catch((cause: unknown) =>
        log.warn('could not keep the status of a finished batch', {
          batchId: id,
          cause: String(cause),
        }),
      );
    return {
      ...base,
      status,
      ...counts,
      finished_at: finishedAt ? iso(finishedAt) : null,
    };
  };
}

export type ReadStatus = ReturnType<typeof createStatusReader>;
