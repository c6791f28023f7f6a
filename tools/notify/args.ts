/**
 * Command-line options of `npm run notify`, read with the commands' one flag parser, which
 * reports every problem at once instead of the first.
 */
import type {NotificationMessage} from '../../shared/notify';
import {listFlag, parseFlags, stringFlag} from '../cli/flags';
import {usersFromFlag} from './users';

export const USAGE = `Usage: npm run notify -- --user ID [--title TEXT] [--body TEXT] [--data KEY=VALUE ...] [options]
       npm run notify -- --users ID,ID,... | --users-file FILE  [the same options]
Sends a notification to every device of a user, through the same code as the notifyUser
function, with the configuration of the environment (DEVICE_GROUPS, GOOGLE_CLOUD_PROJECT,
FCM_PROJECT_ID, FCM_EMULATOR_HOST, FIRESTORE_EMULATOR_HOST, ...; see docs/sending.md).
With --users or --users-file it sends to many users as notifyUsers does: it records batches
of up to 1000 users and publishes them to NOTIFY_TOPIC (PUBSUB_EMULATOR_HOST names the
emulator; npm start runs one, and the deliverNotification it pushes to), then follows them
with a progress bar and prints each batch's final status as JSON.

  --user ID                 one user's id
  --users ID,ID,...         many users (comma-separated)
  --users-file FILE         many users, one id per line
  --title TEXT              the notification's title
  --body TEXT               the notification's body
  --data KEY=VALUE          a data field; repeat for more
  --idempotency-key KEY     send at most once per key and user within 24 hours; with many
                            users, the batches' keys are KEY-1, KEY-2, ... (a second run with
                            the same users sends nothing more)
  -h, --help                this text

One of --user, --users or --users-file, and at least one of --title, --body or --data, are
required. "sent" counts the devices FCM accepted the message for. Exit status: 0 when every
device was sent to (or the user has none; with many users: when every user ended sent or
without devices), 1 when any was not, nothing sent included (stderr says why), or the send
failed, 2 for bad options.`;

/** Who the command sends to: one user, or many (a batch per 1000). */
export type Recipients =
  | {kind: 'user'; userId: string}
  | {kind: 'users'; users: string[]}
  /** Read by the command, so that the parse stays pure. */
  | {kind: 'users-file'; file: string};

export interface NotifyArgs {
  recipients: Recipients;
  message: NotificationMessage;
  idempotencyKey: string | undefined;
}

export type ParsedNotifyArgs =
  | {kind: 'run'; args: NotifyArgs}
  | {kind: 'help'}
  | {kind: 'invalid'; problems: string[]};

const OPTIONS = {
  user: {type: 'string'},
  users: {type: 'string'},
  'users-file': {type: 'string'},
  title: {type: 'string'},
  body: {type: 'string'},
  data: {type: 'string', multiple: true},
  'idempotency-key': {type: 'string'},
} as const;

/** Parses the command line; every problem is named. */
export function parseNotifyArgs(argv: readonly string[]): ParsedNotifyArgs {
  const parsed = parseFlags(argv, OPTIONS);
  if (parsed.help) return {kind: 'help'};
  const problems = [...parsed.problems];
  if (parsed.positionals.length)
    problems.push(`unexpected argument(s): ${parsed.positionals.join(' ')}`);
  const text = (name: string): string | undefined => {
    const value = stringFlag(parsed, name);
    return value === '' ? undefined : value;
  };
  const given = (['user', 'users', 'users-file'] as const).filter(
    name => parsed.values[name] !== undefined,
  );
  let recipients: Recipients | undefined;
  if (given.length > 1)
    problems.push(
      `${given.map(g => `--${g}`).join(' and ')} exclude each other`,
    );
  else if (given.length === 0)
    problems.push('one of --user, --users or --users-file is required');
  else if (given[0] === 'user') {
    const userId = text('user');
    if (userId !== undefined) recipients = {kind: 'user', userId};
    else if (!problems.includes('--user needs a value'))
      problems.push('--user needs a value');
  } else if (given[0] === 'users') {
    const list = usersFromFlag(stringFlag(parsed, 'users') ?? '');
    if (list.kind === 'ok') recipients = {kind: 'users', users: list.users};
    else problems.push(...list.problems);
  } else {
    const file = text('users-file');
    if (file !== undefined) recipients = {kind: 'users-file', file};
    else if (!problems.includes('--users-file needs a value'))
      problems.push('--users-file needs a value');
  }
  const data: Record<string, string> = {};
  const pairs = listFlag(parsed, 'data');
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) problems.push(`--data must be KEY=VALUE, got "${pair}"`);
    else data[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const title = text('title');
  const body = text('body');
  const message: NotificationMessage = {
    ...(title !== undefined || body !== undefined
      ? {notification: {...(title ? {title} : {}), ...(body ? {body} : {})}}
      : {}),
    ...(Object.keys(data).length > 0 ? {data} : {}),
  };
  if (
    message.notification === undefined &&
    message.data === undefined &&
    pairs.length === 0
  )
    problems.push('at least one of --title, --body or --data is required');
  if (problems.length > 0 || !recipients) return {kind: 'invalid', problems};
  return {
    kind: 'run',
    args: {recipients, message, idempotencyKey: text('idempotency-key')},
  };
}
