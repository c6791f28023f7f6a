/**
 * Command line of `npm run user`. The password is never a flag: a command line is visible
 * to every user of the machine (`ps`) and stays in shell history.
 */
import {parseFlags, stringFlag} from '../cli/flags';

export const USAGE = `Usage: npm run user -- create --id ID --email EMAIL [--name NAME] [--cost 10] [--password-stdin]

Creates a user, or updates the user with this id, in Firestore.
The password is asked for at a prompt (not echoed), or read from stdin with --password-stdin:
  printf '%s\\n' "$PASSWORD" | npm run user -- create --id 2 --email someone@example.com --password-stdin

Options:
  --id ID            the user id of the API paths: 1-128 letters, digits, _ or -
  --email EMAIL      the login name for HTTP Basic auth (stored lower-cased)
  --name NAME        a display name (optional)
  --cost N           bcrypt cost, 4-15 (default 10)
  --password-stdin   read the password from stdin (one line) instead of a prompt
  -h, --help         show this help

Where the user is written:
  FIRESTORE_EMULATOR_HOST   a Firestore emulator, e.g. 127.0.0.1:40021 for \`npm start\`
                            (project GOOGLE_CLOUD_PROJECT, default demo-device-registration)
  GOOGLE_CLOUD_PROJECT      otherwise, this project's Firestore, with application default credentials`;

export const PASSWORD_FLAG_REFUSED =
  '--password is not accepted: a password on the command line is visible to other users (ps) ' +
  'and stays in your shell history. Type it at the prompt, or pipe it with --password-stdin.';

export interface CreateUserArgs {
  id: string;
  email: string;
  name?: string;
  cost: number;
  passwordFrom: 'prompt' | 'stdin';
}

export type UserCommand =
  | {kind: 'help'}
  | {kind: 'create'; args: CreateUserArgs}
  | {kind: 'invalid'; problems: string[]};

/** Parses the command line, collecting every problem at once. */
export function parseUserArgs(argv: readonly string[]): UserCommand {
  const parsed = parseFlags(argv, {
    id: {type: 'string'},
    email: {type: 'string'},
    name: {type: 'string'},
    cost: {type: 'string'},
    'password-stdin': {type: 'boolean'},
    // Declared only to refuse it with the reason rather than as an unknown option.
    password: {type: 'string'},
  });
  if (parsed.help) return {kind: 'help'};
  const problems = parsed.problems.filter(p => !p.includes('--password '));
  const [command, ...extra] = parsed.positionals;
  if (command !== 'create')
    problems.unshift(
      command === undefined
        ? 'a command is required: create'
        : `unknown command "${command}" (the command is: create)`,
    );
  if (extra.length) problems.push(`unexpected argument(s): ${extra.join(' ')}`);
  if (argv.some(a => a === '--password' || a.startsWith('--password=')))
    problems.push(PASSWORD_FLAG_REFUSED);

  const id = stringFlag(parsed, 'id');
  const email = stringFlag(parsed, 'email');
  const name = stringFlag(parsed, 'name');
  const rawCost = stringFlag(parsed, 'cost') ?? '10';
  if (id === undefined) {
    if (!problems.includes('--id needs a value'))
      problems.push('--id is required');
  } else if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) {
    problems.push(`--id must be 1-128 letters, digits, _ or -, got "${id}"`);
  }
  if (email === undefined) {
    if (!problems.includes('--email needs a value'))
      problems.push('--email is required');
  } else if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    problems.push(`--email must be an email address, got "${email}"`);
  }
  const cost = Number(rawCost);
  if (!/^\d+$/.test(rawCost) || cost < 4 || cost > 15)
    problems.push(
      `--cost must be a whole number from 4 to 15, got "${rawCost}"`,
    );

  if (problems.length || id === undefined || email === undefined)
    return {kind: 'invalid', problems};
  return {
    kind: 'create',
    args: {
      id,
      email,
      name,
      cost,
      passwordFrom: parsed.values['password-stdin'] ? 'stdin' : 'prompt',
    },
  };
}
