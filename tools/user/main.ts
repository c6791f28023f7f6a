/**
 * `npm run user -- create|list|show|delete`: the operator's commands for users, in the
 * Firestore the environment names (see ./target.ts).
 * Exit codes: 0 done (or --help), 2 bad command line or settings, 1 anything else (a user
 * that does not exist, a refused or unfinished delete, Firestore not answering).
 */
import {ConfigError, parseConfig} from '../../shared/platform/config';
import {parseUserArgs, USAGE, type UserCommand} from './args';
import {
  Failure,
  openFirestore,
  withDeadline,
  type KnownTarget,
} from './firestore';
import {promptNewPassword, readPasswordFromStdin} from './password';
import {firestoreFromEnv} from './target';
import {
  unreachableEmulators,
  type EmulatorVariable,
} from '../cli/emulator-check';
import {exitWith, stdio} from '../cli/exit';
import {answerUsage} from '../cli/usage';

type Io = typeof stdio & {env: NodeJS.ProcessEnv};

async function create(
  command: Extract<UserCommand, {kind: 'create'}>,
  target: KnownTarget,
  io: Io,
): Promise<number> {
  const {args} = command;
  const password =
    args.passwordFrom === 'stdin'
      ? await readPasswordFromStdin(process.stdin)
      : await promptNewPassword(process.stdin, process.stderr);
  if (password.kind === 'refused')
    throw new Failure(`No user saved: ${password.reason}.`);
  const {createUser} = await import('./create');
  await createUser(args, password.password, target);
  const where =
    target.kind === 'emulator' ? `the emulator at ${target.host}` : 'Firestore';
  io.out(
    `user ${args.id} <${args.email.toLowerCase()}> saved in ${where}, project ${target.projectId}\n`,
  );
  return 0;
}

/** Runs a read-only command with its own Firestore client. */
async function read(
  target: KnownTarget,
  work: (db: Awaited<ReturnType<typeof openFirestore>>) => Promise<number>,
): Promise<number> {
  const db = await openFirestore(target);
  try {
    return await withDeadline(target, () => work(db));
  } finally {
    void db.terminate();
  }
}

async function remove(
  {id, force}: Extract<UserCommand, {kind: 'delete'}>,
  target: KnownTarget,
  io: Io,
): Promise<number> {
  const [{createRuntime}, {createLogger}, {deleteUser}] = await Promise.all([
    import('../../shared/runtime'),
    import('../../shared/platform/logger'),
    import('./delete'),
  ]);
  // The functions' settings, with npm start's defaults under an emulator (as for the project).
  const config = parseConfig({
    ...io.env,
    GOOGLE_CLOUD_PROJECT: target.projectId,
    DEVICE_GROUP_PREFIX:
      io.env.DEVICE_GROUP_PREFIX ??
      (target.kind === 'emulator' ? 'local' : undefined),
  });
  if (config.deviceGroups === 'fcm') {
    const down = await unreachableEmulators(
      ['FCM_EMULATOR_HOST'],
      undefined,
      io.env,
    );
    if (down.length) throw new Failure(down.join('\n'));
  }
  const runtime = createRuntime(
    config,
    createLogger('WARNING', line => io.err(`${line}\n`)),
  );
  const outcome = await deleteUser(id, runtime, io.out, {force});
  switch (outcome.kind) {
    case 'deleted':
      io.out(`User ${id} is deleted.\n`);
      return 0;
    case 'nothing-left':
      io.out(`Nothing of user ${id} is left: nothing to delete.\n`);
      return 0;
    case 'refused':
    case 'stopped':
      io.err(`${outcome.problem}\n`);
      return 1;
  }
}

export async function main(argv: string[], io: Io): Promise<number> {
  const command = parseUserArgs(argv);
  if (command.kind === 'help' || command.kind === 'invalid')
    return answerUsage(command, USAGE, io);
  const target = firestoreFromEnv(io.env);
  if (target.kind === 'unknown') throw new Failure(target.problem);
  const emulators: EmulatorVariable[] = ['FIRESTORE_EMULATOR_HOST'];
  const down = await unreachableEmulators(emulators, undefined, io.env);
  if (down.length) throw new Failure(down.join('\n'));
  try {
    switch (command.kind) {
      case 'create':
        return await create(command, target, io);
      case 'list': {
        const {listUsers} = await import('./list');
        return await read(target, async db => {
          io.out(await listUsers(db, command.args));
          return 0;
        });
      }
      case 'show': {
        const {showUser} = await import('./show');
        return await read(target, async db => {
          const shown = await showUser(db, command.id);
          (shown.kind === 'found' ? io.out : io.err)(shown.text);
          return shown.kind === 'found' ? 0 : 1;
        });
      }
      case 'delete':
        return await remove(command, target, io);
      case 'unthrottle':
        return await read(target, async db => {
          const [{clearLoginCounters}, {createDb}] = await Promise.all([
            import('../../shared/auth/login-throttle'),
            import('../../shared/firestore/db'),
          ]);
          const cleared = await clearLoginCounters(
            createDb(async () => db, 60_000),
            command.email,
          );
          io.out(
            cleared === 0
              ? `No login throttle counters for ${command.email}: nothing to clear.\n`
              : `Cleared ${cleared} login throttle counter${cleared === 1 ? '' : 's'} of ${command.email}; its owner can sign in from any device now.\n`,
          );
          return 0;
        });
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

if (require.main === module) {
  exitWith(main(process.argv.slice(2), {...stdio, env: process.env}), {
    stack: false,
  });
}
