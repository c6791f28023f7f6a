/**
 * The benchmark's tables (Markdown, printed and kept in the JSON record).
 */
import type {ColdStartResult} from './cold-start';
import type {RowResult, SideResult} from './scenarios';

const pad = (s: string, n: number) =>
  s.length >= n ? s : s + ' '.repeat(n - s.length);
const lpad = (s: string, n: number) =>
  s.length >= n ? s : ' '.repeat(n - s.length) + s;

const statuses = (s: SideResult) =>
  Object.entries(s.statuses)
    .map(([k, v]) => `${k}×${v}`)
    .join(' ') + (s.errors ? ` err×${s.errors}` : '');

/** Throughput and latency of ours against the floor, row by row. */
export function throughputTable(rows: RowResult[]): string {
  return markdown(
    [
      'Row',
      'Target',
      'Ours req/s',
      'Floor req/s',
      '× floor',
      'Rounds × floor',
      '× framework floor',
      'Rounds × framework floor',
      'Ours p50/p99 ms',
      'Floor p50/p99 ms',
      'Ours statuses',
      'Floor statuses',
    ],
    rows.map(r => [
      r.name,
      r.target,
      r.ours.rps.toFixed(1),
      r.floor.rps.toFixed(1),
      r.ratio.toFixed(2),
      r.roundRatios.map(x => x.toFixed(2)).join(', '),
      r.frameworkRatio === undefined ? '-' : r.frameworkRatio.toFixed(2),
      r.frameworkRoundRatios?.map(x => x.toFixed(2)).join(', ') ?? '-',
      `${r.ours.p50}/${r.ours.p99}`,
      `${r.floor.p50}/${r.floor.p99}`,
      statuses(r.ours),
      statuses(r.floor),
    ]),
    [2, 3, 4, 6],
  );
}

/** Work per request served: Firestore round trips and documents, server CPU, emulator CPU. */
export function costTable(rows: RowResult[]): string {
  const ms = (v: number | null) => (v === null ? '-' : v.toFixed(2));
  const ratio = (a: number | null, b: number | null) =>
    a === null || b === null || b === 0 ? '-' : (a / b).toFixed(2);
  return markdown(
    [
      'Row',
      'FS RPCs ours/floor',
      'FS reads/writes ours',
      'Server CPU ms ours',
      'floor',
      '× floor',
      'Emulator CPU ms ours',
      'floor ',
      '× floor ',
    ],
    rows.map(r => {
      const o = r.ours.perRequest;
      const f = r.floor.perRequest;
      return [
        r.name,
        `${o.rpcs.toFixed(1)} / ${f.rpcs.toFixed(1)}`,
        `${o.reads.toFixed(1)} / ${o.writes.toFixed(1)}`,
        ms(o.serverCpuMs),
        ms(f.serverCpuMs),
        ratio(o.serverCpuMs, f.serverCpuMs),
        ms(o.emulatorCpuMs),
        ms(f.emulatorCpuMs),
        ratio(o.emulatorCpuMs, f.emulatorCpuMs),
      ];
    }),
    [3, 4, 5, 6, 7, 8],
  );
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
    [1, 2, 3, 4, 5],
  );
}

/** A Markdown table; the columns in `right` are right-aligned. */
function markdown(head: string[], rows: string[][], right: number[]): string {
  const widths = head.map((h, i) =>
    Math.max(h.length, ...rows.map(r => r[i]!.length)),
  );
  const line = (cells: string[]) =>
    '| ' +
    cells
      .map((c, i) =>
        right.includes(i) ? lpad(c, widths[i]!) : pad(c, widths[i]!),
      )
      .join(' | ') +
    ' |';
  return [
    line(head),
    '|' +
      widths
        .map((w, i) =>
          right.includes(i) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2),
        )
        .join('|') +
      '|',
    ...rows.map(line),
  ].join('\n');
}
