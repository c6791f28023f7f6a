/**
 * The benchmark's rows. Each row pairs a request of ours with its floor (bench/floor.ts: a bare
 * node:http server doing the same physical work) and, when given, the same floor inside the
 * Functions Framework, and runs them alternately, floor, framework floor, then ours, for
 * several rounds, so that a busy spell on this shared machine hits both. For each side
 * it records throughput, latency, statuses and, per request served: Firestore RPCs, reads
 * and writes, the server process's CPU and the Firestore emulator's CPU.
 */
import {runLoad, type GeneratedRequest, type LoadResult} from './load';
import {processCpuMs} from './proc-cpu';
import type {ProcessStats} from './process-stats';
import {basicAuth, type ServerProcess} from './stack';

/** Users the device rows spread over, round robin (each warmed once, so the auth cache holds them). */
export const USERS = 400;
/** The user notify sends to (20 devices, on the firestore stack). */
export const NOTIFY_USER = USERS + 1;
export const NOTIFY_DEVICES = 20;

export interface RowOptions {
  rounds: number;
  durationS: number;
  connections: number;
  javaPid: number | null;
}

/** Work per request served, over one side's segments. */
export interface PerRequest {
  rpcs: number;
  /** The same round trips by method (commit, batchGetDocuments, runQuery, rollback…). */
  rpcsByMethod: Record<string, number>;
  reads: number;
  writes: number;
  serverCpuMs: number;
  /** Null when the emulator's JVM could not be found or read. */
  emulatorCpuMs: number | null;
}

export interface SideResult extends Omit<LoadResult, 'p50' | 'p99' | 'mean'> {
  /** Median of the rounds' p50, and the largest of their p99 (ms). */
  p50: number;
  p99: number;
  roundRps: number[];
  perRequest: PerRequest;
}

export interface RowResult {
  name: string;
  /** The target for ours/floor, if any. */
  target: string;
  floor: SideResult;
  ours: SideResult;
  /** ours req/s over floor req/s, all rounds together. */
  ratio: number;
  /** The same ratio round by round (floor segment and the ours segment after it). */
  roundRatios: number[];
  /** The same floor's work inside the Functions Framework, as production runs a function. */
  frameworkFloor?: SideResult;
  /** ours req/s over the framework floor's, all rounds, and round by round. */
  frameworkRatio?: number;
  frameworkRoundRatios?: number[];
  note?: string;
}

export interface Side {
  server: ServerProcess;
  next: () => GeneratedRequest;
  /** Requests per segment (the segment still ends after the duration); all by duration when absent. */
  amount?: number;
  onResponse?: (status: number, body: string) => void;
}

export interface RowSpec {
  name: string;
  target: string;
  floor: Side;
  ours: Side;
  /** A server doing the floor's work inside the Functions Framework (floor.ts, framework mode). */
  frameworkFloor?: ServerProcess;
  note?: string;
}

interface Segment {
  load: LoadResult;
  served: number;
  cpuMs: number;
  emulatorCpuMs: number | null;
  rpcs: number;
  rpcsByMethod: Record<string, number>;
  reads: number;
  writes: number;
}

/** Runs one row: `rounds` × (floor segment, ours segment). */
export async function runRow(
  spec: RowSpec,
  opts: RowOptions,
): Promise<RowResult> {
  const floor: Segment[] = [];
  const framework: Segment[] = [];
  const ours: Segment[] = [];
  const fw = spec.frameworkFloor;
  const all = [spec.floor.server, spec.ours.server, ...(fw ? [fw] : [])];
  const others = (server: ServerProcess) => all.filter(s => s !== server);
  for (let round = 0; round < opts.rounds; round++) {
    floor.push(await segment(spec.floor, others(spec.floor.server), opts));
    if (fw)
      framework.push(
        await segment({...spec.floor, server: fw}, others(fw), opts),
      );
    ours.push(await segment(spec.ours, others(spec.ours.server), opts));
  }
  const f = summarise(floor);
  const o = summarise(ours);
  const w = fw ? summarise(framework) : undefined;
  const result: RowResult = {
    name: spec.name,
    target: spec.target,
    floor: f,
    ours: o,
    ratio: o.rps / f.rps,
    roundRatios: o.roundRps.map((rps, i) => rps / f.roundRps[i]!),
    ...(w
      ? {
          frameworkFloor: w,
          frameworkRatio: o.rps / w.rps,
          frameworkRoundRatios: o.roundRps.map(
            (rps, i) => rps / w.roundRps[i]!,
          ),
        }
      : {}),
    ...(spec.note ? {note: spec.note} : {}),
  };
  process.stdout.write(
    `  ${spec.name}: ours ${o.rps.toFixed(1)} req/s ${JSON.stringify(o.statuses)}, floor ${f.rps.toFixed(1)} req/s ${JSON.stringify(f.statuses)} → × ${result.ratio.toFixed(2)} (rounds ${result.roundRatios.map(r => r.toFixed(2)).join(', ')})` +
      (result.frameworkRatio === undefined
        ? ''
        : `; framework floor ${w!.rps.toFixed(1)} req/s ${JSON.stringify(w!.statuses)} → × ${result.frameworkRatio.toFixed(2)} (rounds ${result.frameworkRoundRatios!.map(r => r.toFixed(2)).join(', ')})`) +
      '\n',
  );
  return result;
}

