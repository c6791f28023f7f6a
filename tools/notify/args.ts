/**
 * Command-line options of `npm run notify`, read with the commands' one flag parser, which
 * reports every problem at once instead of the first.
 */
import type {NotificationMessage} from '../../shared/notify';
import {listFlag, parseFlags, stringFlag} from '../cli/flags';

export const USAGE = `Usage: npm run notify -- --user ID [--title TEXT] [--body TEXT] [--data KEY=VALUE ...] [options]
Sends a notification to every device of a user, through the same code as the notifyUser
function, with the configuration of the environment (DEVICE_GROUPS, GOOGLE_CLOUD_PROJECT,
FCM_PROJECT_ID, FCM_EMULATOR_HOST, FIRESTORE_EMULATOR_HOST, ...; see docs/sending.md).

  --user ID                 (required) the user's id
  --title TEXT              the notification's title
  --body TEXT               the notification's body
  --data KEY=VALUE          a data field; repeat for more
  --idempotency-key KEY     send at most once per key and user within 24 hours
  -h, --help                this text

At least one of --title, --body or --data is required. "sent" counts the devices FCM
accepted the message for. Exit status: 0 when every device was sent to (or the user has
none), 1 when any was not, nothing sent included (stderr says why), or the send failed,
2 for bad options.`;

export interface NotifyArgs {
  userId: string;
  message: NotificationMessage;
  idempotencyKey: string | undefined;
}

export type ParsedNotifyArgs =
  | {kind: 'run'; args: NotifyArgs}
  | {kind: 'help'}
  | {kind: 'invalid'; problems: string[]};

const OPTIONS = {
  user: {type: 'string'},
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
  const userId = text('user');
  if (userId === undefined && !problems.some(p => p.startsWith('--user ')))
    problems.push('--user is required');
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
  if (problems.length > 0) return {kind: 'invalid', problems};
  return {
    kind: 'run',
    args: {userId: userId!, message, idempotencyKey: text('idempotency-key')},
  };
}
