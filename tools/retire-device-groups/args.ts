/**
 * Command line of `npm run retire-device-groups`; every bad flag is reported at once.
 */
import {parseFlags, stringFlag, wholeFlag} from '../cli/flags';
import type {CommandLine} from '../cli/usage';

export const USAGE = `Usage: npm run retire-device-groups -- [options]
Retires the FCM device groups after a switch to DEVICE_GROUPS=firestore: for each user with a
stored notification key, removes the user's tokens from the group and clears the key.
With --rebuild, does the reverse after a switch to DEVICE_GROUPS=fcm: rebuilds each user's
group from Firestore. Users are walked in document-id order; a run can be stopped (Ctrl-C)
and run again. See docs/switching-backends.md.

  --rebuild             rebuild the groups from Firestore (needs DEVICE_GROUPS=fcm)
  --dry-run             read and count, change nothing in FCM or Firestore
  --since-user-id ID    start after this user id (the "last user done" of an earlier run)
  --concurrency N       users handled at once, 1 to 100 (default 8)
  --report FILE         also write the summary as JSON to FILE
  --force               run although DEVICE_GROUPS names the other backend
  -h, --help            this text

Exit status: 0 done, 1 some users failed or their group was not found under
DEVICE_GROUP_PREFIX, 2 bad usage or refused, 130 stopped.`;

/** Which way the command switches. */
export type Mode = 'retire' | 'rebuild';

export interface RetireArgs {
  mode: Mode;
  dryRun: boolean;
  force: boolean;
  /** Start after this user id (document-id order); null from the first user. */
  sinceUserId: string | null;
  concurrency: number;
  /** Path of the JSON report, if asked for. */
  reportFile: string | null;
}

export type ParsedArgs = CommandLine<RetireArgs>;

const OPTIONS = {
  rebuild: {type: 'boolean'},
  'dry-run': {type: 'boolean'},
  force: {type: 'boolean'},
  'since-user-id': {type: 'string'},
  concurrency: {type: 'string'},
  report: {type: 'string'},
} as const;

/** User ids as the user command creates them (and as Firestore document ids allow). */
const USER_ID = /^[A-Za-z0-9_-]{1,128}$/;
export const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 100;

/** Parses `argv`; `-h`/`--help` anywhere wins over every problem. */
export function parseRetireArgs(argv: readonly string[]): ParsedArgs {
  const parsed = parseFlags(argv, OPTIONS, {positionals: false});
  if (parsed.help) return {kind: 'help'};
  const problems = [...parsed.problems];
  const since = stringFlag(parsed, 'since-user-id');
  if (since !== undefined && !USER_ID.test(since))
    problems.push(
      `--since-user-id must be a user id (1-128 letters, digits, _ or -), got "${since}"`,
    );
  const concurrency = wholeFlag(
    parsed,
    'concurrency',
    {min: 1, max: MAX_CONCURRENCY, fallback: DEFAULT_CONCURRENCY},
    problems,
  );
  if (problems.length > 0) return {kind: 'invalid', problems};
  const on = (name: keyof typeof OPTIONS) => parsed.values[name] === true;
  return {
    kind: 'run',
    args: {
      mode: on('rebuild') ? 'rebuild' : 'retire',
      dryRun: on('dry-run'),
      force: on('force'),
      sinceUserId: since ?? null,
      concurrency,
      reportFile: stringFlag(parsed, 'report') ?? null,
    },
  };
}
