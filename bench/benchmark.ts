/**
 * The benchmark itself (see run.ts for the command): starts the official Firestore emulator
 * and the FCM emulator, the floor (bench/floor.ts, a bare node:http server) and our functions
 * twice (DEVICE_GROUPS=fcm and DEVICE_GROUPS=firestore), runs each row alternately against its
 * floor, measures cold starts, prints the tables and writes bench/results/latest.json.
 */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {measureColdStarts, measureImport, median} from './cold-start';
import {BENCH_AUDIENCE, BENCH_CALLER, benchOidc} from './oidc';
import type {GeneratedRequest} from './load';
import {coldStartTable, costTable, throughputTable} from './report';
import {
  NOTIFY_DEVICES,
  NOTIFY_USER,
  USERS,
  addRequest,
  floorRequest,
  removeRequest,
  runRow,
  send,
  type RowOptions,
  type RowResult,
  type RowSpec,
} from './scenarios';
import {
  functionEnv,
  seedUsers,
  startEmulators,
  startServer,
  type ServerProcess,
} from './stack';

const num = (name: string, fallback: number) => {
  const raw = process.env[name];
  return raw && /^\d+$/.test(raw) ? Number(raw) : fallback;
};

/**
 * The users' bcrypt cost. With the auth cache on (the default) no load request runs bcrypt:
 * each user is verified once while warming up, so a low cost only makes that warm-up of
 * 400 users per stack cheap. Cold starts use cost 10, as Laravel's default.
 */
const LOAD_BCRYPT_COST = 4;

/**
 * The rows measure a warm instance's request, whose credentials were verified moments
 * ago. With the default TTL (60 s) the warm-up's verifications would expire in the middle
 * of the run, and later rows would measure a mix of warm requests and re-verifications
 * (two more reads and a bcrypt each) that depends on how long the earlier rows took.
 */
const AUTH_CACHE_TTL_MS = 30 * 60_000;
const COLD_BCRYPT_COST = 10;

const loadAvg = () => os.loadavg().map(x => Math.round(x * 100) / 100);

async function seed(projectId: string, users: number, cost: number) {
  const {Firestore} = await import('@google-cloud/firestore');
  const db = new Firestore({projectId});
  await seedUsers(
    db as unknown as Parameters<typeof seedUsers>[0],
    users,
    cost,
  );
  await db.terminate();
}

/** Sends `requests` with a few in parallel; throws unless each answers one of `ok`. */
async function sendAll(
  server: ServerProcess,
  requests: Array<Parameters<typeof send>[1]>,
  ok: number[],
): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < requests.length; i += 16) {
    const answers = await Promise.all(
      requests.slice(i, i + 16).map(r => send(server.url, r)),
    );
    for (const a of answers) {
      if (!ok.includes(a.status))
        throw new Error(`warm-up answered ${a.status}: ${a.body}`);
      bodies.push(a.body);
    }
  }
  return bodies;
}

