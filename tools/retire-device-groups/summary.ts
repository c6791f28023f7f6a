/**
 * The per-outcome tally of a run, its text summary for the terminal and its JSON report.
 */
import type {Mode} from './args';
import type {OutcomeKind, UserOutcome} from './outcome';

/** The JSON written by `--report FILE`. */
export interface Report {
  mode: Mode;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  /** Where the run started (exclusive); null from the first user. */
  sinceUserId: string | null;
  /** Every user up to and including this one is done: pass it to --since-user-id to resume. */
  lastUserId: string | null;
  /** True when the run was stopped before the last user. */
  stopped: boolean;
  users: number;
  counts: Record<OutcomeKind, number>;
  /** Registration ids removed from groups (retire) or put in groups (rebuild). */
  tokens: number;
  /** Failed users per reason. */
  failureReasons: Record<string, number>;
  /** The failed users, in id order, so they can be looked at or retried. */
  failed: Array<{userId: string; reason: string}>;
}

/** Counts outcomes as users finish. */
export class Tally {
  users = 0;
  tokens = 0;
  readonly counts: Record<OutcomeKind, number> = {
    retired: 0,
    'already-retired': 0,
    'no-devices': 0,
    'not-found': 0,
    rebuilt: 0,
    failed: 0,
  };
  readonly reasons = new Map<string, number>();
  readonly failed: Array<{userId: string; reason: string}> = [];

  add(userId: string, outcome: UserOutcome): void {
    this.users += 1;
    this.counts[outcome.kind] += 1;
    if (outcome.kind === 'retired' || outcome.kind === 'rebuilt')
      this.tokens += outcome.tokens;
    if (outcome.kind === 'failed') {
      this.reasons.set(
        outcome.reason,
        (this.reasons.get(outcome.reason) ?? 0) + 1,
      );
      this.failed.push({userId, reason: outcome.reason});
    }
  }

  /** One short line for progress output. */
  line(mode: Mode): string {
    const c = this.counts;
    return mode === 'retire'
      ? `retired ${c.retired} · already retired ${c['already-retired']} · no devices ${c['no-devices']} · not found ${c['not-found']} · failed ${c.failed}`
      : `rebuilt ${c.rebuilt} · no devices ${c['no-devices']} · failed ${c.failed}`;
  }

  report(
    run: Pick<Report, 'mode' | 'dryRun' | 'startedAt' | 'sinceUserId'>,
    end: {lastUserId: string | null; stopped: boolean; finishedAt: string},
  ): Report {
    return {
      ...run,
      finishedAt: end.finishedAt,
      lastUserId: end.lastUserId,
      stopped: end.stopped,
      users: this.users,
      counts: {...this.counts},
      tokens: this.tokens,
      failureReasons: Object.fromEntries(
        [...this.reasons].sort(([, a], [, b]) => b - a),
      ),
      failed: [...this.failed].sort((a, b) =>
        a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0,
      ),
    };
  }
}

/** Failed users named on the terminal; the report lists them all. */
const FAILED_SHOWN = 10;

/** The summary as a person reads it at the end of a run. */
export function formatSummary(report: Report): string {
  const would = report.dryRun ? 'would be ' : '';
  const rows: Array<[string, number, string?]> =
    report.mode === 'retire'
      ? [
          [
            `${would}retired`,
            report.counts.retired,
            `${report.tokens} registration ids ${report.dryRun ? 'to remove' : 'removed'} from their groups`,
          ],
          [
            'already retired',
            report.counts['already-retired'],
            'no key stored',
          ],
          [
            'no devices',
            report.counts['no-devices'],
            `no token known: key ${report.dryRun ? 'to clear' : 'cleared'} only`,
          ],
          [
            'not found',
            report.counts['not-found'],
            'no group by that name under DEVICE_GROUP_PREFIX: nothing removed, key kept',
          ],
        ]
      : [
          [
            `${would}rebuilt`,
            report.counts.rebuilt,
            `${report.tokens} registration ids in their groups`,
          ],
          ['no devices', report.counts['no-devices'], 'nothing to group'],
        ];
  rows.push(['failed', report.counts.failed]);
  const title =
    report.mode === 'retire'
      ? 'Retire FCM device groups'
      : 'Rebuild FCM device groups from Firestore';
  const lines = [
    `${title}${report.dryRun ? ' (dry run: nothing changed)' : ''}`,
    `  users checked    ${String(report.users).padStart(8)}`,
    ...rows.map(
      ([label, n, note]) =>
        `  ${label.padEnd(16)} ${String(n).padStart(8)}${note ? `   ${note}` : ''}`,
    ),
    ...Object.entries(report.failureReasons).map(
      ([reason, n]) => `    ${String(n).padStart(6)}  ${reason}`,
    ),
  ];
  if (report.failed.length > 0) {
    const shown = report.failed.slice(0, FAILED_SHOWN).map(f => f.userId);
    const more = report.failed.length - shown.length;
    lines.push(
      `  failed users: ${shown.join(', ')}${more > 0 ? ` and ${more} more (see --report)` : ''}`,
      report.mode === 'retire'
        ? '  Their keys are kept: run the command again (without --since-user-id) to retry them.'
        : '  Run the command again (without --since-user-id) to retry them.',
    );
  }
  if (report.mode === 'retire' && report.counts['not-found'] > 0)
    lines.push(
      "  Groups not found: check that DEVICE_GROUP_PREFIX is the deployment's (with another prefix no",
      '  group is found and none is retired). If it is, those groups are gone already (FCM deletes an',
      '  emptied group): their keys stay, and nothing sends to them with DEVICE_GROUPS=firestore.',
    );
  lines.push(`Last user done: ${report.lastUserId ?? '(none)'}`);
  if (report.stopped && report.lastUserId !== null)
    lines.push(
      `Stopped before the end. Resume with: npm run retire-device-groups -- ${report.mode === 'rebuild' ? '--rebuild ' : ''}--since-user-id ${report.lastUserId}`,
    );
  else if (report.stopped)
    lines.push('Stopped before the first user was done.');
  return lines.join('\n') + '\n';
}