/** One load segment on `side`, after the other servers' last requests are done. */
async function segment(
  side: Side,
  others: ServerProcess[],
  opts: RowOptions,
): Promise<Segment> {
  for (const server of others) await quiesce(server);
  await quiesce(side.server);
  const before = await side.server.stats();
  const javaBefore = processCpuMs(opts.javaPid);
  const load = await runLoad({
    url: side.server.url,
    next: side.next,
    connections: opts.connections,
    durationS: opts.durationS,
    amount: side.amount,
    onResponse: side.onResponse,
  });
  // Requests still in flight when the load stopped finish here and count with this segment.
  const after = await quiesce(side.server);
  const javaAfter = processCpuMs(opts.javaPid);
  return {
    load,
    served: after.served - before.served,
    cpuMs: after.cpuMs - before.cpuMs,
    emulatorCpuMs:
      javaBefore === null || javaAfter === null ? null : javaAfter - javaBefore,
    rpcs: sum(after.firestore.rpcs) - sum(before.firestore.rpcs),
    rpcsByMethod: Object.fromEntries(
      Object.entries(after.firestore.rpcs).map(([method, n]) => [
        method,
        n - (before.firestore.rpcs[method] ?? 0),
      ]),
    ),
    reads: after.firestore.reads - before.firestore.reads,
    writes: after.firestore.writes - before.firestore.writes,
  };
}

function summarise(segments: Segment[]): SideResult {
  const total = (f: (s: Segment) => number) =>
    segments.reduce((a, s) => a + f(s), 0);
  const served = Math.max(
    1,
    total(s => s.served),
  );
  const requests = total(s => s.load.requests);
  const durationS = total(s => s.load.durationS);
  const statuses: Record<string, number> = {};
  for (const s of segments)
    for (const [k, v] of Object.entries(s.load.statuses))
      statuses[k] = (statuses[k] ?? 0) + v;
  const byMethod: Record<string, number> = {};
  for (const s of segments)
    for (const [method, n] of Object.entries(s.rpcsByMethod))
      byMethod[method] = (byMethod[method] ?? 0) + n;
  const emulator = segments.every(s => s.emulatorCpuMs !== null)
    ? total(s => s.emulatorCpuMs!) / served
    : null;
  return {
    requests,
    rps: requests / durationS,
    p50: median(segments.map(s => s.load.p50)),
    p99: Math.max(...segments.map(s => s.load.p99)),
    statuses,
    errors: total(s => s.load.errors),
    durationS,
    roundRps: segments.map(s => s.load.rps),
    perRequest: {
      rpcs: total(s => s.rpcs) / served,
      rpcsByMethod: Object.fromEntries(
        Object.entries(byMethod)
          .filter(([, n]) => n > 0)
          .map(([method, n]) => [method, Math.round((n / served) * 100) / 100]),
      ),
      reads: total(s => s.reads) / served,
      writes: total(s => s.writes) / served,
      serverCpuMs: total(s => s.cpuMs) / served,
      emulatorCpuMs: emulator,
    },
  };
}

const sum = (counts: Record<string, number>) =>
  Object.values(counts).reduce((a, b) => a + b, 0);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Waits until the server's served count stops moving (in-flight requests done); its last stats. */
async function quiesce(server: ServerProcess): Promise<ProcessStats> {
  let last = await server.stats();
  for (let i = 0; i < 100; i++) {
    await new Promise(resolve => setTimeout(resolve, 150));
    const now = await server.stats();
    if (now.served === last.served) return now;
    last = now;
  }
  return last;
}

/** Sends one request and returns its status and body. */
export async function send(
  url: string,
  r: GeneratedRequest,
): Promise<{status: number; body: string}> {
  const headers: Record<string, string> = {...r.headers};
  if (r.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url + r.path, {
    method: r.method,
    headers,
    body: r.body === undefined ? undefined : JSON.stringify(r.body),
  });
  return {status: res.status, body: await res.text()};
}

const devicePath = (user: number) =>
  `/api/users/${user}/fcm_registration_tokens`;

/** addDevice for `user` with `token`. */
export const addRequest = (user: number, token: string): GeneratedRequest => ({
  method: 'POST',
  path: devicePath(user),
  headers: {authorization: basicAuth(user)},
  body: {registration_id: token},
});

/** removeDevice for `user` with `token`. */
export const removeRequest = (
  user: number,
  token: string,
): GeneratedRequest => ({...addRequest(user, token), method: 'DELETE'});

/** A floor request (`/fcm` or `/firestore`) for `user` with `token`. */
export const floorRequest = (
  route: 'fcm' | 'firestore',
  user: number,
  token: string,
): GeneratedRequest => ({
  method: 'POST',
  path: `/${route}`,
  body: {user: String(user), token},
});
