/**
 * The benchmark's table and its JSON record.
 */
import type {ColdStartResult} from './cold-start';
import type {ScenarioResult} from './scenarios';

export interface SuiteReport {
  config: string;
  env: Record<string, string>;
  scenarios: ScenarioResult[];
}

const pad = (s: string, n: number) =>
  s.length >= n ? s : s + ' '.repeat(n - s.length);
const lpad = (s: string, n: number) =>
  s.length >= n ? s : ' '.repeat(n - s.length) + s;

/** Markdown table: one row per scenario and configuration, throughput relative to that run's floor. */
export function scenarioTable(suites: SuiteReport[]): string {
  const head = [
    'Scenario',
    'Auth cache',
    'req/s',
    'p50 ms',
    'p99 ms',
    '× floor',
    'Statuses',
    'FS reads/req',
    'FS writes/req',
    'FS RPCs/req',
  ];
  const rows: string[][] = [];
  for (const suite of suites) {
    const floor = suite.scenarios.find(s => s.name === 'floor');
    for (const s of suite.scenarios) {
      const measured = s.requests > 0;
      rows.push([
        s.name,
        suite.config,
        measured ? s.rps.toFixed(1) : '-',
        measured ? String(s.p50) : '-',
        measured ? String(s.p99) : '-',
        measured && floor && s.name !== 'floor'
          ? (s.rps / floor.rps).toFixed(2)
          : s.name === 'floor'
            ? '1.00'
            : '-',
        Object.entries(s.statuses)
          .map(([k, v]) => `${k}×${v}`)
          .join(' ') + (s.errors ? ` err×${s.errors}` : ''),
        s.firestore ? s.firestore.reads.toFixed(1) : '-',
        s.firestore ? s.firestore.writes.toFixed(1) : '-',
        s.firestore ? s.firestore.rpcs.toFixed(1) : '-',
      ]);
    }
  }
  return markdown(head, rows);
}

export function coldStartTable(results: ColdStartResult[]): string {
  const ms = (v: number | null) => (v === null ? '-' : String(Math.round(v)));
  const ratio = (v: number | null | undefined) => (v ? v.toFixed(2) : '-');
  return markdown(
    [
      'Function',
      'Ready (ms)',
      '× hello',
      'First 2xx (ms)',
      '× hello ',
      'First-2xx runs (ms)',
    ],
    results.map(r => [
      r.target,
      ms(r.readyMedianMs),
      ratio(r.readyRatioToHello),
      r.medianMs === null ? `none (${r.firstStatus})` : ms(r.medianMs),
      ratio(r.ratioToHello),
      r.runs.join(', ') || '-',
    ]),
  );
}

function markdown(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) =>
    Math.max(h.length, ...rows.map(r => r[i]!.length)),
  );
  const line = (cells: string[]) =>
    '| ' +
    cells
      .map((c, i) =>
        i >= 2 && i <= 5 ? lpad(c, widths[i]!) : pad(c, widths[i]!),
      )
      .join(' | ') +
    ' |';
  return [
    line(head),
    '|' +
      widths
        .map((w, i) =>
          i >= 2 && i <= 5 ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2),
        )
        .join('|') +
      '|',
    ...rows.map(line),
  ].join('\n');
}
