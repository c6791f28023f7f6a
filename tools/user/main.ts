/**
 * `npm run user -- create --id 2 --email someone@example.com`: creates or updates a user
 * (bcrypt-hashed password) in the Firestore the environment names (see ./target.ts).
 * Exit codes: 0 saved (or --help), 2 bad command line, 1 anything else.
 */
import {parseUserArgs, USAGE, type CreateUserArgs} from './args';
import {promptNewPassword, readPasswordFromStdin} from './password';
import {firestoreTarget, type FirestoreTarget} from './target';
import {checkEmulator, startTheStack} from '../cli/emulator-check';
import {exitWith} from '../cli/exit';

/** The SDK retries an unanswered call for minutes; a person at a terminal should not wait that long. */
const WRITE_DEADLINE_MS = 30_000;

class Failure extends Error {}

async function save(
  args: CreateUserArgs,
  password: string,
  target: Exclude<FirestoreTarget, {kind: 'unknown'}>,
): Promise<void> {
  // Loaded only now: the SDKs take most of a second to load, which --help and mistakes need not pay.
  const [{default: bcrypt}, {Firestore}, {upsertUser}] = await Promise.all([
    import('bcryptjs'),
    import('firebase-admin/firestore'),
    import('../../shared/auth/users'),
  ]);
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const db = new Firestore({projectId: target.projectId});
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Failure(
              `Firestore (project ${target.projectId}) did not answer within ${WRITE_DEADLINE_MS / 1000} s; ` +
                'check GOOGLE_CLOUD_PROJECT and your credentials (`gcloud auth application-default login`).',
            ),
          ),
        WRITE_DEADLINE_MS,
      );
    });
    const write = (async () =>
      upsertUser(db, {
        id: args.id,
        email: args.email,
        name: args.name,
        passwordHash: await bcrypt.hash(password, args.cost),
      }))();
    await Promise.race([write, deadline]);
  } finally {
    clearTimeout(timer);
    void db.terminate();
  }
}

async function main(argv: string[]): Promise<number> {
  const command = parseUserArgs(argv);
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
  const {args} = command;
  const target = firestoreTarget();
  if (target.kind === 'unknown') throw new Failure(target.problem);
  if (target.kind === 'emulator') {
    const reach = await checkEmulator(
      'FIRESTORE_EMULATOR_HOST',
      startTheStack('FIRESTORE_EMULATOR_HOST'),
    );
    if (reach.kind === 'down') throw new Failure(reach.problem);
  }
  const password =
    args.passwordFrom === 'stdin'
      ? await readPasswordFromStdin(process.stdin)
      : await promptNewPassword(process.stdin, process.stderr);
  if (password.kind === 'refused')
    throw new Failure(`No user saved: ${password.reason}.`);
  await save(args, password.password, target);
  const where =
    target.kind === 'emulator' ? `the emulator at ${target.host}` : 'Firestore';
  process.stdout.write(
    `user ${args.id} <${args.email.toLowerCase()}> saved in ${where}, project ${target.projectId}\n`,
  );
  return 0;
}

if (require.main === module) {
  exitWith(main(process.argv.slice(2)), {stack: false});
}
