/**
 * The command itself, runnable in-process: `run(argv, env, io)` resolves with the exit
 * status. main.ts only wires it to the process (argv, environment, stdout/stderr, Ctrl-C).
 */
import {writeFile} from 'node:fs/promises';
import {createFcmDeviceGroups} from '../../shared/devices/fcm-groups';
import {fcmBaseUrl} from '../../shared/fcm/endpoints';
import {
  ConfigError,
  parseConfig,
  type Config,
} from '../../shared/platform/config';
import {createLogger} from '../../shared/platform/logger';
import {createRuntime, type Runtime} from '../../shared/runtime';
import {unreachableEmulators} from '../cli/emulator-check';
import {createProgress, type Progress} from '../cli/progress';
import {answerUsage} from '../cli/usage';
import {parseRetireArgs, USAGE, type RetireArgs} from './args';
import {failureReason, type UserOutcome} from './outcome';
import {rebuildUser} from './rebuild-user';
import {retireUser} from './retire-user';
import {formatSummary, Tally} from './summary';
import {countUsers, walkUsers, type UserRow} from './walk';

/** Where the command writes, and what stops it. */
export interface Io {
  /** The summary (stdout). */
  out(text: string): void;
  /** Problems, progress and log lines (stderr). */
  err(text: string): void;
  /** Whether `err` is a terminal: a progress bar then, else a line per 1000 users. */
  isTTY: boolean;
  /** Stops the run after the users in flight (Ctrl-C). */
  stop?: AbortSignal;
}

type Env = Record<string, string | undefined>;

/** Exit statuses. */
const EXIT = {ok: 0, failed: 1, usage: 2, stopped: 130} as const;

/** Runs the command; resolves with its exit status. */
export async function run(
  argv: readonly string[],
  env: Env,
  io: Io,
): Promise<number> {
  const parsed = parseRetireArgs(argv);
  if (parsed.kind !== 'run') return answerUsage(parsed, USAGE, io, '');
  const {args} = parsed;
  const config = checkedConfig(args, env, io);
  if (!config) return EXIT.usage;
  const unreachable = await unreachableEmulators(
    ['FIRESTORE_EMULATOR_HOST', 'FCM_EMULATOR_HOST'],
    undefined,
    env,
  );
  if (unreachable.length > 0) {
    io.err(`${unreachable.join('\n')}\n`);
    return EXIT.failed;
  }

  let progress: Progress | null = null;
  const log = createLogger(config.logLevel, line =>
    progress ? progress.note(line) : io.err(`${line}\n`),
  );
  const runtime = createRuntime(config, log);
  const handle = userHandler(args, runtime);
  const tally = new Tally();
  const startedAt = new Date().toISOString();
  const total = await countUsers(runtime.db, args.sinceUserId);
  progress = createProgress({
    write: io.err,
    isTTY: io.isTTY,
    total,
    unit: 'users',
    every: 1000,
  });
  const stop = io.stop ?? new AbortController().signal;
  const end = await walkUsers({
    db: runtime.db,
    sinceUserId: args.sinceUserId,
    concurrency: args.concurrency,
    stop,
    handle: async user => {
      tally.add(user.id, await handle(user));
      progress?.update(tally.users, tally.line(args.mode));
    },
  });
  progress.done();
  progress = null;
  const report = tally.report(
    {
      mode: args.mode,
      dryRun: args.dryRun,
      startedAt,
      sinceUserId: args.sinceUserId,
    },
    {
      lastUserId: end.lastUserId,
      stopped: end.stopped,
      finishedAt: new Date().toISOString(),
    },
  );
  if (end.error !== undefined)
    io.err(`Could not read the users: ${failureReason(end.error)}\n`);
  io.out(formatSummary(report));
  let reportFailed = false;
  if (args.reportFile) {
    try {
      await writeFile(args.reportFile, `${JSON.stringify(report, null, 2)}\n`);
    } catch (err) {
      reportFailed = true;
      io.err(
        `Could not write the report to ${args.reportFile}: ${String(err)}\n`,
      );
    }
  }
  if (end.error !== undefined || reportFailed) return EXIT.failed;
  if (end.stopped) return EXIT.stopped;
  // A group not found is not retired: the run did not do what it was asked for them.
  return report.counts.failed > 0 || report.counts['not-found'] > 0
    ? EXIT.failed
    : EXIT.ok;
}

/** What to do with one user in this run. */
function userHandler(
  args: RetireArgs,
  runtime: Runtime,
): (user: UserRow) => Promise<UserOutcome> {
  if (args.mode === 'rebuild')
    return user =>
      rebuildUser({devices: runtime.devices, dryRun: args.dryRun}, user);
  const {config} = runtime;
  const groups = createFcmDeviceGroups({
    baseUrl: fcmBaseUrl(config.fcmEmulatorHost),
    senderId: config.fcmSenderId,
    timeoutMs: config.fcmTimeoutMs,
    accessToken: runtime.accessToken,
    log: runtime.log,
  });
  const deps = {
    db: runtime.db,
    groups,
    groupPrefix: config.deviceGroupPrefix,
    dryRun: args.dryRun,
  };
  return user => retireUser(deps, user);
}

/**
 * The configuration to run with, or null (after saying why) when the environment is bad
 * or names the backend that still needs the groups this run would change.
 */
function checkedConfig(args: RetireArgs, env: Env, io: Io): Config | null {
  const wanted = args.mode === 'retire' ? 'firestore' : 'fcm';
  const named = env.DEVICE_GROUPS?.trim() || 'fcm';
  let config: Config;
  try {
    // A forced rebuild needs the fcm backend's repair path whatever the deployment runs.
    config = parseConfig(
      args.mode === 'rebuild' && args.force
        ? {...env, DEVICE_GROUPS: 'fcm'}
        : env,
    );
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`${err.message}\n`);
    return null;
  }
  if (named !== wanted && !args.force) {
    const refusal =
      args.mode === 'retire'
        ? `Refusing to retire the FCM device groups: DEVICE_GROUPS is "${named}", and the fcm backend sends through those groups, so retiring them while it serves would break it. Deploy with DEVICE_GROUPS=firestore, then run this with DEVICE_GROUPS=firestore set (or pass --force).`
        : `Refusing to rebuild the FCM device groups: DEVICE_GROUPS is "${named}", and the firestore backend changes no group, so groups rebuilt while it serves go stale. Deploy with DEVICE_GROUPS=fcm, then run this with DEVICE_GROUPS=fcm set (or pass --force).`;
    // A dry run changes nothing: it may preview the switch before the deployment changes.
    if (!args.dryRun) {
      io.err(`${refusal}\n`);
      return null;
    }
    io.err(`Note: a real run would be refused. ${refusal}\n`);
  }
  if (args.mode === 'retire' && !args.dryRun && config.fcmSenderId === '') {
    io.err(
      'FCM_SENDER_ID is required to reach the FCM device groups (the Firebase project number).\n',
    );
    return null;
  }
  return config;
}