/** Runs every row and writes bench/results/latest.json. */
export async function runBenchmark(): Promise<void> {
  const durationS = num('BENCH_DURATION_S', 4);
  const rounds = num('BENCH_ROUNDS', 3);
  const connections = num('BENCH_CONNECTIONS', 20);
  const coldRuns = num('BENCH_COLD_RUNS', 5);
  const loadAtStart = loadAvg();
  process.stdout.write(
    `Load average ${loadAtStart.join(' ')} on ${os.cpus().length} CPUs. Starting the emulators…\n`,
  );
  const emulators = await startEmulators();
  if (emulators.javaPid === null)
    process.stdout.write(
      "  (the emulator's JVM was not found in /proc: its CPU is not reported)\n",
    );
  const servers: ServerProcess[] = [];
  const oidc = benchOidc();
  try {
    const start = async (
      projectId: string,
      extra: Record<string, string>,
      script?: string,
      nodeArgs?: string[],
    ) => {
      await seed(projectId, NOTIFY_USER, LOAD_BCRYPT_COST);
      const server = await startServer(
        functionEnv(emulators, {
          GOOGLE_CLOUD_PROJECT: projectId,
          AUTH_CACHE_MAX_ENTRIES: '10000',
          AUTH_CACHE_TTL_MS: String(AUTH_CACHE_TTL_MS),
          ...extra,
        }),
        script,
        nodeArgs,
      );
      servers.push(server);
      return server;
    };
    const floor = await start('bench-floor', {}, 'floor.js');
    // The same floor inside the Functions Framework: the second floor every row is quoted against.
    const floorFramework = await start(
      'bench-floor',
      {BENCH_FLOOR_FRAMEWORK: '1'},
      'floor.js',
    );
    const fcm = await start('bench-fcm', {DEVICE_GROUPS: 'fcm'});
    const fs = await start('bench-fs', {
      DEVICE_GROUPS: 'firestore',
      NOTIFY_OIDC_AUDIENCE: BENCH_AUDIENCE,
      NOTIFY_SERVICE_ACCOUNTS: BENCH_CALLER,
      BENCH_OIDC_PUBLIC_KEY: oidc.publicKeyPem,
    });
    // The same floor with Firestore over REST (preferRest): warm throughput of the transport.
    const floorRest = await start(
      'bench-floor',
      {BENCH_PREFER_REST: '1'},
      'floor.js',
      ['--require', path.join(__dirname, 'firestore-preload.js')],
    );
    const rows = await runRows(
      {floor, floorFramework, floorRest, fcm, fs, idToken: oidc.idToken},
      {
        rounds,
        durationS,
        connections,
        javaPid: emulators.javaPid,
      },
    );

    process.stdout.write('\nCold starts…\n');
    await seed('bench-cold-start', 1, COLD_BCRYPT_COST);
    const coldStarts = await measureColdStarts(
      functionEnv(emulators, {GOOGLE_CLOUD_PROJECT: 'bench-cold-start'}),
      1,
      coldRuns,
    );
    const importMs = measureImport(coldRuns);
    const loadAtEnd = loadAvg();

    const tables = {
      throughput: throughputTable(rows.measured),
      cost: costTable(rows.measured),
      coldStarts: coldStartTable(coldStarts),
    };
    process.stdout.write(
      `\n${tables.throughput}\n\n${tables.cost}\n\n${tables.coldStarts}\n\n` +
        `require('dist/functions/index.js'): median ${median(importMs)} ms of [${importMs.join(', ')}]\n` +
        rows.skipped.map(s => `Skipped: ${s}\n`).join('') +
        `Load average: ${loadAtStart.join(' ')} at the start, ${loadAtEnd.join(' ')} at the end\n`,
    );
    const out = path.resolve(__dirname, '..', '..', 'bench', 'results');
    mkdirSync(out, {recursive: true});
    const record = {
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        loadAvg: {start: loadAtStart, end: loadAtEnd},
      },
      settings: {
        segmentS: durationS,
        rounds,
        connections,
        users: USERS,
        loadBcryptCost: LOAD_BCRYPT_COST,
        coldBcryptCost: COLD_BCRYPT_COST,
        coldRuns,
        authCache: `on, ${AUTH_CACHE_TTL_MS / 60_000} min (the default is 1 min)`,
      },
      rows: rows.measured,
      skipped: rows.skipped,
      coldStarts,
      importMs: {runs: importMs, median: median(importMs)},
      tables,
    };
    writeFileSync(
      path.join(out, 'latest.json'),
      JSON.stringify({...record, ...batchEntry(out)}, null, 2) + '\n',
    );
    process.stdout.write(`\nWrote ${path.join(out, 'latest.json')}\n`);
  } finally {
    for (const server of servers) await server.stop();
    await emulators.stop();
  }
}

/** `npm run bench:batch`'s entry of the record in `dir`, kept when this run rewrites it. */
function batchEntry(dir: string): {batch?: unknown} {
  try {
    const {batch} = JSON.parse(
      readFileSync(path.join(dir, 'latest.json'), 'utf8'),
    ) as {batch?: unknown};
    return batch === undefined ? {} : {batch};
  } catch {
    return {};
  }
}

interface Stacks {
  floor: ServerProcess;
  /** floor.ts inside the Functions Framework. */
  floorFramework: ServerProcess;
  floorRest: ServerProcess;
  fcm: ServerProcess;
  fs: ServerProcess;
  /** Signs notifyUser's callers' ID tokens (oidc.ts). */
  idToken: () => string;
}

