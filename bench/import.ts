/**
 * Benchmark of the Laravel importer (`npm run build && node dist/bench/import.js`): loads
 * generated users (two tokens each, 1 % of them also under a second user) into a throwaway
 * MariaDB, imports them into the Firestore emulator with `npm run import-laravel`'s code in a
 * child process, and prints rows per second and the child's peak RSS. Two sizes are run so
 * that memory can be compared: streaming means the larger table needs no more memory.
 * A benchmark, not a test: it fails only when the stack cannot run, never on a number.
 *
 * Environment: BENCH_IMPORT_SIZES (default "20000,100000" users), BENCH_IMPORT_PAGE (1000),
 * BENCH_IMPORT_CONCURRENCY (users written at once, the importer's default when unset).
 */
import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {startFcmEmulator} from '../tools/fcm-emulator/server';
import {startFirestoreEmulator} from '../tools/firestore-emulator/start';
import type {ImportReport} from '../tools/import-laravel/report';
import {
  MARIADB_PASSWORD,
  startMariaDb,
  type RunningMariaDb,
} from '../test/support/mariadb';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/integration/import/fixtures.sql');
/** bcrypt $2y$10$ of "alice-password", as in the fixtures. */
const HASH = '$2y$10$n61JugB9jQYTvYQ7fW/Oqe8FfOd32f3YaF08A39ihZ5xT42uoWjmG';
const INSERT_ROWS = 5000;

/** The fixtures' CREATE TABLE statements (the Laravel schema), without their rows. */
function schema(): string {
  const text = readFileSync(FIXTURES, 'utf8');
  return text.slice(0, text.indexOf('INSERT INTO'));
}

async function load(
  maria: RunningMariaDb,
  database: string,
  users: number,
): Promise<void> {
  await maria.sql(`CREATE DATABASE ${database}`);
  await maria.sql(schema(), database);
  const day = (n: number) =>
    `'2024-${String((n % 12) + 1).padStart(2, '0')}-${String((n % 28) + 1).padStart(2, '0')} 10:00:00'`;
  for (let from = 1; from <= users; from += INSERT_ROWS) {
    const to = Math.min(users, from + INSERT_ROWS - 1);
    const userRows: string[] = [];
    const tokenRows: string[] = [];
    for (let i = from; i <= to; i++) {
      userRows.push(
        `(${i}, 'User ${i}', 'user${i}@example.com', '${HASH}', 'key-${i}', ${day(i)}, ${day(i)})`,
      );
      tokenRows.push(`(${i}, 'bench-${i}-a', ${day(i)}, ${day(i + 1)})`);
      // 1 % of the second tokens are also under the next user (the old code's duplicates).
      const b = i % 100 === 0 && i > 1 ? `bench-${i - 1}-b` : `bench-${i}-b`;
      tokenRows.push(`(${i}, '${b}', ${day(i)}, ${day(i + 2)})`);
    }
    await maria.sql(
      `INSERT INTO users (id, name, email, password, fcm_notification_key, created_at, updated_at) VALUES ${userRows.join(',')};
       INSERT INTO fcm_registration_tokens (user_id, registration_id, created_at, updated_at) VALUES ${tokenRows.join(',')};`,
      database,
    );
  }
}

interface Run {
  users: number;
  tokens: number;
  report: ImportReport;
}

async function importInto(
  maria: RunningMariaDb,
  database: string,
  env: Record<string, string>,
  pageSize: string,
): Promise<ImportReport> {
  const reportPath = path.join(
    mkdtempSync(path.join(os.tmpdir(), 'bench-import-')),
    'report.json',
  );
  await promisify(execFile)(
    process.execPath,
    [
      path.join(ROOT, 'dist/tools/import-laravel/main.js'),
      '--mysql',
      maria.url(database, false),
      '--report',
      reportPath,
      '--page-size',
      pageSize,
      ...(process.env.BENCH_IMPORT_CONCURRENCY
        ? ['--concurrency', process.env.BENCH_IMPORT_CONCURRENCY]
        : []),
    ],
    {
      env: {...process.env, ...env, LARAVEL_DB_PASSWORD: MARIADB_PASSWORD},
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return JSON.parse(readFileSync(reportPath, 'utf8')) as ImportReport;
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_IMPORT_SIZES ?? '20000,100000')
    .split(',')
    .map(Number);
  const pageSize = process.env.BENCH_IMPORT_PAGE ?? '1000';
  process.stdout.write(
    'Starting MariaDB, the Firestore emulator and the FCM emulator…\n',
  );
  const [maria, firestore, fcm] = await Promise.all([
    startMariaDb(),
    startFirestoreEmulator(),
    startFcmEmulator(),
  ]);
  const runs: Run[] = [];
  try {
    for (const users of sizes) {
      const database = `bench_${users}`;
      const loadStart = Date.now();
      await load(maria, database, users);
      process.stdout.write(
        `loaded ${users} users and ${2 * users} tokens into MariaDB in ${((Date.now() - loadStart) / 1000).toFixed(1)} s; importing…\n`,
      );
      const report = await importInto(
        maria,
        database,
        {
          FIRESTORE_EMULATOR_HOST: firestore.host,
          FCM_EMULATOR_HOST: fcm.host,
          GOOGLE_CLOUD_PROJECT: `bench-import-${users}`,
          DEVICE_GROUP_PREFIX: 'bench',
          METADATA_SERVER_DETECTION: 'none',
          LOG_LEVEL: 'ERROR',
        },
        pageSize,
      );
      if (report.status !== 'completed')
        throw new Error(`import failed: ${report.error}`);
      runs.push({users, tokens: 2 * users, report});
    }
  } finally {
    await Promise.allSettled([maria.stop(), firestore.stop(), fcm.close()]);
  }
  process.stdout.write(
    '\n| users | token rows | documents written | user transactions retried | seconds | rows/s | peak RSS |\n|---:|---:|---:|---:|---:|---:|---:|\n',
  );
  for (const {users, tokens, report} of runs) {
    const c = report.counts;
    const written = c.documentsWritten;
    process.stdout.write(
      `| ${users} | ${tokens} | ${written} | ${c.transactionRetries} | ${report.seconds.toFixed(1)} | ${Math.round(report.rowsPerSecond)} | ${report.peakRssMb} MB |\n`,
    );
  }
  process.stdout.write(
    `(page size ${pageSize}, concurrency ${process.env.BENCH_IMPORT_CONCURRENCY ?? 'default'}; rows/s counts user rows plus winning token rows read; ${os.cpus().length} CPUs)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
