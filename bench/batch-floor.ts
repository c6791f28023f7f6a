/**
 * `npm run bench:batch`'s floor: a bare node process (no Functions Framework, no Firestore,
 * no Pub/Sub) that makes the batch's sends directly to the same FCM emulator, one v1 send
 * per token (bench/fcm-send.ts), with at most BENCH_FLOOR_CONCURRENCY in flight: the
 * least physical work the pipeline's sends can be. Reads the tokens from the file
 * BENCH_FLOOR_TOKENS (one a line), sends under the FCM project BENCH_FLOOR_PROJECT, and
 * prints one JSON line: {ms, sent, failed, cpuMs, maxRssBytes}.
 */
import {readFileSync} from 'node:fs';
import {forEachLimit} from '../shared/platform/pool';
import {sendV1} from './fcm-send';

async function main(): Promise<void> {
  const tokens = readFileSync(process.env.BENCH_FLOOR_TOKENS!, 'utf8')
    .split('\n')
    .filter(Boolean);
  const concurrency = Number(process.env.BENCH_FLOOR_CONCURRENCY);
  const base = `http://${process.env.FCM_EMULATOR_HOST}`;
  const project = process.env.BENCH_FLOOR_PROJECT!;
  // One send first, counted apart: fetch is loaded and warm, as the function's is.
  await sendV1(base, `${project}-warm-up`, tokens[0]!);
  const cpu = process.cpuUsage();
  let sent = 0;
  let failed = 0;
  const started = performance.now();
  await forEachLimit(tokens, concurrency, async token => {
    if (await sendV1(base, project, token)) sent++;
    else failed++;
  });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    JSON.stringify({
      ms,
      sent,
      failed,
      cpuMs: (used.user + used.system) / 1000,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    }) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
