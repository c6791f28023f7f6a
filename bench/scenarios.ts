/**
 * The benchmark's scenarios against one server configuration. Each scenario is measured
 * twice: under load (autocannon: throughput, p50/p99) and, for Firestore cost, as a short
 * sequential probe whose exact reads, writes and round trips are divided per request.
 */
import {runLoad, type GeneratedRequest, type LoadResult} from './load';
import {basicAuth, type ServerProcess} from './stack';

/** Users the many-user scenarios spread over (each warmed once, so the auth cache can hold them). */
export const USERS = 40;
/** The user kept at the device maximum, so every registration evicts. */
export const FULL_USER = USERS + 1;

export interface ScenarioResult extends LoadResult {
  name: string;
  /** Firestore work per request, from the sequential probe. */
  firestore: {reads: number; writes: number; rpcs: number} | null;
  note?: string;
}

export interface SuiteOptions {
  server: ServerProcess;
  durationS: number;
  connections: number;
  /** Unique per suite, so tokens never collide across suites. */
  tag: string;
}

const devicePath = (user: number) =>
  `/api/users/${user}/fcm_registration_tokens`;

export async function runSuite({
  server,
  durationS,
  connections,
  tag,
}: SuiteOptions): Promise<ScenarioResult[]> {
  let seq = 0;
  const fresh = () => `bench-${tag}-${++seq}-${'x'.repeat(120)}`;
  const randomUser = () => 1 + Math.floor(Math.random() * USERS);
  const add = (user: number, token: string): GeneratedRequest => ({
    method: 'POST',
    path: devicePath(user),
    headers: {authorization: basicAuth(user)},
    body: {registration_id: token},
  });
  const remove = (user: number, token: string): GeneratedRequest => ({
    ...add(user, token),
    method: 'DELETE',
  });
  const results: ScenarioResult[] = [];

  async function measure(
    name: string,
    next: () => GeneratedRequest,
    options: {
      amount?: number;
      connections?: number;
      onResponse?: (status: number, body: string) => void;
      probe?: () => GeneratedRequest;
      note?: string;
    } = {},
  ) {
    // Exact Firestore cost: a few sequential requests with the counters reset around them.
    let firestore: ScenarioResult['firestore'] = null;
    await quiesce(server);
    if (options.probe) {
      const n = 10;
      await server.stats(true);
      for (let i = 0; i < n; i++) await send(server.url, options.probe());
      const {firestore: c} = await server.stats(true);
      const trips = Object.values(c.rpcs).reduce((a, b) => a + b, 0);
      firestore = {reads: c.reads / n, writes: c.writes / n, rpcs: trips / n};
    }
    const load = await runLoad({
      url: server.url,
      next,
      connections: options.connections ?? connections,
      durationS,
      amount: options.amount,
      onResponse: options.onResponse,
    });
    results.push({
      name,
      ...load,
      firestore,
      ...(options.note ? {note: options.note} : {}),
    });
    process.stdout.write(
      `  ${name}: ${load.rps.toFixed(1)} req/s, p50 ${load.p50} ms, p99 ${load.p99} ms, ${JSON.stringify(load.statuses)}\n`,
    );
  }

  await warmUp(server.url, add(1, fresh()));
  // One registration per user first: with the auth cache on, later requests find their
  // verification cached, as a client that keeps its credentials would.
  for (let user = 2; user <= USERS; user += 4) {
    await Promise.all(
      [0, 1, 2, 3]
        .filter(k => user + k <= USERS)
        .map(k => send(server.url, add(user + k, fresh()))),
    );
  }
  await measure(
    'floor',
    () => ({
      method: 'POST',
      path: '/floor',
      body: {user: String(randomUser()), token: fresh()},
    }),
    {
      probe: () => ({
        method: 'POST',
        path: '/floor',
        body: {user: String(randomUser()), token: fresh()},
      }),
    },
  );

  // New tokens across many users; the 201s are kept for the remove and repeat scenarios.
  const registered: Array<{user: number; token: string}> = [];
  await measure(
    'addDevice: new token, many users',
    () => add(randomUser(), fresh()),
    {
      probe: () => add(randomUser(), fresh()),
      onResponse: (status, body) => {
        if (status !== 201) return;
        const json = JSON.parse(body) as {
          user_id: number;
          registration_id: string;
        };
        registered.push({user: json.user_id, token: json.registration_id});
      },
    },
  );

  const onePerUser = new Map<number, string>();
  for (const {user, token} of registered)
    if (!onePerUser.has(user)) onePerUser.set(user, token);
  const repeats = [...onePerUser.entries()];
  if (repeats.length === 0)
    throw new Error(
      'addDevice registered nothing under load: see the statuses above',
    );
  let r = 0;
  await measure(
    'addDevice: repeat registration (200)',
    () => add(...repeats[r++ % repeats.length]!),
    {
      probe: () => add(...repeats[r++ % repeats.length]!),
    },
  );

  for (let i = 0; i < 20; i++) await send(server.url, add(FULL_USER, fresh()));
  await measure(
    'addDevice: one user at the maximum (evicts)',
    () => add(FULL_USER, fresh()),
    {
      connections: Math.min(connections, 10),
      probe: () => add(FULL_USER, fresh()),
      note: "one user: requests serialize on the user's lease",
    },
  );

  const queue = registered.filter(
    ({token}) => !repeats.some(([, t]) => t === token),
  );
  const probeTokens = queue.splice(0, 10);
  let q = 0;
  await measure(
    'removeDevice: registered token',
    () => {
      const item = queue[q++ % Math.max(1, queue.length)];
      return item ? remove(item.user, item.token) : remove(1, fresh());
    },
    {
      amount: Math.max(connections, queue.length),
      connections: Math.max(1, Math.min(connections, queue.length)),
      probe: () => {
        const item = probeTokens.shift();
        return item ? remove(item.user, item.token) : remove(1, fresh());
      },
      note: `${queue.length} distinct registered tokens, each removed once`,
    },
  );

  // The scenario measures cron with nothing due: the first call runs the due tasks, so
  // it must succeed before the load starts; anything else is a broken stack, not a number.
  const cronProbe = await send(server.url, cronRequest);
  if (cronProbe < 200 || cronProbe >= 300)
    throw new Error(
      `GET /api/cron answered ${cronProbe}; cannot benchmark cron`,
    );
  await measure('cron: nothing due', () => cronRequest, {
    probe: () => cronRequest,
  });
  return results;
}

