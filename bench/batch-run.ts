/**
 * The body of `npm run bench:batch` (batch.ts): 10,000 users × 1 device (firestore backend)
 * sent as batches end to end through the local emulators, against a floor of the same
 * sends made directly, alternately, for a few rounds.
 *
 *   ours   the batches are created by the shared module notifyUsers' POST runs (record,
 *          then one Pub/Sub message per user, 10 batches of 1,000 as the notify command
 *          splits them); the official Pub/Sub emulator pushes each message to
 *          deliverNotification, served by functions-framework on dist/ in its own process
 *          (tools/cli/function-process.ts), which reads Firestore, claims, sends to the FCM
 *          emulator and records. Timed from the first create until the last push is
 *          answered (the batch is done then: the last user's record is committed before it).
 *   floor  a bare node process (batch-floor.ts) sends to the same 10,000 tokens on the same
 *          FCM emulator with as many sends in flight as the pipeline had pushes in flight
 *          (measured in the warm-up).
 *
 * Each pipeline round is checked: every batch `done` with 1,000 sent, and the FCM emulator
 * got exactly one message per seeded token (10,000 deliveries, 10,000 distinct tokens, no
 * other), checked again after the next segment for late duplicates. The probe in the
 * function's process (batch-probe.ts) says where the time goes.
 */
import {spawn} from 'node:child_process';
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {Firestore} from 'firebase-admin/firestore';
import type {BatchStatus} from '../shared/notify/batch';
import {parseConfig} from '../shared/platform/config';
import {createLogger} from '../shared/platform/logger';
import {createRuntime} from '../shared/runtime';
import {startFunctionProcess} from '../tools/cli/function-process';
import {fcmControl} from '../tools/fcm-emulator/control';
import {findFreePort} from '../tools/firestore-emulator/free-port';
import {seedDeviceUsers} from '../tools/firestore-emulator/seed-devices';
import {startPubsubEmulator} from '../tools/pubsub-emulator/start';
import {
  removeNotifySubscriptions,
  setUpNotifyTopics,
} from '../tools/pubsub-emulator/topics';
import type {ProbeStats} from './batch-probe';
import {track} from './children';
import {findJavaPid, processCpuMs} from './proc-cpu';
import {PROJECT, SENDER, functionEnv, startEmulators} from './stack';

const num = (name: string, fallback: number) => {
  const raw = process.env[name];
  return raw && /^\d+$/.test(raw) ? Number(raw) : fallback;
};

const TOPIC = 'notifications';
const PER_BATCH = 1000;
const WARM_UP = 200;
const FLOOR_PROJECT = 'bench-batch-floor';
const MESSAGE = {notification: {title: 'Bench', body: 'batch'}};
const ROOT = path.resolve(__dirname, '..', '..');
const loadAvg = () => os.loadavg().map(x => Math.round(x * 100) / 100);
const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;

interface FloorSegment {
  ms: number;
  sent: number;
  failed: number;
  cpuMs: number;
  maxRssBytes: number;
  /** The bench process's CPU (the FCM emulator) over the segment. */
  fcmEmulatorCpuMs: number;
}

interface PipelineSegment {
  /** First create to the last push answered. */
  ms: number;
  /** First create to the last batch published. */
  publishMs: number;
  probe: ProbeStats;
  /** CPU of each process over the segment (ms); null when a JVM could not be read. */
  cpuMs: {
    function: number;
    firestoreEmulator: number | null;
    pubsubEmulator: number | null;
    benchAndFcmEmulator: number;
  };
  statuses: BatchStatus[];
  /** Once the segment is over, after a full garbage collection. */
  afterGc: {rssBytes: number; heapUsedBytes: number};
}

