/**
 * Laravel writes `timestamp` columns as wall-clock text in the app's time zone
 * (`app.timezone`, UTC by default). These helpers turn that text back into an instant.
 */

/** Whether `zone` is a time zone this Node.js knows (IANA names such as `Europe/Paris`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', {timeZone: zone});
    return true;
  } catch {
    return false;
  }
}

const WALL_CLOCK =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;

/** One formatter per zone: creating one costs far more than using it (every timestamp is read). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let found = formatters.get(zone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, found);
  }
  return found;
}

/** How far `zone` is ahead of UTC at `instantMs`, in milliseconds. */
function offsetMs(zone: string, instantMs: number): number {
  if (zone === 'UTC') return 0;
  const parts = formatter(zone).formatToParts(new Date(instantMs));
  const get = (type: string) =>
    Number(parts.find(p => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant of a MySQL wall-clock text (`2024-05-01 12:00:00`) read in `zone`, or null
 * for NULL and for MySQL's zero date. A time skipped by a DST change moves forward.
 */
export function wallClockToDate(
  text: string | null,
  zone: string,
): Date | null {
  if (text === null) return null;
  const m = WALL_CLOCK.exec(text);
  if (!m || text.startsWith('0000-')) return null;
  const fraction = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  const asUtc =
    Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + fraction;
  // Two passes settle the offset, also across a DST change.
  let instant = asUtc - offsetMs(zone, asUtc);
  instant = asUtc - offsetMs(zone, instant);
  return new Date(instant);
}
