/**
 * `npm run user -- create --id 2 --email someone@example.com --password secret`
 * Creates or updates a user (bcrypt-hashed password) in the Firestore the environment
 * points at: FIRESTORE_EMULATOR_HOST for an emulator, else the project of the
 * application default credentials (GOOGLE_CLOUD_PROJECT).
 */
import {parseArgs} from 'node:util';
import bcrypt from 'bcryptjs';
import {Firestore} from 'firebase-admin/firestore';
import {upsertUser} from '../shared/auth/users';

const USAGE =
  'usage: npm run user -- create --id ID --email EMAIL --password PASSWORD [--name NAME] [--cost 10]';

export interface CreateUserArgs {
  id: string;
  email: string;
  password: string;
  name?: string;
  cost: number;
}

/** Parses the command line; throws an Error with the usage on anything wrong. */
export function parseUserArgs(argv: string[]): CreateUserArgs {
  const {positionals, values} = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      id: {type: 'string'},
      email: {type: 'string'},
      password: {type: 'string'},
      name: {type: 'string'},
      cost: {type: 'string', default: '10'},
    },
  });
  if (positionals[0] !== 'create' || positionals.length !== 1)
    throw new Error(USAGE);
  const {id, email, password, name} = values;
  if (!id || !/^[A-Za-z0-9_-]{1,128}$/.test(id))
    throw new Error(`--id must be 1-128 letters, digits, _ or -\n${USAGE}`);
  if (!email || !/^[^\s@]+@[^\s@]+$/.test(email))
    throw new Error(`--email must be an email address\n${USAGE}`);
  if (!password || Buffer.byteLength(password) > 72)
    throw new Error(`--password is required (at most 72 bytes)\n${USAGE}`);
  const cost = Number(values.cost);
  if (!Number.isInteger(cost) || cost < 4 || cost > 15)
    throw new Error(`--cost must be 4-15\n${USAGE}`);
  return {id, email, password, name, cost};
}

async function main(): Promise<void> {
  const args = parseUserArgs(process.argv.slice(2));
  const projectId =
    process.env.GOOGLE_CLOUD_PROJECT ??
    process.env.GCLOUD_PROJECT ??
    (process.env.FIRESTORE_EMULATOR_HOST
      ? 'demo-device-registration'
      : undefined);
  const db = new Firestore(projectId ? {projectId} : {});
  try {
    await upsertUser(db, {
      id: args.id,
      email: args.email,
      name: args.name,
      passwordHash: await bcrypt.hash(args.password, args.cost),
    });
    const where = process.env.FIRESTORE_EMULATOR_HOST
      ? `emulator ${process.env.FIRESTORE_EMULATOR_HOST}`
      : 'Firestore';
    process.stdout.write(
      `user ${args.id} <${args.email.toLowerCase()}> saved in ${where}, project ${projectId ?? '(default)'}\n`,
    );
  } finally {
    await db.terminate();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}
