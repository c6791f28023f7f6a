/**
 * `npm run notify -- --user 1 --title … --body … [--data k=v …]`: sends to a user's
 * devices through the runtime's own send path (validation, delivery by backend, retries,
 * token hygiene, Idempotency-Key), for operators. Prints the result as notifyUser answers it.
 * With `--users`/`--users-file`, batches as notifyUsers makes them (batches.ts).
 */
import {readFileSync} from 'node:fs';
import {parseConfig} from '../../shared/platform/config';
import {isAppError} from '../../shared/platform/errors';
import {createLogger} from '../../shared/platform/logger';
import {parseNotificationMessage} from '../../shared/notify';
import {createRuntime, type Runtime} from '../../shared/runtime';
import {USERS} from '../../shared/firestore/collections';
import {userDevices} from '../../shared/devices/state';
import {parseNotifyArgs, USAGE} from './args';
import {judge} from './verdict';
import {sendToMany} from './batches';
import {usersFromFile} from './users';
import {unreachableEmulators} from '../cli/emulator-check';
import {exitWith, stdio} from '../cli/exit';

export interface MainDeps {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  /** The runtime; one from `env` when absent. */
  runtime?: () => Runtime;
  /** Whether stderr is a terminal (the progress bar redraws in place). */
  isTTY?: boolean;
}

/** Runs the command; resolves with the exit code. */
export async function main(argv: string[], deps: MainDeps): Promise<number> {
  const parsed = parseNotifyArgs(argv);
  if (parsed.kind === 'help') {
    deps.out(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'invalid') {
    deps.err(
      `${parsed.problems.map(p => `error: ${p}`).join('\n')}\n\n${USAGE}\n`,
    );
    return 2;
  }
  const {recipients, message, idempotencyKey} = parsed.args;
  // One user, or many: the file is read here, so that parsing the options stays pure.
  let target: {kind: 'user'; userId: string} | {kind: 'users'; users: string[]};
  if (recipients.kind !== 'users-file') target = recipients;
  else {
    let text: string;
    try {
      text = readFileSync(recipients.file, 'utf8');
    } catch (err) {
      deps.err(
        `error: --users-file ${recipients.file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})\n`,
      );
      return 2;
    }
    const list = usersFromFile(text, recipients.file);
    if (list.kind === 'invalid') {
      deps.err(`${list.problems.map(p => `error: ${p}`).join('\n')}\n`);
      return 2;
    }
    target = {kind: 'users', users: list.users};
  }
  const many = target.kind === 'users';
  const unreachable = await unreachableEmulators(
    [
      'FIRESTORE_EMULATOR_HOST',
      'FCM_EMULATOR_HOST',
      ...(many ? (['PUBSUB_EMULATOR_HOST'] as const) : []),
    ],
    undefined,
    deps.env,
  );
  if (
    many &&
    deps.env.FIRESTORE_EMULATOR_HOST &&
    !deps.env.PUBSUB_EMULATOR_HOST
  )
    unreachable.push(
      'Many users are sent to through Pub/Sub, but PUBSUB_EMULATOR_HOST is not set while FIRESTORE_EMULATOR_HOST is: set it to the Pub/Sub emulator `npm start` prints.',
    );
  if (unreachable.length > 0) {
    deps.err(`${unreachable.join('\n')}\n`);
    return 1;
  }
  try {
    // The function's own checks: a data key FCM reserves fails here, not at FCM.
    const checked = parseNotificationMessage({...message});
    // Against emulators, Google's clients need not ask a metadata server whether they run
    // on Google Cloud (the Pub/Sub client's question printed a MetadataLookupWarning).
    if (
      EMULATOR_HOSTS.some(name => deps.env[name]) &&
      process.env.METADATA_SERVER_DETECTION === undefined
    )
      process.env.METADATA_SERVER_DETECTION = 'none';
    const runtime =
      deps.runtime?.() ??
      createRuntime(
        parseConfig(deps.env),
        createLogger('WARNING', line => deps.err(`${line}\n`)),
      );
    if (target.kind === 'users') {
      try {
        return await sendToMany(target.users, checked, idempotencyKey, {
          batches: runtime.notifyBatches,
          log: runtime.log,
          out: deps.out,
          err: deps.err,
          isTTY: deps.isTTY ?? false,
        });
      } finally {
        await runtime.notifyBatches.close();
      }
    }
    const {userId} = target;
    const {result, replayed} = await runtime.notify.send(
      userId,
      checked,
      runtime.log,
      {idempotencyKey},
    );
    deps.out(`${JSON.stringify(result, null, 2)}\n`);
    if (replayed)
      deps.err('(the stored result of an earlier send with this key)\n');
    const verdict = await judge(result, {
      userId,
      deviceGroups: runtime.config.deviceGroups,
      hasNotificationKey: async () => {
        const client = await runtime.db.client();
        const user = await runtime.db.callWithDeadline(() =>
          client.collection(USERS).doc(userId).get(),
        );
        return userDevices(userId, user).notificationKey !== null;
      },
    });
    if (verdict.note) deps.err(`${verdict.note}\n`);
    return verdict.code;
  } catch (err) {
    if (isAppError(err)) {
      deps.err(`${err.status}: ${JSON.stringify(err.body)}\n`);
      return err.status === 422 ? 2 : 1;
    }
    deps.err(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const EMULATOR_HOSTS = [
  'FIRESTORE_EMULATOR_HOST',
  'FCM_EMULATOR_HOST',
  'PUBSUB_EMULATOR_HOST',
] as const;

if (require.main === module) {
  exitWith(
    main(process.argv.slice(2), {
      env: process.env,
      ...stdio,
      isTTY: process.stderr.isTTY,
    }),
  );
}
