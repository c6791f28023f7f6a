/**
 * Command line of `npm run retire-device-groups`: node:util's parseArgs, read in its
 * non-strict token form so that every bad flag is reported at once, not only the first.
 */
import {parseArgs} from 'node:util';

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

export type ParsedArgs =
  | {kind: 'run'; args: RetireArgs}
  | {kind: 'help'}
  | {kind: 'invalid'; problems: string[]};

const OPTIONS = {
  rebuild: {type: 'boolean'},
  'dry-run': {type: 'boolean'},
  force: {type: 'boolean'},
  'since-user-id': {type: 'string'},
  concurrency: {type: 'string'},
  report: {type: 'string'},
  help: {type: 'boolean', short: 'h'},
} as const;

/** User ids as the user command creates them (and as Firestore document ids allow). */
const USER_ID = /^[A-Za-z0-9_-]{1,128}$/;
export const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 100;

/** Parses `argv`; `-h`/`--help` anywhere wins over every problem. */
export function parseRetireArgs(argv: readonly string[]): ParsedArgs {
  const {tokens} = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const problems: string[] = [];
  const values = new Map<string, string | true>();
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      problems.push(`unexpected argument "${token.value}"`);
      continue;
    }
    const {name, rawName, value, inlineValue} = token;
    if (name === 'help') return {kind: 'help'};
    const spec = Object.hasOwn(OPTIONS, name)
      ? OPTIONS[name as keyof typeof OPTIONS]
      : undefined;
    if (!spec) problems.push(`unknown option ${rawName}`);
    else if (spec.type === 'boolean') {
      if (value !== undefined) problems.push(`${rawName} takes no value`);
      else values.set(name, true);
    } else if (
      value === undefined ||
      value === '' ||
      // `--concurrency --dry-run` is a missing value, not the value "--dry-run".
      (!inlineValue && value.startsWith('-'))
    ) {
      problems.push(`${rawName} needs a value`);
      if (value?.startsWith('-')) problems.push(...recheck(value));
    } else values.set(name, value);
  }

  const since = values.get('since-user-id');
  if (typeof since === 'string' && !USER_ID.test(since))
    problems.push(
      `--since-user-id must be a user id (1-128 letters, digits, _ or -), got "${since}"`,
    );
  const rawConcurrency = values.get('concurrency');
  const concurrency =
    typeof rawConcurrency === 'string'
      ? Number(rawConcurrency)
      : DEFAULT_CONCURRENCY;
  if (
    typeof rawConcurrency === 'string' &&
    (!/^\d+$/.test(rawConcurrency) ||
      concurrency < 1 ||
      concurrency > MAX_CONCURRENCY)
  )
    problems.push(
      `--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got "${rawConcurrency}"`,
    );
  if (problems.length > 0) return {kind: 'invalid', problems};
  const report = values.get('report');
  return {
    kind: 'run',
    args: {
      mode: values.has('rebuild') ? 'rebuild' : 'retire',
      dryRun: values.has('dry-run'),
      force: values.has('force'),
      sinceUserId: typeof since === 'string' ? since : null,
      concurrency,
      reportFile: typeof report === 'string' ? report : null,
    },
  };
}

/** An option swallowed as another's value is still checked: an unknown one is named too. */
function recheck(word: string): string[] {
  const name = word.replace(/^--?/, '').split('=')[0]!;
  const known = Object.entries(OPTIONS).some(
    ([long, spec]) => long === name || ('short' in spec && spec.short === name),
  );
  return known ? [] : [`unknown option ${word.split('=')[0]}`];
}