async function runRows(
  {floor, floorFramework, floorRest, fcm, fs, idToken}: Stacks,
  opts: RowOptions,
): Promise<{
  measured: Array<RowResult & {loadAvg: number[]}>;
  skipped: string[];
}> {
  let seq = 0;
  const fresh = (tag: string) => `bench-${tag}-${++seq}-${'x'.repeat(120)}`;
  // Round robin over the users: new tokens spread evenly, so no user reaches the device
  // maximum (20) and no new-token row turns into an eviction row.
  let rr = 0;
  const nextUser = () => 1 + (rr++ % USERS);
  const users = Array.from({length: USERS}, (_, i) => i + 1);

  process.stdout.write(
    `Warming up: one registration per user on each stack (${USERS} users)…\n`,
  );
  // The first registration verifies each user once (cached from then on) and, on the fcm
  // stack, creates the user's group; these tokens are the repeat rows' tokens.
  const repeatOf = async (server: ServerProcess, tag: string) => {
    const tokens = users.map(u => fresh(`${tag}-repeat-${u}`));
    await sendAll(
      server,
      users.map(u => addRequest(u, tokens[u - 1]!)),
      [201],
    );
    return tokens;
  };
  const fcmRepeat = await repeatOf(fcm, 'fcm');
  const fsRepeat = await repeatOf(fs, 'fs');
  const floorRepeat = users.map(u => `floor-repeat-${u}-${'x'.repeat(120)}`);
  await sendAll(
    floor,
    users.flatMap(u => [
      floorRequest('firestore', u, floorRepeat[u - 1]!),
      floorRequest('fcm', u, fresh('floor-warm')),
    ]),
    [201],
  );
  await sendAll(fcm, [{method: 'GET', path: '/hello'}], [200]);
  await sendAll(
    floorRest,
    users.slice(0, 32).map(u => floorRequest('firestore', u, fresh('rest'))),
    [201],
  );

  const measured: Array<RowResult & {loadAvg: number[]}> = [];
  const skipped: string[] = [];
  const row = async (spec: RowSpec) => {
    const load = loadAvg();
    // Every row on the node:http floor is also quoted against the same floor in the framework.
    // (Not the transport row: its two sides are both floors.)
    const frameworkFloor =
      spec.floor.server === floor && spec.ours.server !== floorRest
        ? floorFramework
        : undefined;
    measured.push({
      ...(await runRow({...spec, frameworkFloor}, opts)),
      loadAvg: load,
    });
  };
  const repeatFrom = (tokens: string[]) => () => {
    const user = nextUser();
    return {user, token: tokens[user - 1]!};
  };

  process.stdout.write(
    `\nRows: ${opts.rounds} rounds of (floor ${opts.durationS} s, the floor in the Functions Framework ${opts.durationS} s, ours ${opts.durationS} s), ${opts.connections} connections\n`,
  );
  await row({
    name: 'hello-world: Functions Framework vs node:http',
    target: '(overhead)',
    floor: {server: floor, next: () => ({method: 'GET', path: '/hello'})},
    ours: {server: fcm, next: () => ({method: 'GET', path: '/hello'})},
  });
  await row({
    name: 'fcm backend: new token',
    target: '≥ 0.6',
    floor: {
      server: floor,
      next: () => floorRequest('fcm', nextUser(), fresh('floor')),
    },
    ours: {server: fcm, next: () => addRequest(nextUser(), fresh('fcm'))},
  });
  const fcmRep = repeatFrom(fcmRepeat);
  const floorRep = repeatFrom(floorRepeat);
  await row({
    name: 'fcm backend: repeat registration',
    target: '≥ 0.8',
    floor: {
      server: floor,
      next: () => {
        const {user, token} = floorRep();
        return floorRequest('fcm', user, token);
      },
    },
    ours: {
      server: fcm,
      next: () => {
        const {user, token} = fcmRep();
        return addRequest(user, token);
      },
    },
  });
  // The new tokens registered on the firestore stack are the remove row's tokens.
  const registered: Array<{user: number; token: string}> = [];
  await row({
    name: 'firestore backend: new token',
    target: '≥ 1.0',
    floor: {
      server: floor,
      next: () => floorRequest('firestore', nextUser(), fresh('floor')),
    },
    ours: {
      server: fs,
      next: () => addRequest(nextUser(), fresh('fs')),
      onResponse: (status, body) => {
        if (status !== 201) return;
        const json = JSON.parse(body) as {
          user_id: number;
          registration_id: string;
        };
        registered.push({user: json.user_id, token: json.registration_id});
      },
    },
  });
  const fsRep = repeatFrom(fsRepeat);
  await row({
    name: 'firestore backend: repeat registration',
    target: '≥ 1.0',
    floor: {
      server: floor,
      next: () => {
        const {user, token} = floorRep();
        return floorRequest('firestore', user, token);
      },
    },
    ours: {
      server: fs,
      next: () => {
        const {user, token} = fsRep();
        return addRequest(user, token);
      },
    },
  });
  const perSegment = Math.floor(registered.length / opts.rounds);
  let spare = 0;
  await row({
    name: 'firestore backend: remove',
    target: '≥ 1.0',
    floor: {
      server: floor,
      next: () => floorRequest('firestore', nextUser(), fresh('floor')),
    },
    ours: {
      server: fs,
      amount: perSegment,
      next: () => {
        const item = registered.shift();
        if (item) return removeRequest(item.user, item.token);
        spare++; // autocannon asked for more than `amount`: a token the user does not have
        return removeRequest(nextUser(), fresh('fs-none'));
      },
    },
    note: `${perSegment} registered tokens per segment, each removed once`,
  });
  if (spare > 0)
    measured.at(-1)!.note +=
      `; ${spare} requests removed a token the user did not have`;

  await row({
    name: 'Firestore over REST (preferRest) vs gRPC: the floor transaction',
    target: '(information)',
    floor: {
      server: floor,
      next: () => floorRequest('firestore', nextUser(), fresh('floor')),
    },
    ours: {
      server: floorRest,
      next: () => floorRequest('firestore', nextUser(), fresh('floor-rest')),
    },
    note: 'both sides are the floor server; "ours" runs Firestore with preferRest',
  });

  const notify = await notifyRow(floor, fs, fresh, idToken);
  if (typeof notify === 'string') {
    skipped.push(notify);
    process.stdout.write(`  Skipped: ${notify}\n`);
  } else {
    await row(notify);
  }
  return {measured, skipped};
}

