/**
 * Command-line options of `npm run notify`. node:util's parseArgs reads them (strict off,
 * with tokens) so that every problem is reported at once instead of the first.
 */
import {parseArgs} from 'node:util';
import type {NotificationMessage} from '../../shared/notify';

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
  help: {type: 'boolean', short: 'h'},
} as const;

/** Parses the command line; every problem is named. */
export function parseNotifyArgs(argv: readonly string[]): ParsedNotifyArgs {
  const {values, tokens} = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  if (values.help === true) return {kind: 'help'};
  const problems: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional')
      problems.push(`unexpected argument "${token.value}"`);
    else if (token.kind === 'option') {
      const spec = (OPTIONS as Record<string, {type: string}>)[token.name];
      if (!spec) problems.push(`unknown option ${token.rawName}`);
      else if (spec.type === 'string' && token.value === undefined)
        problems.push(`${token.rawName} needs a value`);
      else if (spec.type === 'boolean' && token.value !== undefined)
        problems.push(`${token.rawName} takes no value`);
    }
  }
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const userId = text('user');
  if (userId === undefined && !problems.some(p => p.startsWith('--user ')))
    problems.push('--user is required');
  const data: Record<string, string> = {};
  const pairs = Array.isArray(values.data) ? values.data : [];
  for (const pair of pairs) {
    if (typeof pair !== 'string') continue;
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
