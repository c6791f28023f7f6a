/**
 * Progress of a long command on stderr: on a terminal, one line redrawn in place (a bar
 * when the total is known); otherwise a line each time another `every` items are done, so
 * that a log file or CI output keeps every line and does not fill with redraws.
 */

export interface ProgressOptions {
  write: (text: string) => void;
  /** Whether `write` goes to a terminal. */
  isTTY: boolean;
  /** How many items the run will do, when known: the bar shows the share done. */
  total: number | null;
  /** What an item is, in the plural ("users", "rows"): `1000 users · …`. */
  unit: string;
  /** Away from a terminal: a line each time the count passes another multiple of this. */
  every: number;
  /** On a terminal, the least time between two redraws. Default 100 ms. */
  redrawMs?: number;
  now?: () => number;
}

export interface Progress {
  /** `done` items are finished; `label`, when given, follows the count (`… · label`). */
  update(done: number, label?: string): void;
  /** Writes a whole line (a log line) without breaking the bar. */
  note(line: string): void;
  /** Ends the progress output: the last state is drawn and its line finished. */
  done(): void;
}

const BAR_WIDTH = 24;
/** Back to the start of the line, and erase it. */
const REDRAW = '\r\x1b[K';

/** A progress printer for one run. */
export function createProgress(options: ProgressOptions): Progress {
  const {write, total, unit, every} = options;
  let last: {done: number; label?: string} | null = null;
  const line = ({done, label}: {done: number; label?: string}): string => {
    const share = total ? Math.min(1, done / total) : null;
    const filled = share === null ? 0 : Math.round(share * BAR_WIDTH);
    const head =
      share === null
        ? `${done} ${unit}`
        : `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${Math.floor(share * 100)}% ${done}/${total}`;
    return label === undefined ? head : `${head} · ${label}`;
  };

  if (!options.isTTY) {
    let next = every;
    return {
      update(done, label) {
        if (done < next) return;
        // Several may finish at once (a page of rows): one line, then the next multiple.
        next = (Math.floor(done / every) + 1) * every;
        write(`${done} ${unit}${label === undefined ? '' : ` · ${label}`}\n`);
      },
      note: text => write(`${text}\n`),
      done() {},
    };
  }

  const redrawMs = options.redrawMs ?? 100;
  const now = options.now ?? (() => performance.now());
  let drawnAt = -Infinity;
  return {
    update(done, label) {
      last = {done, label};
      if (now() - drawnAt < redrawMs) return;
      drawnAt = now();
      write(`${REDRAW}${line(last)}`);
    },
    note(text) {
      write(`${REDRAW}${text}\n`);
      if (last) write(`${REDRAW}${line(last)}`);
    },
    done() {
      if (last) write(`${REDRAW}${line(last)}\n`);
    },
  };
}
