/**
 * `npm run bench:batch`'s probe inside deliverNotification's process, loaded with
 * `node --require` before the Functions Framework (the function's code is unchanged). It
 * times, from the outside of our code:
 *   pushes     each request the Pub/Sub emulator makes (arrival to response finished), by
 *              status, and how many were in flight at once (largest, and time-weighted mean)
 *   firestore  each round trip by what it is: the read of the recipient (and batch), the
 *              read of the user's devices, the claims' commit, the record's commit, others
 *              (the client's request funnels, as bench/firestore-counter.ts counts them)
 *   fcm        each v1 send (`fetch` to `…/messages:send`), and how many were in flight
 *   cpu, rss   the process's CPU time and resident memory (sampled every 50 ms, and the
 *              kernel's peak `maxRSS`)
 * and serves them as JSON on 127.0.0.1:BENCH_PROBE_PORT (`?reset=1` starts the counts again;
 * the peaks of memory are the process's own and are never reset; `?gc=1` collects first).
 */
import http from 'node:http';
import {Firestore} from '@google-cloud/firestore';

interface Timer {
  count: number;
  totalMs: number;
}

interface InFlight {
  now: number;
  max: number;
  /** ∫ in-flight dt (ms), for the time-weighted mean. */
  area: number;
  since: number;
}

export interface ProbeStats {
  pushes: {
    statuses: Record<string, number>;
    totalMs: number;
    firstStart: number | null;
    lastEnd: number | null;
    inFlightMax: number;
    /** Time-weighted mean of pushes in flight between the first start and the last end. */
    inFlightMean: number;
  };
  firestore: Record<string, Timer>;
  fcm: Timer & {inFlightMax: number; inFlightMean: number; failed: number};
  cpuMs: number;
  rssMaxBytes: number;
  /** The kernel's peak resident set of the process since it started (getrusage). */
  maxRssBytes: number;
  /** Resident set and V8 heap now. */
  rssBytes: number;
  heapUsedBytes: number;
}

const flight = (): InFlight => ({now: 0, max: 0, area: 0, since: 0});
const move = (f: InFlight, delta: number) => {
  const t = performance.now();
  f.area += f.now * (t - f.since);
  f.since = t;
  f.now += delta;
  f.max = Math.max(f.max, f.now);
};

let pushes = flight();
let fcmFlight = flight();
let state = fresh();
let rssMax = process.memoryUsage.rss();

function fresh() {
  return {
    statuses: {} as Record<string, number>,
    pushMs: 0,
    firstStart: null as number | null,
    lastEnd: null as number | null,
    firstStartPerf: 0,
    lastEndPerf: 0,
    firestore: {} as Record<string, Timer>,
    fcm: {count: 0, totalMs: 0, failed: 0},
    cpuAtReset: process.cpuUsage(),
  };
}

const time = (timers: Record<string, Timer>, label: string, ms: number) => {
  const t = (timers[label] ??= {count: 0, totalMs: 0});
  t.count++;
  t.totalMs += ms;
};

// ---- pushes: every request the function's server gets ----
// Its own requests are not pushes: it is told apart below.
const probeServer = http.createServer((req, res) => serveProbe(req, res));
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (
  this: http.Server,
  event: string,
  ...args: unknown[]
) {
  if (event === 'request' && this !== probeServer) {
    const res = args[1] as http.ServerResponse;
    const started = performance.now();
    if (state.firstStart === null) {
      state.firstStart = Date.now();
      state.firstStartPerf = started;
    }
    move(pushes, +1);
    res.once('finish', () => {
      move(pushes, -1);
      const ended = performance.now();
      state.pushMs += ended - started;
      state.lastEnd = Date.now();
      state.lastEndPerf = ended;
      const key = String(res.statusCode);
      state.statuses[key] = (state.statuses[key] ?? 0) + 1;
    });
  }
  return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
} as typeof emit;

// ---- FCM: the v1 sends ----
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : String((input as URL).href);
  if (!url.includes('/messages:send')) return realFetch(input, init);
  const started = performance.now();
  move(fcmFlight, +1);
  try {
    const res = await realFetch(input, init);
    if (!res.ok) state.fcm.failed++;
    return res;
  } finally {
    move(fcmFlight, -1);
    state.fcm.count++;
    state.fcm.totalMs += performance.now() - started;
  }
};

