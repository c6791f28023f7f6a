/**
 * Firestore, as the importer uses it: a page's documents read up front (batched reads,
 * which is all a user with nothing to change costs), and each user's writes in one
 * transaction of its own that reads the same documents again, decides again, and writes
 * the user document field by field. An API request that races it either commits first
 * (and the transaction reads its result) or waits for it: neither loses the other's write.
 */
import type {
  DocumentReference,
  DocumentSnapshot,
  Firestore,
  Transaction,
} from 'firebase-admin/firestore';
import {firestoreSdk} from '../../shared/firestore/client';
import {isTransient, rerunWhile} from '../../shared/firestore/rerun';
import {readWanted, type Docs, type Found, type Wanted} from './found';
import {DELETE, type Write} from './writes';

/** Documents read per `getAll` round trip. */
const READ_CHUNK = 300;

/**
 * Attempts of one user's transaction: contention with the live app's requests for the
 * same user is expected during a re-import, and each attempt reads again. (The SDK's
 * backoff allows at most 11, whatever is asked.)
 */
const TRANSACTION_ATTEMPTS = 25;

/**
 * Whole transactions of one user before the import stops on its failure: one the SDK
 * does not retry (the emulator's closed transaction), or its attempts run out, is run
 * again rather than end an import that may have run for hours.
 */
const TRANSACTION_RUNS = 5;

export interface ImportWriter {
  /** What Firestore holds for the plans of `wanted`. */
  read(wanted: readonly Wanted[]): Promise<Found>;
  /**
   * In one transaction: reads what `wanted` names, asks `plan` what to write, writes it.
   * Resolves with the plan of the attempt that committed and how many attempts ran.
   */
  apply<P extends {writes: readonly Write[]}>(
    wanted: Wanted,
    plan: (found: Found) => P,
  ): Promise<{plan: P; attempts: number}>;
}

function refOf(db: Firestore, path: string): DocumentReference {
  return db.doc(path);
}

async function getAll(
  read: (...refs: DocumentReference[]) => Promise<DocumentSnapshot[]>,
  db: Firestore,
  paths: readonly string[],
): Promise<Docs> {
  const docs = new Map<string, Record<string, unknown> | undefined>();
  for (let i = 0; i < paths.length; i += READ_CHUNK) {
    const chunk = paths.slice(i, i + READ_CHUNK);
    const snapshots = await read(...chunk.map(p => refOf(db, p)));
    snapshots.forEach((s, j) => docs.set(chunk[j]!, s.data()));
  }
  return docs;
}

async function writeIn(
  tx: Transaction,
  db: Firestore,
  writes: readonly Write[],
): Promise<void> {
  const {FieldPath, FieldValue} = await firestoreSdk();
  const value = (v: unknown) => (v === DELETE ? FieldValue.delete() : v);
  for (const w of writes) {
    const ref = db.collection(w.collection).doc(w.id);
    if (w.kind === 'set') tx.set(ref, w.data);
    else if (w.kind === 'delete') tx.delete(ref);
    else {
      const pairs = w.fields.map(
        ([path, v]) => [new FieldPath(...path), value(v)] as const,
      );
      const [first, ...rest] = pairs;
      if (first) tx.update(ref, first[0], first[1], ...rest.flat());
    }
  }
}

/** The importer's reads and per-user transactions against `db`. */
export function importWriter(db: Firestore): ImportWriter {
  return {
    read: wanted =>
      readWanted(paths => getAll((...r) => db.getAll(...r), db, paths), wanted),
    async apply(wanted, plan) {
      let attempts = 0;
      const result = await rerunWhile(
        () =>
          db.runTransaction(
            async tx => {
              attempts++;
              const found = await readWanted(
                paths => getAll((...r) => tx.getAll(...r), db, paths),
                [wanted],
              );
              const decided = plan(found);
              await writeIn(tx, db, decided.writes);
              return decided;
            },
            {maxAttempts: TRANSACTION_ATTEMPTS},
          ),
        isTransient,
        TRANSACTION_RUNS,
      );
      return {plan: result, attempts};
    },
  };
}
