/**
 * `npm run import-laravel -- --mysql mysql://USER:PASS@HOST:PORT/DB [--dry-run] …`: imports
 * the Laravel app's users and FCM registration tokens into the Firestore the environment
 * names (FIRESTORE_EMULATOR_HOST, else GOOGLE_CLOUD_PROJECT). See
 * docs/migration-from-laravel.md for the rules and the runbook.
 */
import {groupName} from '../../shared/devices/device-groups';
import {
  createFcmDeviceGroups,
  fcmBaseUrl,
} from '../../shared/fcm/device-groups';
import {ConfigError, parseConfig} from '../../shared/platform/config';
import {createLogger} from '../../shared/platform/logger';
import {createRuntime} from '../../shared/runtime';
import {parseImportArgs, USAGE} from './args';
import {runImport} from './importer';
import {createProgress} from './progress';
import {formatReport, writeReport} from './report';
import {openLaravelSource} from './source';
import {firestoreTarget} from './target';
import {unreachableEmulators} from '../cli/emulator-check';
import {exitWith, stdio} from '../cli/exit';

export interface MainIo {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  stderrIsTty: boolean;
}

/** Runs the command; resolves with the exit code (0 done, 1 failed, 2 bad usage). */
export async function main(argv: string[], io: MainIo): Promise<number> {
  const parsed = parseImportArgs(argv, io.env);
  if (parsed.kind === 'help') {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'usage') {
    io.err(`${parsed.problems.map(p => `error: ${p}`).join('\n')}\n${USAGE}\n`);
    return 2;
  }
  const {args} = parsed;
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
  const fcm =
    config.deviceGroups === 'firestore'
      ? null
      : createFcmDeviceGroups({
          baseUrl: fcmBaseUrl(config.fcmEmulatorHost),
          senderId: config.fcmSenderId,
          timeoutMs: config.fcmTimeoutMs,
          accessToken: runtime.accessToken,
          log,
        });
  io.err(
    `Importing from mysql://${args.mysql.user}@${args.mysql.host}:${args.mysql.port}/${args.mysql.database} ` +
      `into ${io.env.FIRESTORE_EMULATOR_HOST ? `the Firestore emulator ${io.env.FIRESTORE_EMULATOR_HOST}` : 'Firestore'}` +
      `, project ${config.projectId ?? '(default)'}${args.dryRun ? ' (dry run)' : ''}\n`,
  );
  const db = await runtime.db.client();
  const target = firestoreTarget(db, !io.env.FIRESTORE_EMULATOR_HOST);
  let source;
  try {
    source = await openLaravelSource(args.mysql);
  } catch (err) {
    io.err(`Could not read the Laravel database: ${(err as Error).message}\n`);
    await db.terminate();
    return 1;
  }
  const report = await runImport(args, {
    source,
    target,
    lookupKey: fcm
      ? id =>
          fcm.lookup(
            groupName(config.deviceGroupPrefix, id),
            AbortSignal.timeout(config.fcmTimeoutMs),
          )
      : null,
    rebuild: id => runtime.devices.rebuild(id),
    maxDevices: config.maxDevicesPerUser,
    progress: totals =>
      createProgress({
        totalUsers: totals.users,
        totalTokens: totals.tokens,
        every: args.progressEvery,
        tty: io.stderrIsTty,
        write: io.err,
      }),
  });
  await Promise.allSettled([target.close(), source.close()]);
  await db.terminate();
  writeReport(args.reportPath, report);
  io.out(formatReport(report));
  io.out(`Report written to ${args.reportPath}\n`);
  return report.status === 'completed' ? 0 : 1;
}

if (require.main === module) {
  exitWith(
    main(process.argv.slice(2), {
      env: process.env,
      ...stdio,
      stderrIsTty: process.stderr.isTTY === true,
    }),
  );
}
