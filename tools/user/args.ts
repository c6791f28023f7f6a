/**
 * Command line of `npm run user`: create, list, show and delete. The password is never a
 * flag: a command line is visible to every user of the machine (`ps`) and stays in shell
 * history.
 */
import {
  parseFlags,
  stringFlag,
  wholeFlag,
  type ParsedFlags,
} from '../cli/flags';

export const USAGE = `Usage: npm run user -- create --id ID --email EMAIL [--name NAME] [--cost 10] [--password-stdin]
       npm run user -- list [--email PREFIX] [--limit 100]
       npm run user -- show ID
       npm run user -- delete ID [--force]
       npm run user -- unthrottle EMAIL

Commands:
  create   creates a user, or updates the user with this id. The password (at least 8
           characters, Laravel's default rule) is asked for at a prompt (not echoed), or read
           from stdin with --password-stdin:
             printf '%s\\n' "$PASSWORD" | npm run user -- create --id 2 --email someone@example.com --password-stdin
  list     lists users by id, or those whose email starts with PREFIX, with their number of
           devices and when one was last registered
  show     one user: email, name, devices (token id, last seen, registered), never the
           password hash or a whole token
  delete   deletes the user, then their tokens (through the devices backend, so that FCM
           groups and Firestore keep agreeing), their group or device list, and their email
           entry, in that order; a delete that stops half-way finishes when run again.
           With DEVICE_GROUPS=fcm it refuses, changing nothing, when FCM knows no group by
           the user's group name although a notification key is stored (a wrong
           DEVICE_GROUP_PREFIX would leave the devices in their group); --force goes on
           when the group is known to be gone
  unthrottle
           clears the login throttle's counters of EMAIL (its budget across clients, and its
           counters per client address and per registered device, in every window), so that
           its owner can sign in from a new device at once; a client address's own counter
           (shared by every email used from it) is left to expire

Options:
  --id ID            (create) the user id of the API paths: 1-128 letters, digits, _ or -
  --email EMAIL      (create) the login name for HTTP Basic auth (stored lower-cased);
                     (list) only emails starting with this
  --name NAME        (create) a display name (optional)
  --cost N           (create) bcrypt cost, 4-15 (default 10)
  --password-stdin   (create) read the password from stdin (one line) instead of a prompt
  --limit N          (list) at most N users, 1-1000 (default 100)
  --force            (delete) go on although FCM knows no group by the user's group name
  -h, --help         show this help

Where the users are:
  FIRESTORE_EMULATOR_HOST   a Firestore emulator, e.g. 127.0.0.1:40021 for \`npm start\`
                            (project GOOGLE_CLOUD_PROJECT, default demo-device-registration)
  GOOGLE_CLOUD_PROJECT      otherwise, this project's Firestore, with application default credentials
delete also uses the functions' settings: DEVICE_GROUPS as the data was written (fcm by
default), and for fcm FCM_EMULATOR_HOST (127.0.0.1:40022 for \`npm start\`) or FCM_SENDER_ID,
and DEVICE_GROUP_PREFIX (under FIRESTORE_EMULATOR_HOST the default is npm start's, local).`;

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

export interface ListUsersArgs {
  /** Lower-cased; absent: every user, by id. */
  emailPrefix?: string;
  limit: number;
}

export type UserCommand =
  | {kind: 'help'}
  | {kind: 'create'; args: CreateUserArgs}
  | {kind: 'list'; args: ListUsersArgs}
  | {kind: 'show'; id: string}
  | {kind: 'delete'; id: string; force: boolean}
  | {kind: 'unthrottle'; email: string}
  | {kind: 'invalid'; problems: string[]};

const COMMANDS = ['create', 'list', 'show', 'delete', 'unthrottle'] as const;
type CommandName = (typeof COMMANDS)[number];

/** The flags each command takes; any other is refused. */
const FLAGS: Record<CommandName, readonly string[]> = {
  create: ['id', 'email', 'name', 'cost', 'password-stdin', 'password'],
  list: ['email', 'limit'],
  show: [],
  delete: ['force'],
  unthrottle: [],
};

