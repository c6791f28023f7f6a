/**
 * `npm run import-laravel -- --mysql mysql://USER@HOST:PORT/DB [--dry-run] …`: imports
 * the Laravel app's users and FCM registration tokens into the Firestore the environment
 * names (FIRESTORE_EMULATOR_HOST, else GOOGLE_CLOUD_PROJECT). The MySQL password comes
 * from LARAVEL_DB_PASSWORD, else from a prompt that does not echo. See
 * docs/migration-from-laravel.md for the rules and the runbook.
 */
import {ConfigError, parseConfig} from '../../shared/platform/config';
import {createLogger} from '../../shared/platform/logger';
import {createRuntime} from '../../shared/runtime';
import {parseImportArgs, USAGE, type MysqlTarget} from './args';
import {runImport} from './importer';
import {writeRamp} from './ramp';
import {formatReport, writeReport} from './report';
import {openLaravelSource} from './source';
import {importWriter} from './writer';
import {unreachableEmulators} from '../cli/emulator-check';
import {promptHidden} from '../cli/hidden-prompt';
import {createProgress} from '../cli/progress';
import {answerUsage} from '../cli/usage';
import {exitWith, stdio} from '../cli/exit';

export interface MainIo {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  stderrIsTty: boolean;
  /** Asks for a line without echo; absent when stdin is not a terminal. */
  prompt?: (question: string) => Promise<string | null>;
}

/** The MySQL password: LARAVEL_DB_PASSWORD, else the prompt; null when none was given. */
async function mysqlPassword(
  target: MysqlTarget,
  io: MainIo,
): Promise<string | null> {
  const fromEnv = io.env.LARAVEL_DB_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (!io.prompt) {
    io.err(
      'LARAVEL_DB_PASSWORD is not set and stdin is not a terminal (no prompt): connecting without a password\n',
    );
    return '';
  }
  return io.prompt(
    `MySQL password of ${target.user}@${target.host}:${target.port} (LARAVEL_DB_PASSWORD is not set): `,
  );
}

/** Runs the command; resolves with the exit code (0 done, 1 failed, 2 bad usage). */
export async function main(argv: string[], io: MainIo): Promise<number> {
  const parsed = parseImportArgs(argv);
  if (parsed.kind !== 'run') return answerUsage(parsed, USAGE, io);
  const {args} = parsed;
  const password = await mysqlPassword(args.mysql, io);
  if (password === null) {
    io.err('No password given: nothing was imported.\n');
    return 2;
  }
  let config;
  try {
    config = parseConfig(io.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`${err.message}\n`);
    return 2;
  }
  const unreachable = await unreachableEmulators(
    config.deviceGroups === 'fcm'
      ? ['FIRESTORE_EMULATOR_HOST', 'FCM_EMULATOR_HOST']
      : ['FIRESTORE_EMULATOR_HOST'],
    undefined,
    io.env,
  );
  if (unreachable.length > 0) {
    io.err(`${unreachable.join('\n')}\n`);
    return 1;
  }
  const log = createLogger(config.logLevel);
  const runtime = createRuntime(config, log);
  // DEVICE_GROUPS=firestore keeps no FCM groups, so no key is looked up.
  const {groups} = runtime;
  io.err(
    `Importing from mysql://${args.mysql.user}@${args.mysql.host}:${args.mysql.port}/${args.mysql.database} ` +
      `into ${io.env.FIRESTORE_EMULATOR_HOST ? `the Firestore emulator ${io.env.FIRESTORE_EMULATOR_HOST}` : 'Firestore'}` +
      `, project ${config.projectId ?? '(default)'}${args.dryRun ? ' (dry run)' : ''}\n`,
  );
  const db = await runtime.db.client();
  const writer = importWriter(db);
  let source;
  try {
    source = await openLaravelSource(args.mysql, password);
  } catch (err) {
    io.err(`Could not read the Laravel database: ${(err as Error).message}\n`);
    await db.terminate();
    return 1;
  }
  const report = await runImport(args, {
    source,
    writer,
    lookupKey: groups
      ? id => groups.lookupKey(id, AbortSignal.timeout(config.fcmTimeoutMs))
      : null,
    rebuild: (id, strays) => runtime.devices.rebuild(id, strays),
    deviceGroups: groups !== null,
    maxDevices: config.maxDevicesPerUser,
    // Firestore asks live databases for a ramp-up; the emulator has no such limit.
    ramp: writeRamp(!io.env.FIRESTORE_EMULATOR_HOST),
    progress: total =>
      createProgress({
        write: io.err,
        isTTY: io.stderrIsTty,
        total,
        unit: 'rows',
        every: args.progressEvery,
      }),
  });
  await source.close().catch(() => undefined);
  await db.terminate();
  writeReport(args.reportPath, report);
  io.out(formatReport(report));
  io.out(`Report written to ${args.reportPath}\n`);
  return report.status === 'completed' ? 0 : 1;
}

if (require.main === module) {
  // Against the emulators there is no metadata server to find (Google's SDKs warn when they look).
  if (process.env.FIRESTORE_EMULATOR_HOST)
    process.env.METADATA_SERVER_DETECTION ??= 'none';
  exitWith(
    main(process.argv.slice(2), {
      env: process.env,
      ...stdio,
      stderrIsTty: process.stderr.isTTY === true,
      prompt: process.stdin.isTTY
        ? question => promptHidden(question, process.stdin, process.stderr)
        : undefined,
    }),
  );
}
