/**
 * Progress of a run on stderr: a bar redrawn in place on a terminal, or one line per
 * `every` users otherwise (a log file or CI output should not fill with redraws).
 */
import type {Mode} from './args';
import type {Tally} from './summary';

export interface Progress {
  /** Called after each user. */
  update(): void;
  /** Writes a whole line (a log line) without breaking the bar. */
  note(line: string): void;
  /** Ends the progress output (the bar's line is finished). */
  done(): void;
}

export interface ProgressOptions {
  write: (text: string) => void;
  isTTY: boolean;
  /** Users the run will visit, when known (for the bar's percentage). */
  total: number | null;
  tally: Tally;
  mode: Mode;
  every?: number;
  /** Minimum time between redraws of the bar. */
  redrawMs?: number;
  now?: () => number;
}

const BAR_WIDTH = 24;

export function createProgress(options: ProgressOptions): Progress {
  const {write, tally, mode, total} = options;
  const every = options.every ?? 1000;
  const now = options.now ?? (() => performance.now());
  if (!options.isTTY) {
    return {
      update() {
        if (tally.users % every === 0)
          write(`${tally.users} users · ${tally.line(mode)}\n`);
      },
      note: line => write(`${line}\n`),
      done() {},
    };
  }
  const redrawMs = options.redrawMs ?? 100;
  let drawnAt = -Infinity;
  const bar = (): string => {
    const share = total ? Math.min(1, tally.users / total) : null;
    const filled = share === null ? 0 : Math.round(share * BAR_WIDTH);
    const head =
      share === null
        ? `${tally.users} users`
        : `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${Math.floor(share * 100)}% ${tally.users}/${total}`;
    return `\r\x1b[K${head} · ${tally.line(mode)}`;
  };
  return {
    update() {
      if (now() - drawnAt < redrawMs) return;
      drawnAt = now();
      write(bar());
    },
    note(line) {
      write(`\r\x1b[K${line}\n`);
      write(bar());
    },
    done() {
      write(`${bar()}\n`);
    },
  };
}
