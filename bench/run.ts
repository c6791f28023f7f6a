/**
 * `npm run bench`: starts the official Firestore emulator and the FCM emulator, runs every
 * scenario against the functions (auth cache off, then on) and against the floor, measures
 * cold starts, prints the tables and writes bench/results/latest.json. A benchmark, not a
 * test: it fails only when the stack cannot run, never on a number.
 *
 * Environment: BENCH_DURATION_S (default 6), BENCH_CONNECTIONS (20), BENCH_COLD_RUNS (5).
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {measureColdStarts, measureImport, median} from './cold-start';
import {coldStartTable, scenarioTable, type SuiteReport} from './report';
import {FULL_USER, USERS, runSuite} from './scenarios';
import {functionEnv, seedUsers, startEmulators, startServer} from './stack';

const num = (name: string, fallback: number) => {
  const raw = process.env[name];
  return raw && /^\d+$/.test(raw) ? Number(raw) : fallback;
};

const COLD_PROJECT = 'bench-cold-start';

const CONFIGS: Array<{config: string; env: Record<string, string>}> = [
  {config: 'off', env: {AUTH_CACHE_TTL_MS: '0'}},
  {
    config: 'on (60 s)',
    env: {AUTH_CACHE_TTL_MS: '60000', AUTH_CACHE_MAX_ENTRIES: '10000'},
  },
];

async function main(): Promise<void> {
  const durationS = num('BENCH_DURATION_S', 6);
  const connections = num('BENCH_CONNECTIONS', 20);
  const coldRuns = num('BENCH_COLD_RUNS', 5);
  process.stdout.write(
    'Starting the Firestore emulator and the FCM emulator…\n',
  );
  const emulators = await startEmulators();
  const suites: SuiteReport[] = [];
  try {
    const {Firestore} = await import('@google-cloud/firestore');
    for (const [i, {config, env}] of CONFIGS.entries()) {
      // A fresh project per configuration rather than a reset: a stopped server can leave
      // emulator transaction locks behind that block a reset for a long while.
      const projectId = `bench-run-${i}`;
      await fetch(`${emulators.fcm.url}/emulator/groups`, {method: 'DELETE'});
      const db = new Firestore({projectId});
      await seedUsers(
        db as unknown as Parameters<typeof seedUsers>[0],
        FULL_USER,
      );
      await db.terminate();
      const server = await startServer(
        functionEnv(emulators, {...env, GOOGLE_CLOUD_PROJECT: projectId}),
      );
      process.stdout.write(
        `\nAuth cache ${config}: ${durationS} s per scenario, ${connections} connections, ${USERS} users (bcrypt cost 10)\n`,
      );
      try {
        suites.push({
          config,
          env,
          scenarios: await runSuite({
            server,
            durationS,
            connections,
            tag: `s${i}`,
          }),
        });
      } finally {
        await server.stop();
      }
    }
    process.stdout.write('\nCold starts…\n');
    // A project of their own: a stopped server can leave emulator transaction locks behind
    // in the load runs' project for a while.
    const coldDb = new Firestore({projectId: COLD_PROJECT});
    await seedUsers(coldDb as unknown as Parameters<typeof seedUsers>[0], 1);
    await coldDb.terminate();
    const coldStarts = await measureColdStarts(
      functionEnv(emulators, {GOOGLE_CLOUD_PROJECT: COLD_PROJECT}),
      1,
      coldRuns,
    );
    const importMs = measureImport(coldRuns);

    const scenarios = scenarioTable(suites);
    const cold = coldStartTable(coldStarts);
    process.stdout.write(
      `\n${scenarios}\n\n${cold}\n\nrequire('dist/functions/index.js'): median ${median(importMs)} ms of [${importMs.join(', ')}]\n`,
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
      },
      settings: {
        durationS,
        connections,
        users: USERS,
        bcryptCost: 10,
        coldRuns,
      },
      suites,
      coldStarts,
      importMs: {runs: importMs, median: median(importMs)},
      tables: {scenarios, coldStarts: cold},
    };
    writeFileSync(
      path.join(out, 'latest.json'),
      JSON.stringify(record, null, 2) + '\n',
    );
    process.stdout.write(`\nWrote ${path.join(out, 'latest.json')}\n`);
  } finally {
    await emulators.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
