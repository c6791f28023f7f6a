/**
 * `npm start`: the whole stack on one machine. The official Firestore emulator (or the
 * environment's), the local FCM device-group emulator (or the environment's), the official
 * Pub/Sub emulator (or the environment's, or none), the demo user of the API reference, and
 * the functions behind one server on PORT (40020).
 * Exit codes: 0 stopped on request (or --help), 2 bad command line, 1 failed, an emulator
 * died, or the data could not be saved.
 */
import path from 'node:path';
import {parseStackArgs, USAGE} from './args';
import {StackError} from './emulators';
import {watchParent} from './parent-watch';
import {busyPorts} from './ports';
import {checkFunctionsConfig} from './settings';
import {DEMO_USER} from './seed';
import {startLocalStack, type LocalStack, type StopOutcome} from './stack';
import {stopSignals} from './stop-signals';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

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
    `  POST   ${url}/api/notifications                      (notifyUsers: refuses all here; use npm run notify -- --users)`,
    `Device groups: DEVICE_GROUPS=${process.env.DEVICE_GROUPS === 'firestore' ? 'firestore' : 'fcm'}`,
    `  Docs   ${url}/docs`,
    `Firestore emulator: ${emulators.firestoreHost} (${emulators.firestoreKind}), project ${process.env.GOOGLE_CLOUD_PROJECT}`,
    `FCM emulator:       http://${emulators.fcmHost} (${emulators.fcmKind}); groups: http://${emulators.fcmHost}/emulator/projects/emulator/groups`,
    emulators.pubsubHost
      ? `Pub/Sub emulator:   ${emulators.pubsubHost} (${emulators.pubsubKind}); topic ${process.env.NOTIFY_TOPIC?.trim() || 'notifications'} pushes to deliverNotification here`
      : `Pub/Sub emulator:   none, so no batches (${emulators.pubsubMissing})`,
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
  // A configuration the functions would refuse is named before anything else is looked at.
  checkFunctionsConfig(process.env);
  const taken = await busyPorts([
    {port: options.port, role: 'router'},
    ...(process.env.FIRESTORE_EMULATOR_HOST
      ? []
      : [{port: options.firestorePort, role: 'Firestore emulator'}]),
    ...(process.env.FCM_EMULATOR_HOST
      ? []
      : [{port: options.fcmPort, role: 'FCM emulator'}]),
    ...(process.env.PUBSUB_EMULATOR_HOST
      ? []
      : [{port: options.pubsubPort, role: 'Pub/Sub emulator'}]),
  ]);
  if (taken.length) {
    throw new StackError(
      `\n  ${taken.join('\n  ')}\nStop what holds the port, or run this stack on other ports: ` +
        `PORT=${options.port + 10} npm start (uses ${options.port + 10}-${options.port + 13}).`,
    );
  }

  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>(resolve => (finish = resolve));
  // Set once started; a signal may come earlier.
  const running: {stack?: LocalStack} = {};
  const cut = new AbortController();
  let stopCode = 0;
  const stopWith = (code: number, message: string) => {
    process.stderr.write(`${message}\n`);
    stopCode = code;
    // Still starting: exiting is the stop (the exit hook kills the Firestore emulator's group).
    if (!running.stack) process.exit(code);
    running.stack.stop(cut.signal).then(
      outcome => finish(reportStop(outcome, stopCode)),
      (err: unknown) => {
        process.stderr.write(`Stopping failed: ${String(err)}\n`);
        finish(1);
      },
    );
  };
  const meaning = stopSignals();
  // `on`, not `once`: the terminal's copy of a Ctrl+C and npm's arrive together, and a
  // signal without a listener would end the process before the data is saved.
  const onSignal = (signal: NodeJS.Signals) => {
    const m = meaning();
    if (m.kind === 'same') return;
    if (m.kind === 'force') {
      process.stderr.write(
        `${signal} again: stopping at once${options.persistDir ? ', without finishing the save' : ''}…\n`,
      );
      stopCode = 1;
      cut.abort();
      return;
    }
    const save = options.persistDir
      ? ` (saving the data in ${path.resolve(options.persistDir)}; ${signal === 'SIGINT' ? 'Ctrl+C' : signal} again stops without saving)`
      : '';
    stopWith(0, `${signal}: stopping…${save}`);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  watchParent(() =>
    stopWith(1, 'The parent process (npm) went away: stopping…'),
  );
  running.stack = await startLocalStack({
    ...options,
    onFailure: problem => stopWith(1, `${problem}\nstopping…`),
  });
  process.stderr.write(banner(running.stack));
  return finished;
}

/** Says how the data fared, and gives the exit code. */
function reportStop(outcome: StopOutcome, code: number): number {
  switch (outcome.kind) {
    case 'stopped':
      process.stderr.write('Stopped.\n');
      return code;
    case 'saved':
      process.stderr.write(`Stopped; the data is saved in ${outcome.dir}.\n`);
      return code;
    case 'not-saved':
      process.stderr.write(
        outcome.reason === 'cut-short'
          ? `Stopped without saving: the save was cut short; ${outcome.dir} keeps the data of the previous save.\n`
          : `Stopped, but saving the data failed (${outcome.detail}); ${outcome.dir} keeps the data of the previous save.\n`,
      );
      return 1;
  }
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
