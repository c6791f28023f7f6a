/**
 * A throwaway MariaDB server for tests and the import benchmark: `mariadb-install-db` into a
 * temporary directory, then `mariadbd` on a free port (and a socket in that directory),
 * stopped and deleted afterwards. Debian's `mariadb-server` provides both programs; `.ci/run`
 * installs it. No jest here, so the import benchmark uses it too; suites that need it use
 * `describeWithMariaDb` (test/integration/import/describe-with-mariadb.ts), which skips loudly.
 */
import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {findFreePort} from '../../tools/firestore-emulator/free-port';

/** The account tests connect with; it owns every database. */
export const MARIADB_USER = 'laravel';
export const MARIADB_PASSWORD = 'laravel-secret';

const READY_TIMEOUT_MS = 60_000;

export interface RunningMariaDb {
  host: string;
  port: number;
  /** `mysql://laravel:…@127.0.0.1:PORT/DB`, with the password unless `withPassword` is false. */
  url(database: string, withPassword?: boolean): string;
  /** Runs SQL (several statements allowed) as root over the socket. */
  sql(text: string, database?: string): Promise<unknown>;
  stop(): Promise<void>;
}

function firstExisting(candidates: string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  for (const name of candidates) {
    if (name.includes('/')) {
      if (existsSync(name)) return name;
      continue;
    }
    for (const dir of [...dirs, '/usr/sbin', '/usr/bin']) {
      const full = path.join(dir, name);
      if (existsSync(full)) return full;
    }
  }
  return undefined;
}

function programs(): {server?: string; install?: string} {
  return {
    server: firstExisting(['mariadbd', 'mysqld']),
    install: firstExisting(['mariadb-install-db', 'mysql_install_db']),
  };
}

/** Why MariaDB cannot be started here, or undefined when it can. */
export function mariadbMissingReason(): string | undefined {
  const {server, install} = programs();
  if (!server)
    return 'mariadbd is not installed (Debian: apt-get install mariadb-server; .ci/run does this)';
  if (!install)
    return 'mariadb-install-db is not installed (Debian package mariadb-server)';
  return undefined;
}

const asRoot = () => (process.getuid?.() === 0 ? ['--user=root'] : []);

/** Initializes a data directory and starts the server; resolves once it accepts connections. */
export async function startMariaDb(): Promise<RunningMariaDb> {
  const missing = mariadbMissingReason();
  if (missing) throw new Error(`Cannot start MariaDB: ${missing}`);
  const {server, install} = programs();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mariadb-'));
  const data = path.join(dir, 'data');
  const socket = path.join(dir, 'mariadb.sock');
  const errorLog = path.join(dir, 'error.log');
  await promisify(execFile)(
    install!,
    [
      '--no-defaults',
      `--datadir=${data}`,
      // Its own temporary files: two servers bootstrapping at once in /tmp collide.
      `--tmpdir=${dir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...asRoot(),
    ],
    {timeout: READY_TIMEOUT_MS},
  );
  const port = await findFreePort();
  const child: ChildProcess = spawn(
    server!,
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--tmpdir=${dir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${path.join(dir, 'mariadb.pid')}`,
      `--log-error=${errorLog}`,
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=128M',
      '--innodb-flush-log-at-trx-commit=2',
      ...asRoot(),
    ],
    {stdio: 'ignore'},
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );

  const mysql = await import('mysql2/promise');
  const root = (database?: string) =>
    mysql.createConnection({
      socketPath: socket,
      user: 'root',
      database,
      multipleStatements: true,
    });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      const conn = await root();
      await conn.query(
        `CREATE USER '${MARIADB_USER}'@'%' IDENTIFIED BY '${MARIADB_PASSWORD}';
         GRANT ALL PRIVILEGES ON *.* TO '${MARIADB_USER}'@'%';`,
      );
      await conn.end();
      break;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        const tail = existsSync(errorLog)
          ? readFileSync(errorLog, 'utf8').split('\n').slice(-20).join('\n')
          : '';
        rmSync(dir, {recursive: true, force: true});
        throw new Error(
          `MariaDB did not start: ${(err as Error).message}\n${tail}`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, 200));
    }
  }

  return {
    host: '127.0.0.1',
    port,
    url: (database, withPassword = true) =>
      `mysql://${MARIADB_USER}${withPassword ? `:${MARIADB_PASSWORD}` : ''}@127.0.0.1:${port}/${database}`,
    async sql(text, database) {
      const conn = await root(database);
      try {
        return (await conn.query(text))[0];
      } finally {
        await conn.end();
      }
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, {recursive: true, force: true});
    },
  };
}
