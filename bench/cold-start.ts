/**
 * Cold start: time from spawning `functions-framework --target=X` to its first 2xx answer,
 * for each function and for a hello-world function, several runs each (median reported).
 * The request polled with is a real one (addDevice registers a new token for a seeded
 * user), so the time includes loading the SDKs, the first Firestore round trips and bcrypt.
 * Also reports how long `require('dist/functions/index.js')` alone takes.
 *
 * Two more addDevice variants load Firestore up front through bench/firestore-preload.ts,
 * once over gRPC and once with `preferRest`, so the two differ only in the transport.
 */
import {spawn, spawnSync} from 'node:child_process';
import {track} from './children';
import path from 'node:path';
import {findFreePort} from '../tools/firestore-emulator/free-port';
import {basicAuth} from './stack';

export interface ColdStartResult {
  target: string;
  /** Spawn to the first answer of any kind (a request no SDK is needed for). */
  readyRuns: number[];
  readyMedianMs: number | null;
  readyRatioToHello?: number | null;
  /** Spawn to the first 2xx of a real request (includes SDK loading, Firestore, bcrypt). */
  runs: number[];
  medianMs: number | null;
  /** The status of the first answer when no 2xx came. */
  firstStatus?: number;
  ratioToHello?: number | null;
}

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'node_modules', '.bin', 'functions-framework');

export const median = (xs: number[]) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? s[(s.length - 1) / 2]!
    : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Target {
  /** The row's name; `target` is the function, when it differs. */
  name: string;
  target?: string;
  source: string;
  /** A module `node --require`s before the Functions Framework, and its environment. */
  preload?: {module: string; env: Record<string, string>};
  request: (run: number) => {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: string;
  };
}

export function coldStartTargets(user: number): Target[] {
  const index = path.join(ROOT, 'dist', 'functions', 'index.js');
  const device = (method: string, run: number) => ({
    method,
    path: `/users/${user}/fcm_registration_tokens`,
    headers: {
      authorization: basicAuth(user),
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      registration_id: `cold-start-${process.pid}-${run}-${Date.now()}`,
    }),
  });
  return [
    {
      name: 'hello',
      source: path.join(ROOT, 'dist', 'bench', 'hello.js'),
      request: () => ({method: 'GET', path: '/'}),
    },
    {name: 'addDevice', source: index, request: run => device('POST', run)},
    ...(['0', '1'] as const).map(preferRest => ({
      name: `addDevice, Firestore preloaded, ${preferRest === '1' ? 'preferRest' : 'gRPC'}`,
      target: 'addDevice',
      source: index,
      preload: {
        module: path.join(ROOT, 'dist', 'bench', 'firestore-preload.js'),
        env: {BENCH_PREFER_REST: preferRest},
      },
      request: (run: number) => device('POST', run),
    })),
    {
      name: 'removeDevice',
      source: index,
      request: run => device('DELETE', run),
    },
    {
      name: 'cron',
      source: index,
      request: () => ({
        method: 'GET',
        path: '/',
        headers: {
          'x-cloudscheduler': 'true',
          'x-appengine-cron': 'true',
          'x-forwarded-for': '10.0.0.1',
          'user-agent': 'Google-Cloud-Scheduler',
        },
      }),
    },
  ];
}

/**
 * One spawn: polls with a request our code answers without any SDK (a wrong method: 405/404)
 * until the server answers ("ready"), then sends the real request ("first 2xx").
 */
async function once(
  target: Target,
  run: number,
  env: NodeJS.ProcessEnv,
): Promise<{readyMs: number | null; ms: number | null; status: number}> {
  const port = await findFreePort();
  const started = performance.now();
  const child = track(
    spawn(
      process.execPath,
      [
        ...(target.preload ? ['--require', target.preload.module] : []),
        CLI,
        `--target=${target.target ?? target.name}`,
        `--source=${target.source}`,
        `--port=${port}`,
      ],
      {
        env: {...env, ...target.preload?.env, PORT: String(port)},
        stdio: 'ignore',
      },
    ),
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    let readyMs: number | null = null;
    while (readyMs === null && performance.now() < started + 20_000) {
      try {
        const res = await fetch(`${base}/ready-probe`, {method: 'PATCH'});
        await res.arrayBuffer();
        readyMs = performance.now() - started;
      } catch {
        await new Promise(resolve => setTimeout(resolve, 5)); // not listening yet
      }
    }
    if (readyMs === null) return {readyMs, ms: null, status: 0};
    const r = target.request(run);
    const res = await fetch(base + r.path, {
      method: r.method,
      headers: r.headers,
      body: r.body,
    });
    await res.arrayBuffer();
    return {
      readyMs,
      ms: res.ok ? performance.now() - started : null,
      status: res.status,
    };
  } finally {
    const exited = new Promise(resolve => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

/**
 * Runs every target `runs` times, one run of each target in turn (rather than all runs of one
 * target, then the next), so that a busy spell on the machine spreads over all of them.
 */
export async function measureColdStarts(
  env: NodeJS.ProcessEnv,
  user: number,
  runs: number,
): Promise<ColdStartResult[]> {
  const targets = coldStartTargets(user);
  const samples = targets.map(() => ({
    times: [] as number[],
    ready: [] as number[],
    status: 0,
  }));
  for (let run = 0; run < runs; run++) {
    for (const [i, target] of targets.entries()) {
      const outcome = await once(target, run, env);
      const sample = samples[i]!;
      sample.status = outcome.status;
      if (outcome.readyMs !== null) sample.ready.push(outcome.readyMs);
      if (outcome.ms !== null) sample.times.push(outcome.ms);
    }
  }
  const results = targets.map((target, i): ColdStartResult => {
    const {times, ready, status} = samples[i]!;
    const result: ColdStartResult = {
      target: target.name,
      readyRuns: ready.map(Math.round),
      readyMedianMs: median(ready),
      runs: times.map(Math.round),
      medianMs: median(times),
      ...(times.length === 0 ? {firstStatus: status} : {}),
    };
    process.stdout.write(
      `  cold start ${target.name}: ready ${Math.round(result.readyMedianMs ?? NaN)} ms, first 2xx ${times.length ? `${Math.round(result.medianMs!)} ms` : `none (answered ${status})`} (medians of ${runs})\n`,
    );
    return result;
  });
  const hello = results.find(r => r.target === 'hello');
  for (const r of results) {
    r.ratioToHello =
      hello?.medianMs && r.medianMs ? r.medianMs / hello.medianMs : null;
    r.readyRatioToHello =
      hello?.readyMedianMs && r.readyMedianMs
        ? r.readyMedianMs / hello.readyMedianMs
        : null;
  }
  return results;
}

/** Milliseconds `require('dist/functions/index.js')` takes in a fresh process, several runs. */
export function measureImport(runs: number): number[] {
  const index = path.join(ROOT, 'dist', 'functions', 'index.js');
  const script = `const t=performance.now();require(${JSON.stringify(index)});process.stdout.write(String(performance.now()-t))`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: {...process.env, FCM_SENDER_ID: '1'},
    });
    times.push(Math.round(Number(r.stdout)));
  }
  return times;
}
