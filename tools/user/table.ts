/**
 * Plain-text output of the user command: aligned columns and UTC times, as a terminal shows them.
 */
import type {Timestamp} from 'firebase-admin/firestore';
import {laravelTimestamp} from '../../shared/http/token-json';

/** Rows with their columns padded to a common width, one line each (the last column unpadded). */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach(
      (cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)),
    );
  return rows
    .map(row =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell.padEnd(widths[i]!),
        )
        .join('  ')
        .trimEnd(),
    )
    .map(line => `${line}\n`)
    .join('');
}

/** `2026-11-25 22:13:40 UTC`, or `-` for no time. */
export function utc(at: Timestamp | Date | undefined): string {
  if (at === undefined) return '-';
  return `${laravelTimestamp(at instanceof Date ? at : at.toDate())} UTC`;
}

/** The latest of some times. */
export function latest(times: readonly Timestamp[]): Timestamp | undefined {
  return times.reduce<Timestamp | undefined>(
    (a, b) => (a === undefined || b.toMillis() > a.toMillis() ? b : a),
    undefined,
  );
}
