/**
 * Checks a Cloud Scheduler time zone against the IANA time zone database as this Node.js
 * knows it (ICU): the canonical names of `Intl.supportedValuesOf('timeZone')`, `UTC`, and
 * the IANA aliases ICU resolves (`Etc/UTC`, `Asia/Kolkata`, `Europe/Kyiv`: ICU's list may
 * carry only the older name of a renamed zone, and the Scheduler accepts either).
 */

/** An `Area/Location` name as IANA writes it: every part starts with a capital letter. */
const IANA_SHAPE = /^[A-Z][A-Za-z_]*(\/[A-Z][A-Za-z0-9_+-]*)+$/;

let canonicalZones: ReadonlySet<string> | undefined;

/** The reason `zone` is not an IANA time zone, or `undefined` when it is one. */
export function timeZoneProblem(zone: string): string | undefined {
  canonicalZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  if (canonicalZones.has(zone)) return undefined;
  const expected = `an IANA time zone such as Europe/Amsterdam or UTC, got "${zone}"`;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
    }).resolvedOptions().timeZone;
  } catch {
    return `--time-zone must be ${expected}`;
  }
  // ICU matches names case-insensitively and knows abbreviations (EST); the Scheduler API
  // wants the IANA name as written.
  const caseOnly =
    resolved !== zone && resolved.toLowerCase() === zone.toLowerCase();
  if (caseOnly || !IANA_SHAPE.test(zone)) {
    const hint = canonicalZones.has(resolved)
      ? ` (did you mean ${resolved}?)`
      : '';
    return `--time-zone must be ${expected}${hint}`;
  }
  return undefined;
}
