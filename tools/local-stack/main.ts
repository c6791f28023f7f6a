/**
 * `npm start`: the whole stack on one machine. The official Firestore emulator (or the
 * environment's), the local FCM device-group emulator (or the environment's), the demo
 * user of the API reference, and the four functions behind one server on PORT (40020).
 * Exit codes: 0 stopped on request (or --help), 2 bad command line, 1 failed or an emulator died.
 */
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {exportFirestore} from '../firestore-emulator/export';
import {parseStackArgs, USAGE, type StackOptions} from './args';
import {startEmulators, StackError, type LocalEmulators} from './emulators';
import {watchParent} from './parent-watch';
import {busyPorts} from './ports';
import type {ExtraRoute} from './router';
import {seedDemoUser, DEMO_USER, type SeedResult} from './seed';
import {checkFunctionsConfig, localSettings} from './settings';

export interface LocalStack {
  url: string;
  emulators: LocalEmulators;
  seed: SeedResult;
  /** Where the data lives, in words (for the banner and the index). */
  data: string;
  /** Stops everything, saving the Firestore data first under --persist. */
  stop(): Promise<void>;
}

export interface StartOptions extends Partial<StackOptions> {
  /** Called when an emulator dies under the stack. */
  onFailure?: (problem: string) => void;
}

/** Starts the stack; the functions read their configuration from process.env, as in production. */
export async function startLocalStack(
  opts: StartOptions = {},
): Promise<LocalStack> {
  const port = opts.port ?? 0;
  checkFunctionsConfig(process.env);
  // Only emulators here: no GCE metadata server to probe for (a slow lookup and a warning).
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  // Loading the functions takes a while; do it while the emulators start (they read their
  // configuration on first use, not at import, so the variables set below still apply).
  const modules = Promise.all([import('./router'), import('./extra-routes')]);
  const emulators = await startEmulators({
    firestorePort: opts.firestorePort ?? 0,
    fcmPort: opts.fcmPort ?? 0,
    persistDir: opts.persistDir,
    onFailure: opts.onFailure,
  });
  try {
    process.env.FIRESTORE_EMULATOR_HOST = emulators.firestoreHost;
    process.env.FCM_EMULATOR_HOST = emulators.fcmHost;
    Object.assign(process.env, localSettings(process.env));
    const projectId = process.env.GOOGLE_CLOUD_PROJECT!;
    const [seed, [{createLocalServer}, {localExtraRoutes}]] = await Promise.all(
      [seedDemoUser(projectId), modules],
    );
    // Filled once the port is known: the index and the served docs name the real origin.
    const extra: ExtraRoute[] = [];
    const server = createLocalServer(extra);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    const url = `http://localhost:${(server.address() as AddressInfo).port}`;
    const persistDir = opts.persistDir && path.resolve(opts.persistDir);
    const data = persistDir
      ? `kept in ${persistDir}: loaded at start, saved when the stack stops`
      : 'in memory, reset on each start (keep it with `npm start -- --persist DIR`)';
    extra.push(...localExtraRoutes(url, data));
    let stopping: Promise<void> | undefined;
    return {
      url,
      emulators,
      seed,
      data,
      stop() {
        stopping ??= (async () => {
          await new Promise<void>(resolve => server.close(() => resolve()));
          server.closeAllConnections();
          try {
            if (persistDir)
              await exportFirestore(
                emulators.firestoreHost,
                projectId,
                persistDir,
              );
          } finally {
            await emulators.stop();
          }
        })();
        return stopping;
      },
    };
  } catch (err) {
    await emulators.stop();
    throw err;
  }
}

function banner({url, emulators, seed, data}: LocalStack): string {
  const demo =
    seed.kind === 'created'
      ? `Demo user: id ${DEMO_USER.id}, ${DEMO_USER.email} / ${DEMO_USER.password}`
      : `Demo user: not seeded, user ${DEMO_USER.id} exists already and was kept as it is`;
  return [
    '',
    `Device registration API running at ${url}`,
    `  POST   ${url}/api/users/1/fcm_registration_tokens   (addDevice)`,
    `  DELETE ${url}/api/users/1/fcm_registration_tokens   (removeDevice)`,
    `  GET    ${url}/api/cron                               (cron, App Engine compatibility mode)`,
    `  POST   ${url}/api/users/1/notifications              (notifyUser: refuses all here; use npm run notify)`,
    `Device groups: DEVICE_GROUPS=${process.env.DEVICE_GROUPS === 'firestore' ? 'firestore' : 'fcm'}`,
    `  Docs   ${url}/docs`,
    `Firestore emulator: ${emulators.firestoreHost} (${emulators.firestoreKind}), project ${process.env.GOOGLE_CLOUD_PROJECT}`,
    `FCM emulator:       http://${emulators.fcmHost} (${emulators.fcmKind}); groups: http://${emulators.fcmHost}/emulator/projects/emulator/groups`,
    `Data: ${data}`,
    demo,
    `Add users: FIRESTORE_EMULATOR_HOST=${emulators.firestoreHost} GOOGLE_CLOUD_PROJECT=${process.env.GOOGLE_CLOUD_PROJECT} npm run user -- create --id 2 --email someone@example.com`,
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const command = parseStackArgs(argv);
  if (command.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.kind === 'invalid') {
    process.stderr.write(
      `${command.problems.map(p => `error: ${p}`).join('\n')}\n\n${USAGE}\n`,
    );
    return 2;
  }
  const {options} = command;
  const taken = await busyPorts([
    {port: options.port, role: 'router'},
    ...(process.env.FIRESTORE_EMULATOR_HOST
      ? []
      : [{port: options.firestorePort, role: 'Firestore emulator'}]),
    ...(process.env.FCM_EMULATOR_HOST
      ? []
      : [{port: options.fcmPort, role: 'FCM emulator'}]),
  ]);
  if (taken.length) {
    throw new StackError(
      `\n  ${taken.join('\n  ')}\nStop what holds the port, or run this stack on other ports: ` +
        `PORT=${options.port + 10} npm start (uses ${options.port + 10}-${options.port + 12}).`,
    );
  }

  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>(resolve => (finish = resolve));
  // Set once started; a signal may come earlier.
  const running: {stack?: LocalStack} = {};
  const stopWith = (code: number, message?: string) => {
    if (message) process.stderr.write(`${message}\n`);
    // Still starting: exiting is the stop (the exit hook kills the Firestore emulator's group).
    if (!running.stack) process.exit(code);
    running.stack.stop().then(
      () => finish(code),
      (err: unknown) => {
        process.stderr.write(`Stopping failed: ${String(err)}\n`);
        finish(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) =>
    stopWith(0, `${signal}: stopping the stack.`);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(signal, onSignal);
  watchParent(() =>
    stopWith(1, 'The parent process (npm) went away: stopping the stack.'),
  );
  running.stack = await startLocalStack({
    ...options,
    onFailure: problem => stopWith(1, `${problem}\nStopping the stack.`),
  });
  process.stderr.write(banner(running.stack));
  return finished;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    code => process.exit(code),
    (err: unknown) => {
      process.stderr.write(
        err instanceof StackError
          ? `npm start failed: ${err.message}\n`
          : `npm start failed: ${err instanceof Error ? err.stack : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