async function send(url: string, r: GeneratedRequest): Promise<number> {
  const headers: Record<string, string> = {...r.headers};
  if (r.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url + r.path, {
    method: r.method,
    headers,
    body: r.body === undefined ? undefined : JSON.stringify(r.body),
  });
  await res.arrayBuffer();
  return res.status;
}

/** First requests load the SDKs and open the gRPC channel: keep that out of the numbers. */
async function warmUp(url: string, request: GeneratedRequest): Promise<void> {
  const status = await send(url, request);
  if (status !== 201) throw new Error(`warm-up addDevice answered ${status}`);
  await send(url, {
    method: 'POST',
    path: '/floor',
    body: {user: '1', token: 'warm-up'},
  });
}

/** What Cloud Scheduler (and App Engine cron) send; cron decides which it trusts. */
const cronRequest: GeneratedRequest = {
  method: 'GET',
  path: '/api/cron',
  headers: {
    'user-agent': 'Google-Cloud-Scheduler',
    'x-cloudscheduler': 'true',
    'x-appengine-cron': 'true',
    'x-forwarded-for': '10.0.0.1',
  },
};

/** Waits until requests left in flight by the last load run are done (counts stop moving). */
async function quiesce(server: ServerProcess): Promise<void> {
  let last = '';
  for (let i = 0; i < 60; i++) {
    const now = JSON.stringify((await server.stats()).firestore);
    if (now === last) return;
    last = now;
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}