// ---- Firestore: the round trips, by what they are ----
const docNames = (method: string, req: unknown): string[] => {
  const r = req as {
    documents?: string[];
    writes?: Array<{update?: {name?: string}; delete?: string}>;
  };
  if (method === 'batchGetDocuments') return r.documents ?? [];
  if (method === 'commit')
    return (r.writes ?? []).map(w => w.update?.name ?? w.delete ?? '');
  return [];
};

function label(method: string, req: unknown): string {
  const names = docNames(method, req);
  const has = (part: string) => names.some(n => n.includes(part));
  if (method === 'commit') {
    if (has('/recipients/')) return 'commit: the record (recipient + claims)';
    if (names.length > 0 && names.every(n => n.includes('/sends/')))
      return 'commit: the claims';
    return 'commit: other';
  }
  if (method === 'batchGetDocuments') {
    if (has('/recipients/')) return 'read: the recipient (and the batch)';
    if (has('/documents/users/')) return "read: the user's devices";
    if (has('/sends/')) return 'read: claims';
    return 'read: other';
  }
  return method;
}

type Funnel = (this: unknown, method: string, ...rest: unknown[]) => unknown;
const proto = Firestore.prototype as unknown as Record<string, Funnel>;
if (
  typeof proto.request !== 'function' ||
  typeof proto.requestStream !== 'function'
)
  throw new Error(
    '@google-cloud/firestore changed its internals: the probe cannot time requests',
  );
const request = proto.request;
proto.request = function (this: unknown, method: string, ...rest: unknown[]) {
  const started = performance.now();
  const what = label(method, rest[0]);
  const done = () => time(state.firestore, what, performance.now() - started);
  const result = request.call(this, method, ...rest) as Promise<unknown>;
  result.then(done, done);
  return result;
};
const requestStream = proto.requestStream;
proto.requestStream = function (
  this: unknown,
  method: string,
  bidi: unknown,
  req: unknown,
  ...rest: unknown[]
) {
  const started = performance.now();
  const what = label(method, req);
  let timed = false;
  const done = () => {
    if (timed) return;
    timed = true;
    time(state.firestore, what, performance.now() - started);
  };
  const result = requestStream.call(
    this,
    method,
    bidi,
    req,
    ...rest,
  ) as Promise<NodeJS.EventEmitter>;
  // Listening for the end does not start the flow: the client reads the stream itself.
  result.then(stream => {
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  }, done);
  return result;
};

// ---- memory ----
setInterval(() => {
  rssMax = Math.max(rssMax, process.memoryUsage.rss());
}, 50).unref();

function stats(): ProbeStats {
  const cpu = process.cpuUsage(state.cpuAtReset);
  const mean = (f: InFlight) => {
    const span = state.lastEndPerf - state.firstStartPerf;
    return span > 0 ? f.area / span : 0;
  };
  return {
    pushes: {
      statuses: state.statuses,
      totalMs: state.pushMs,
      firstStart: state.firstStart,
      lastEnd: state.lastEnd,
      inFlightMax: pushes.max,
      inFlightMean: mean(pushes),
    },
    firestore: state.firestore,
    fcm: {
      ...state.fcm,
      inFlightMax: fcmFlight.max,
      inFlightMean: mean(fcmFlight),
    },
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssMaxBytes: rssMax,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    rssBytes: process.memoryUsage.rss(),
    heapUsedBytes: process.memoryUsage().heapUsed,
  };
}

function serveProbe(req: http.IncomingMessage, res: http.ServerResponse) {
  // `?gc=1` (with node --expose-gc): a full collection first, so the heap and resident set
  // say what the process keeps, not what it has yet to collect.
  if (req.url?.includes('gc=1')) (globalThis as {gc?: () => void}).gc?.();
  const body = JSON.stringify(stats());
  if (req.url?.includes('reset=1')) {
    state = fresh();
    pushes = {...flight(), since: performance.now()};
    fcmFlight = {...flight(), since: performance.now()};
  }
  res.writeHead(200, {'Content-Type': 'application/json'}).end(body);
}

probeServer.unref();
probeServer.listen(Number(process.env.BENCH_PROBE_PORT), '127.0.0.1');