/** Runs the rounds; writes the `batch` entry of bench/results/latest.json. */
export async function runBatchBench(): Promise<void> {
  const users = num('BENCH_BATCH_USERS', 10_000);
  const rounds = num('BENCH_BATCH_ROUNDS', 2);
  const loadAtStart = loadAvg();
  process.stdout.write(
    `Load average ${loadAtStart.join(' ')} on ${os.cpus().length} CPUs. Starting the emulators…\n`,
  );
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const emulators = await startEmulators();
  const pubsub = await startPubsubEmulator();
  process.env.PUBSUB_EMULATOR_HOST = pubsub.host;
  const firestoreJava = emulators.javaPid;
  const pubsubJava = findJavaPid(pubsub.host.split(':').pop()!);
  const fcm = fcmControl(emulators.fcm.url);
  const tokenFile = path.join(os.tmpdir(), `bench-batch-${process.pid}.txt`);
  const closers: Array<() => Promise<unknown>> = [];
  try {
    const ids = Array.from({length: users}, (_, i) => String(i + 1));
    process.stdout.write(`Seeding ${users} users × 1 device…\n`);
    const tokens = await seedDeviceUsers(
      emulators.db as unknown as Firestore,
      ids,
      1,
      id => `bench-batch-${id}-${'x'.repeat(120)}`,
    );
    const allTokens = ids.map(id => tokens.get(id)![0]!);
    writeFileSync(tokenFile, allTokens.join('\n') + '\n');

    const port = await findFreePort();
    const probePort = await findFreePort();
    const fn = await startFunctionProcess({
      target: 'deliverNotification',
      signatureType: 'cloudevent',
      port,
      env: functionEnv(emulators, {
        DEVICE_GROUPS: 'firestore',
        PUBSUB_EMULATOR_HOST: pubsub.host,
        METADATA_SERVER_DETECTION: 'none',
        NOTIFY_TOPIC: TOPIC,
        BENCH_PROBE_PORT: String(probePort),
      }),
      nodeArgs: [
        '--expose-gc',
        '--require',
        path.join(__dirname, 'batch-probe.js'),
      ],
      keepOutput: false,
      onLine: line => {
        if (/"severity":"(ERROR|CRITICAL)"/.test(line))
          process.stdout.write(`  function: ${line}\n`);
      },
    });
    closers.push(() => fn.stop());
    // Killed with the bench however it exits, as children.ts does for the others.
    process.on('exit', () => {
      if (fn.running()) fn.kill();
    });
    const probe = async (query = ''): Promise<ProbeStats> => {
      const res = await fetch(`http://127.0.0.1:${probePort}/${query}`);
      return (await res.json()) as ProbeStats;
    };
    // Pushes go straight to the function, as Eventarc's go to its Cloud Run service.
    await setUpNotifyTopics({
      emulatorHost: pubsub.host,
      projectId: PROJECT,
      topic: TOPIC,
      pushBase: `http://127.0.0.1:${port}`,
      ackDeadlineSeconds: 60,
    });
    closers.push(() =>
      removeNotifySubscriptions({
        emulatorHost: pubsub.host,
        projectId: PROJECT,
        topic: TOPIC,
      }),
    );
    const runtime = createRuntime(
      parseConfig({
        GOOGLE_CLOUD_PROJECT: PROJECT,
        FCM_EMULATOR_HOST: emulators.fcm.host,
        FCM_SENDER_ID: SENDER,
        DEVICE_GROUPS: 'firestore',
        NOTIFY_TOPIC: TOPIC,
      }),
      createLogger('WARNING'),
    );
    closers.push(() => runtime.notifyBatches.close());
    const log = runtime.log;

    /** Checks that the sender got exactly one message per token of `expected`, and clears. */
    const exactlyOnce = async (project: string, expected: string[]) => {
      const deliveries = await fcm.deliveries(project);
      const seen = new Map<string, number>();
      for (const d of deliveries)
        seen.set(d.token, (seen.get(d.token) ?? 0) + 1);
      const twice = [...seen.values()].filter(n => n > 1).length;
      const missing = expected.filter(t => !seen.has(t)).length;
      const strangers = [...seen.keys()].filter(
        t => !tokens.has(tokenUser(t)),
      ).length;
      if (
        deliveries.length !== expected.length ||
        twice + missing + strangers > 0
      )
        throw new Error(
          `${project}: ${deliveries.length} deliveries for ${expected.length} tokens (${twice} tokens twice or more, ${missing} missing, ${strangers} unknown)`,
        );
      return deliveries.length;
    };
    const tokenUser = (token: string) =>
      /^bench-batch-(\d+)-/.exec(token)?.[1] ?? '';

    const pipeline = async (
      userIds: string[],
      timeoutMs = 600_000,
    ): Promise<PipelineSegment> => {
      await probe('?reset=1');
      const benchCpu = process.cpuUsage();
      const fsCpu = processCpuMs(firestoreJava);
      const psCpu = processCpuMs(pubsubJava);
      const started = Date.now();
      const chunks: string[][] = [];
      for (let i = 0; i < userIds.length; i += PER_BATCH)
        chunks.push(userIds.slice(i, i + PER_BATCH));
      const created = [];
      // One after the other, as the notify command and a caller's loop create them.
      for (const chunk of chunks)
        created.push(
          await runtime.notifyBatches.create(
            {
              caller: 'bench',
              users: chunk,
              message: MESSAGE,
              expiresInMs: undefined,
              idempotencyKey: undefined,
            },
            log,
          ),
        );
      const publishMs = Date.now() - started;
      let stats: ProbeStats;
      for (;;) {
        stats = await probe();
        const ok = Object.entries(stats.pushes.statuses)
          .filter(([code]) => code.startsWith('2'))
          .reduce((a, [, n]) => a + n, 0);
        if (ok >= userIds.length) break;
        if (Date.now() - started > timeoutMs)
          throw new Error(
            `after ${timeoutMs} ms: ${JSON.stringify(stats.pushes.statuses)} of ${userIds.length} pushes`,
          );
        await new Promise(resolve => setTimeout(resolve, 100));
      }
      const ms = stats.pushes.lastEnd! - started;
      const cpuMs = {
        function: stats.cpuMs,
        firestoreEmulator: delta(fsCpu, processCpuMs(firestoreJava)),
        pubsubEmulator: delta(psCpu, processCpuMs(pubsubJava)),
        benchAndFcmEmulator: cpuOf(process.cpuUsage(benchCpu)),
      };
      const statuses: BatchStatus[] = [];
      for (const batch of created) {
        const status = await runtime.notifyBatches.status(batch.id, log);
        if (
          status?.status !== 'done' ||
          status.sent !== batch.users ||
          status.sent +
            status.failed +
            status.removed +
            status.no_devices +
            status.unknown_users !==
            status.users
        )
          throw new Error(
            `batch not done as expected: ${JSON.stringify(status)}`,
          );
        statuses.push(status);
      }
      const collected = await probe('?gc=1');
      return {
        ms,
        publishMs,
        probe: stats,
        cpuMs,
        statuses,
        afterGc: {
          rssBytes: collected.rssBytes,
          heapUsedBytes: collected.heapUsedBytes,
        },
      };
    };

    const floor = async (concurrency: number): Promise<FloorSegment> => {
      const benchCpu = process.cpuUsage();
      const child = track(
        spawn(process.execPath, [path.join(__dirname, 'batch-floor.js')], {
          env: {
            PATH: process.env.PATH,
            FCM_EMULATOR_HOST: emulators.fcm.host,
            BENCH_FLOOR_TOKENS: tokenFile,
            BENCH_FLOOR_CONCURRENCY: String(concurrency),
            BENCH_FLOOR_PROJECT: FLOOR_PROJECT,
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        }),
      );
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      const code = await new Promise(resolve => child.once('exit', resolve));
      if (code !== 0) throw new Error(`the floor exited with ${code}`);
      const result = JSON.parse(out) as Omit<FloorSegment, 'fcmEmulatorCpuMs'>;
      return {
        ...result,
        fcmEmulatorCpuMs: cpuOf(process.cpuUsage(benchCpu)),
      };
    };

    // Warm-up: loads the function's SDKs and opens its channels, and shows how many pushes
    // the emulator keeps in flight: the floor's concurrency.
    process.stdout.write(`Warm-up: one batch of ${WARM_UP} users…\n`);
    const warm = await pipeline(ids.slice(0, WARM_UP));
    await exactlyOnce(SENDER, allTokens.slice(0, WARM_UP));
    await fcm.clearDeliveries(SENDER);
    const concurrency = warm.probe.pushes.inFlightMax;
    process.stdout.write(
      `  ${WARM_UP} users in ${warm.ms} ms; pushes in flight: at most ${concurrency}, mean ${warm.probe.pushes.inFlightMean.toFixed(1)}\n`,
    );

    const floors: FloorSegment[] = [];
    const ours: PipelineSegment[] = [];
    const checks: string[] = [];
    let pendingRecheck = false;
    for (let r = 0; r < rounds; r++) {
      const f = await floor(concurrency);
      if (f.sent !== users || f.failed !== 0)
        throw new Error(`the floor sent ${f.sent}, ${f.failed} failed`);
      checks.push(
        `floor round ${r + 1}: ${await exactlyOnce(FLOOR_PROJECT, allTokens)} deliveries, one per token`,
      );
      await fcm.reset(FLOOR_PROJECT);
      await fcm.reset(`${FLOOR_PROJECT}-warm-up`);
      floors.push(f);
      if (pendingRecheck) {
        checks.push(
          `ours round ${r}, again after the next floor segment: ${await exactlyOnce(SENDER, allTokens)} deliveries, one per token`,
        );
        await fcm.clearDeliveries(SENDER);
      }
      process.stdout.write(
        `  round ${r + 1} floor: ${users} sends in ${Math.round(f.ms)} ms (${((users * 1000) / f.ms).toFixed(0)}/s), ${concurrency} in flight\n`,
      );
      const o = await pipeline(ids);
      checks.push(
        `ours round ${r + 1}: ${o.statuses.length} batches done, ${o.statuses.reduce((a, s) => a + s.sent, 0)} users sent; ${await exactlyOnce(SENDER, allTokens)} deliveries, one per token`,
      );
      pendingRecheck = true;
      ours.push(o);
      process.stdout.write(
        `  round ${r + 1} ours:  ${users} sends in ${o.ms} ms (${((users * 1000) / o.ms).toFixed(0)}/s; published in ${o.publishMs} ms), pushes in flight max ${o.probe.pushes.inFlightMax} mean ${o.probe.pushes.inFlightMean.toFixed(1)}, statuses ${JSON.stringify(o.probe.pushes.statuses)}\n`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 2000));
    checks.push(
      `ours round ${rounds}, again 2 s later: ${await exactlyOnce(SENDER, allTokens)} deliveries, one per token`,
    );
    const loadAtEnd = loadAvg();
    const record = summarise(
      users,
      rounds,
      concurrency,
      floors,
      ours,
      checks,
      {start: loadAtStart, end: loadAtEnd},
      warm,
    );
    process.stdout.write(
      `\n${record.table}\n\n${record.timingsTable}\n\n${record.cpuTable}\n\n`,
    );
    const file = path.join(ROOT, 'bench', 'results', 'latest.json');
    mkdirSync(path.dirname(file), {recursive: true});
    let latest: Record<string, unknown> = {};
    try {
      latest = JSON.parse(readFileSync(file, 'utf8')) as Record<
        string,
        unknown
      >;
    } catch {
      // No record yet: this entry starts one.
    }
    latest.batch = record;
    writeFileSync(file, JSON.stringify(latest, null, 2) + '\n');
    process.stdout.write(`Wrote the "batch" entry of ${file}\n`);
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    rmSync(tokenFile, {force: true});
    await pubsub.stop();
    await emulators.stop();
  }
}

const cpuOf = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const delta = (a: number | null, b: number | null) =>
  a === null || b === null ? null : b - a;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const spread = (xs: number[]) =>
  `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

function summarise(
  users: number,
  rounds: number,
  concurrency: number,
  floors: FloorSegment[],
  ours: PipelineSegment[],
  checks: string[],
  loadAverage: {start: number[]; end: number[]},
  warm: PipelineSegment,
) {
  const rate = (ms: number) => (users * 1000) / ms;
  const floorRates = floors.map(f => rate(f.ms));
  const ourRates = ours.map(o => rate(o.ms));
  const floorRate = (users * floors.length * 1000) / sum(floors.map(f => f.ms));
  const ourRate = (users * ours.length * 1000) / sum(ours.map(o => o.ms));
  const roundRatios = ourRates.map((r, i) => r / floorRates[i]!);
  const sends = users * ours.length;

  // Where an event's time goes: the probe's timers over every measured round, per event.
  const timers: Record<string, {count: number; totalMs: number}> = {};
  const add = (label: string, t: {count: number; totalMs: number}) => {
    const into = (timers[label] ??= {count: 0, totalMs: 0});
    into.count += t.count;
    into.totalMs += t.totalMs;
  };
  for (const o of ours) {
    const ok = sum(
      Object.entries(o.probe.pushes.statuses)
        .filter(([c]) => c.startsWith('2'))
        .map(([, n]) => n),
    );
    add('push: the whole invocation (arrival to answer)', {
      count: ok,
      totalMs: o.probe.pushes.totalMs,
    });
    add('FCM: the v1 send', o.probe.fcm);
    for (const [label, t] of Object.entries(o.probe.firestore))
      add(`Firestore ${label}`, t);
  }
  const pushMs = timers['push: the whole invocation (arrival to answer)']!;
  // The emulator pushes from a fixed number of loops, each one message at a time (pull,
  // POST, wait for the answer, ack): a loop's time per message, less the invocation, is
  // spent in the emulator between pushes.
  const loops = Math.max(...ours.map(o => o.probe.pushes.inFlightMax));
  const loopMsPerMessage = (loops * sum(ours.map(o => o.ms))) / sends;
  timers['Pub/Sub emulator: a push loop between two invocations'] = {
    count: sends,
    totalMs: Math.max(0, loopMsPerMessage * sends - pushMs.totalMs),
  };
  const perEvent = Object.fromEntries(
    Object.entries(timers).map(([label, t]) => [
      label,
      {
        perEvent: round2(t.totalMs / sends),
        calls: t.count,
        meanMs: round2(t.totalMs / Math.max(1, t.count)),
        shareOfInvocation: round2(t.totalMs / pushMs.totalMs),
      },
    ]),
  );
  const cpu = (f: (o: PipelineSegment) => number | null) => {
    const xs = ours.map(f);
    return xs.some(x => x === null)
      ? null
      : round2(sum(xs as number[]) / sends);
  };
  const cpuPerSend = {
    function: cpu(o => o.cpuMs.function),
    firestoreEmulator: cpu(o => o.cpuMs.firestoreEmulator),
    pubsubEmulator: cpu(o => o.cpuMs.pubsubEmulator),
    benchAndFcmEmulator: cpu(o => o.cpuMs.benchAndFcmEmulator),
  };
  const floorCpuPerSend = {
    floorProcess: round2(
      sum(floors.map(f => f.cpuMs)) / (users * floors.length),
    ),
    benchAndFcmEmulator: round2(
      sum(floors.map(f => f.fcmEmulatorCpuMs)) / (users * floors.length),
    ),
  };
  const wallMs = sum(ours.map(o => o.ms));
  const inFlightMean =
    sum(ours.map(o => o.probe.pushes.inFlightMean * o.ms)) / wallMs;
  const peakRss = Math.max(...ours.map(o => o.probe.maxRssBytes));
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const name = `batch: ${users.toLocaleString('en')} users × 1 device through Pub/Sub (firestore backend)`;
  const table = [
    '| Row | Ours sends/s | Floor sends/s | × floor | Rounds × floor | Ours s (publish s) | Floor s | In flight (floor; ours max/mean) | Peak RSS of the function |',
    '|---|---:|---:|---:|---|---|---|---|---:|',
    `| ${name} | ${ourRate.toFixed(0)} | ${floorRate.toFixed(0)} | ${(ourRate / floorRate).toFixed(2)} | ${roundRatios.map(r => r.toFixed(2)).join(', ')} | ${ours.map(o => `${(o.ms / 1000).toFixed(1)} (${(o.publishMs / 1000).toFixed(1)})`).join(', ')} | ${floors.map(f => (f.ms / 1000).toFixed(1)).join(', ')} | ${concurrency}; ${Math.max(...ours.map(o => o.probe.pushes.inFlightMax))}/${inFlightMean.toFixed(1)} | ${mib(peakRss)} |`,
  ].join('\n');
  const timingsTable = [
    '| Per event (ours, all rounds) | Calls | Mean ms per call | ms per event | Share of the invocation |',
    '|---|---:|---:|---:|---:|',
    ...Object.entries(perEvent)
      .sort((a, b) => b[1].perEvent - a[1].perEvent)
      .map(
        ([label, t]) =>
          `| ${label} | ${t.calls} | ${t.meanMs.toFixed(2)} | ${t.perEvent.toFixed(2)} | ${(t.shareOfInvocation * 100).toFixed(0)} % |`,
      ),
  ].join('\n');
  const ms = (v: number | null) => (v === null ? '-' : v.toFixed(2));
  const cpuTable = [
    '| CPU ms per send | Function (or floor) process | Firestore emulator | Pub/Sub emulator | Bench process (FCM emulator, publisher) | Total |',
    '|---|---:|---:|---:|---:|---:|',
    `| ours | ${ms(cpuPerSend.function)} | ${ms(cpuPerSend.firestoreEmulator)} | ${ms(cpuPerSend.pubsubEmulator)} | ${ms(cpuPerSend.benchAndFcmEmulator)} | ${ms(sum(Object.values(cpuPerSend).map(v => v ?? 0)))} |`,
    `| floor | ${ms(floorCpuPerSend.floorProcess)} | - | - | ${ms(floorCpuPerSend.benchAndFcmEmulator)} | ${ms(floorCpuPerSend.floorProcess + floorCpuPerSend.benchAndFcmEmulator)} |`,
  ].join('\n');
  return {
    name,
    target: '(information)',
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      node: process.version,
      loadAvg: loadAverage,
    },
    settings: {
      users,
      devicesPerUser: 1,
      batches: Math.ceil(users / PER_BATCH),
      rounds,
      floorConcurrency: concurrency,
      pushLoops: loops,
      functionLogLevel: 'WARNING',
      measured:
        'from the first batch create (what POST /notifications runs, without HTTP and OIDC) to the last push answered',
    },
    ours: {
      sendsPerS: round1(ourRate),
      roundSendsPerS: ourRates.map(round1),
      roundMs: ours.map(o => o.ms),
      publishMs: ours.map(o => o.publishMs),
      pushStatuses: ours.map(o => o.probe.pushes.statuses),
      pushesInFlight: ours.map(o => ({
        max: o.probe.pushes.inFlightMax,
        mean: round1(o.probe.pushes.inFlightMean),
      })),
      fcmSendsInFlight: ours.map(o => ({
        max: o.probe.fcm.inFlightMax,
        mean: round1(o.probe.fcm.inFlightMean),
      })),
      peakRssBytes: peakRss,
      /** After the warm-up (200 events) and after each round, with a full collection first. */
      afterGc: {
        warmUp: warm.afterGc,
        rounds: ours.map(o => o.afterGc),
      },
      sampledRssMaxBytes: Math.max(...ours.map(o => o.probe.rssMaxBytes)),
      perEvent,
      cpuMsPerSend: cpuPerSend,
    },
    floor: {
      sendsPerS: round1(floorRate),
      roundSendsPerS: floorRates.map(round1),
      roundMs: floors.map(f => Math.round(f.ms)),
      concurrency,
      peakRssBytes: Math.max(...floors.map(f => f.maxRssBytes)),
      cpuMsPerSend: floorCpuPerSend,
    },
    ratio: round2(ourRate / floorRate),
    roundRatios: roundRatios.map(round2),
    ratioSpread: spread(roundRatios),
    exactlyOnce: checks,
    table,
    timingsTable,
    cpuTable,
  };
}
