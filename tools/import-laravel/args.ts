/**
 * Command-line options of `npm run import-laravel`. Every problem is collected, so one run
 * names them all. The database password is never taken from the command line (npm echoes
 * a script's arguments, and `ps` shows them): it comes from LARAVEL_DB_PASSWORD or a prompt.
 */
import {parseFlags, stringFlag, wholeFlag} from '../cli/flags';
import type {CommandLine} from '../cli/usage';
import {isTimeZone} from './wall-clock';

export const USAGE = `Usage: npm run import-laravel -- --mysql mysql://USER@HOST[:PORT]/DB
         [--dry-run] [--since-user-id N] [--time-zone UTC] [--reconcile] [--concurrency 64]
         [--report import-laravel-report.json] [--page-size 1000] [--progress-every 10000]
Imports the Laravel app's users and FCM registration tokens into Firestore. A re-import
changes only what the new app has not touched since the last import.
  --mysql           the Laravel database, without a password: the password comes from
                    LARAVEL_DB_PASSWORD, or from a prompt when that is unset
  --dry-run         read and decide everything, write nothing, print the same report
  --since-user-id   only users with a larger id (resume after the last user written)
  --time-zone       the time zone of the app's timestamps (Laravel's app.timezone), default UTC
  --reconcile       afterwards rebuild every imported user's device group from Firestore
  --concurrency     users written at once, each in its own transaction, default 64
  --report          where the JSON report goes, default import-laravel-report.json
  --page-size       users read per page, default 1000
  --progress-every  rows between progress lines when stderr is not a terminal, default 10000
Configuration (MAX_DEVICES_PER_USER, DEVICE_GROUP_PREFIX, FCM_*, GOOGLE_CLOUD_PROJECT,
FIRESTORE_EMULATOR_HOST) comes from the environment, as for the functions.`;

/** Where and how to connect to MySQL; the password is never part of it (see main.ts). */
export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  database: string;
}

/** The refusal of a password in the URL; it names where the password goes instead. */
export const PASSWORD_IN_URL =
  "--mysql must not hold a password: npm prints a script's arguments, and `ps` and the shell " +
  'history keep them. Leave it out (mysql://USER@HOST:PORT/DB) and set LARAVEL_DB_PASSWORD ' +
  '(`read -rs LARAVEL_DB_PASSWORD && export LARAVEL_DB_PASSWORD`), or leave that unset to be ' +
  'asked for it at a prompt';

export interface ImportArgs {
  mysql: MysqlTarget;
  dryRun: boolean;
  sinceUserId: bigint;
  timeZone: string;
  reconcile: boolean;
  concurrency: number;
  reportPath: string;
  pageSize: number;
  progressEvery: number;
}

export type ParsedArgs = CommandLine<ImportArgs>;

const OPTIONS = {
  mysql: {type: 'string'},
  'dry-run': {type: 'boolean'},
  'since-user-id': {type: 'string'},
  'time-zone': {type: 'string'},
  reconcile: {type: 'boolean'},
  concurrency: {type: 'string'},
  report: {type: 'string'},
  'page-size': {type: 'string'},
  'progress-every': {type: 'string'},
} as const;

/** Parses `mysql://USER@HOST[:PORT]/DB`; problems go to `problems`. */
function mysqlTarget(raw: string, problems: string[]): MysqlTarget | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The text may hold a password: describe it, never echo it.
    problems.push('--mysql must be a URL like mysql://USER@HOST:PORT/DB');
    return undefined;
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const before = problems.length;
  if (url.protocol !== 'mysql:')
    problems.push(`--mysql must start with mysql://, got ${url.protocol}//`);
  if (url.password !== '') problems.push(PASSWORD_IN_URL);
  if (!url.username) problems.push('--mysql must name a user (mysql://USER@…)');
  if (!url.hostname) problems.push('--mysql must name a host');
  if (!/^[A-Za-z0-9_$-]{1,64}$/.test(database))
    problems.push('--mysql must end with the database name (…/DB)');
  if (problems.length > before) return undefined;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    database,
  };
}

/** Parses the command line. */
export function parseImportArgs(argv: string[]): ParsedArgs {
  const parsed = parseFlags(argv, OPTIONS, {positionals: false});
  if (parsed.help) return {kind: 'help'};
  const problems = [...parsed.problems];
  const value = (name: keyof typeof OPTIONS) => stringFlag(parsed, name);
  let mysql: MysqlTarget | undefined;
  const url = value('mysql');
  if (url !== undefined) mysql = mysqlTarget(url, problems);
  else if (!parsed.valueless.includes('mysql'))
    problems.push('--mysql is required');
  let sinceUserId = 0n;
  const since = value('since-user-id');
  if (since !== undefined) {
    if (/^\d{1,20}$/.test(since)) sinceUserId = BigInt(since);
    else problems.push('--since-user-id must be a whole number (a user id)');
  }
  const timeZone = value('time-zone') ?? 'UTC';
  if (!isTimeZone(timeZone))
    problems.push(
      `--time-zone must be an IANA time zone such as UTC or Europe/Paris, got "${timeZone}"`,
    );
  const pageSize = wholeFlag(
    parsed,
    'page-size',
    {min: 1, max: 10000, fallback: 1000},
    problems,
  );
  const concurrency = wholeFlag(
    parsed,
    'concurrency',
    {min: 1, max: 500, fallback: 64},
    problems,
  );
  const progressEvery = wholeFlag(
    parsed,
    'progress-every',
    {min: 1, max: 10_000_000, fallback: 10000},
    problems,
  );
  if (problems.length > 0 || !mysql) return {kind: 'invalid', problems};
  return {
    kind: 'run',
    args: {
      mysql,
      dryRun: parsed.values['dry-run'] === true,
      sinceUserId,
      timeZone,
      reconcile: parsed.values.reconcile === true,
      concurrency,
      reportPath: value('report') ?? 'import-laravel-report.json',
      pageSize,
      progressEvery,
    },
  };
}
