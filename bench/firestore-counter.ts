/**
 * Counts Firestore traffic of this process by wrapping the client's two request funnels
 * (`Firestore.prototype.request` / `requestStream`, internal to @google-cloud/firestore 7,
 * which firebase-admin uses underneath) and `Query.prototype.get`:
 *   rpcs    round trips to Firestore, by method (commit, batchGetDocuments, runQuery, …)
 *   reads   documents read: documents asked for by batchGetDocuments, plus each query's
 *           results (at least 1, as Firestore bills an empty query)
 *   writes  writes sent in commits (set, update, delete, create each count 1)
 * Install before any Firestore client is used. Internal API: if a version changes it,
 * installation fails loudly instead of counting zero.
 */
import {Firestore, Query} from '@google-cloud/firestore';

export interface FirestoreCounts {
  reads: number;
  writes: number;
  rpcs: Record<string, number>;
}

const counts: FirestoreCounts = {reads: 0, writes: 0, rpcs: {}};

/** The counts so far, and optionally starts again from zero. */
export function firestoreCounts(reset = false): FirestoreCounts {
  const snapshot = {
    reads: counts.reads,
    writes: counts.writes,
    rpcs: {...counts.rpcs},
  };
  if (reset) {
    counts.reads = 0;
    counts.writes = 0;
    counts.rpcs = {};
  }
  return snapshot;
}

type Funnel = (this: unknown, method: string, ...rest: unknown[]) => unknown;

/** Wraps the funnels once per process. */
export function installFirestoreCounter(): void {
  const proto = Firestore.prototype as unknown as Record<string, Funnel>;
  const queryProto = Query.prototype as unknown as {
    get: (this: Query) => Promise<{size: number}>;
  };
  if (
    typeof proto.request !== 'function' ||
    typeof proto.requestStream !== 'function'
  ) {
    throw new Error(
      '@google-cloud/firestore changed its internals: the benchmark cannot count requests',
    );
  }
  if ((proto.request as {counted?: boolean}).counted) return;
  const rpc = (method: string, request: unknown) => {
    counts.rpcs[method] = (counts.rpcs[method] ?? 0) + 1;
    const r = request as
      {writes?: unknown[]; documents?: unknown[]} | undefined;
    if (method === 'commit') counts.writes += r?.writes?.length ?? 0;
    if (method === 'batchGetDocuments')
      counts.reads += r?.documents?.length ?? 0;
  };
  const request = proto.request;
  proto.request = Object.assign(
    function (this: unknown, method: string, req: unknown, ...rest: unknown[]) {
      rpc(method, req);
      return request.call(this, method, req, ...rest);
    },
    {counted: true},
  );
  const requestStream = proto.requestStream;
  proto.requestStream = function (
    this: unknown,
    method: string,
    bidi: unknown,
    req: unknown,
    ...rest: unknown[]
  ) {
    rpc(method, req);
    return requestStream.call(this, method, bidi, req, ...rest);
  };
  const get = queryProto.get;
  queryProto.get = async function (this: Query) {
    const snapshot = await get.call(this);
    counts.reads += Math.max(1, snapshot.size);
    return snapshot;
  };
}