/**
 * The notify row, when this branch has notifyUser (POST /users/{user}/notifications): ours
 * sends to a user with 20 devices on the firestore stack; the floor makes 20 parallel v1
 * sends to the FCM emulator. A string (the reason) when it cannot run.
 */
async function notifyRow(
  floor: ServerProcess,
  fs: ServerProcess,
  fresh: (tag: string) => string,
  idToken: () => string,
): Promise<RowSpec | string> {
  const {routesFor} = await import('../shared/http/routes');
  const notifyPath = `/api/users/${NOTIFY_USER}/notifications`;
  if (!routesFor(notifyPath).some(r => r.method === 'POST'))
    return 'notify: this branch has no notifyUser route (POST /users/{user}/notifications)';
  const tokens = Array.from({length: NOTIFY_DEVICES}, () => fresh('notify'));
  for (const token of tokens) {
    const r = await send(fs.url, addRequest(NOTIFY_USER, token));
    if (r.status !== 201)
      return `notify: registering the user's devices answered ${r.status}`;
  }
  // One token for the whole row: verifying it is part of each request, signing it is not.
  const request: GeneratedRequest = {
    method: 'POST',
    path: notifyPath,
    headers: {authorization: `Bearer ${idToken()}`},
    body: {notification: {title: 'Bench', body: 'notify'}},
  };
  const probe = await send(fs.url, request);
  if (probe.status !== 200)
    return `notify: notifyUser answered ${probe.status} (${probe.body.slice(0, 200)})`;
  const sent = (JSON.parse(probe.body) as {sent?: number}).sent;
  if (sent !== NOTIFY_DEVICES)
    return `notify: notifyUser sent to ${sent} devices, not ${NOTIFY_DEVICES}`;
  return {
    name: `notify: a user with ${NOTIFY_DEVICES} devices (firestore backend)`,
    target: '≥ 0.8',
    floor: {
      server: floor,
      next: () => ({method: 'POST', path: '/send', body: {tokens}}),
    },
    ours: {server: fs, next: () => request},
    note: `floor: ${NOTIFY_DEVICES} parallel v1 sends to the FCM emulator`,
  };
}