const USER_ID = /^[A-Za-z0-9_-]{1,128}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** Parses the command line, collecting every problem at once. */
export function parseUserArgs(argv: readonly string[]): UserCommand {
  const parsed = parseFlags(argv, {
    id: {type: 'string'},
    email: {type: 'string'},
    name: {type: 'string'},
    cost: {type: 'string'},
    limit: {type: 'string'},
    force: {type: 'boolean'},
    'password-stdin': {type: 'boolean'},
    // Declared only to refuse it with the reason rather than as an unknown option.
    password: {type: 'string'},
  });
  if (parsed.help) return {kind: 'help'};
  const problems = parsed.problems.filter(p => !p.includes('--password '));
  const [command, ...rest] = parsed.positionals;
  if (!COMMANDS.includes(command as CommandName)) {
    problems.unshift(
      command === undefined
        ? `a command is required: ${COMMANDS.join(', ')}`
        : `unknown command "${command}" (the commands are: ${COMMANDS.join(', ')})`,
    );
  }
  if (argv.some(a => a === '--password' || a.startsWith('--password=')))
    problems.push(PASSWORD_FLAG_REFUSED);
  const name = command as CommandName;
  if (!COMMANDS.includes(name)) return {kind: 'invalid', problems};
  for (const flag of Object.keys(parsed.values))
    if (!FLAGS[name].includes(flag))
      problems.push(`--${flag} is not an option of ${name}`);
  switch (name) {
    case 'create':
      if (rest.length)
        problems.push(`unexpected argument(s): ${rest.join(' ')}`);
      return parseCreate(parsed, problems);
    case 'list':
      if (rest.length)
        problems.push(`unexpected argument(s): ${rest.join(' ')}`);
      return parseList(parsed, problems);
    case 'show':
      return parseTarget(rest, problems, id => ({kind: 'show', id}));
    case 'delete':
      return parseTarget(rest, problems, id => ({
        kind: 'delete',
        id,
        force: parsed.values.force === true,
      }));
    case 'unthrottle': {
      const [email, ...extra] = rest;
      if (email === undefined) problems.push('an email is required');
      else if (!EMAIL.test(email))
        problems.push(`the email must be an email address, got "${email}"`);
      if (extra.length)
        problems.push(`unexpected argument(s): ${extra.join(' ')}`);
      if (problems.length || email === undefined)
        return {kind: 'invalid', problems};
      return {kind: 'unthrottle', email: email.trim().toLowerCase()};
    }
  }
}

function parseCreate(parsed: ParsedFlags, problems: string[]): UserCommand {
  const id = stringFlag(parsed, 'id');
  const email = stringFlag(parsed, 'email');
  const name = stringFlag(parsed, 'name');
  if (id === undefined) {
    if (!parsed.valueless.includes('id')) problems.push('--id is required');
  } else if (!USER_ID.test(id)) {
    problems.push(`--id must be 1-128 letters, digits, _ or -, got "${id}"`);
  }
  if (email === undefined) {
    if (!parsed.valueless.includes('email'))
      problems.push('--email is required');
  } else if (!EMAIL.test(email)) {
    problems.push(`--email must be an email address, got "${email}"`);
  }
  const cost = wholeFlag(
    parsed,
    'cost',
    {min: 4, max: 15, fallback: 10},
    problems,
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

function parseList(parsed: ParsedFlags, problems: string[]): UserCommand {
  const prefix = stringFlag(parsed, 'email');
  const limit = wholeFlag(
    parsed,
    'limit',
    {min: 1, max: MAX_LIMIT, fallback: DEFAULT_LIMIT},
    problems,
  );
  if (prefix !== undefined && prefix.trim() === '')
    problems.push('--email needs a prefix');
  if (problems.length) return {kind: 'invalid', problems};
  return {
    kind: 'list',
    args: {
      limit,
      ...(prefix === undefined
        ? {}
        : {emailPrefix: prefix.trim().toLowerCase()}),
    },
  };
}

function parseTarget(
  rest: string[],
  problems: string[],
  command: (id: string) => UserCommand,
): UserCommand {
  const [id, ...extra] = rest;
  if (id === undefined) problems.push('a user id is required');
  else if (!USER_ID.test(id))
    problems.push(
      `the user id must be 1-128 letters, digits, _ or -, got "${id}"`,
    );
  if (extra.length) problems.push(`unexpected argument(s): ${extra.join(' ')}`);
  if (problems.length || id === undefined) return {kind: 'invalid', problems};
  return command(id);
}
