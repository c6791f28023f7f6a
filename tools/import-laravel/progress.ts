/**
 * Progress on stderr: a bar redrawn in place on a terminal, otherwise one line each time
 * another `every` rows are done (logs and CI keep every line). Each line names the last
 * user written, which is where an interrupted run resumes.
 */
export interface ProgressOptions {
  totalUsers: number;
  totalTokens: number;
  every: number;
  tty: boolean;
  write: (text: string) => void;
}

export interface Progress {
  /** Reports that a page is done: rows so far, and the last user written. */
  update(users: number, tokens: number, lastUserWritten: string | null): void;
  done(): void;
}

const BAR_WIDTH = 30;

export function createProgress(opts: ProgressOptions): Progress {
  const total = opts.totalUsers + opts.totalTokens;
  let nextLine = opts.every;
  let drawn = false;
  return {
    update(users, tokens, last) {
      const rows = users + tokens;
      const counts = `users ${users}/${opts.totalUsers}, tokens ${tokens}/${opts.totalTokens}`;
      if (opts.tty) {
        const share = total === 0 ? 1 : Math.min(1, rows / total);
        const filled = Math.round(share * BAR_WIDTH);
        opts.write(
          `\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${Math.floor(share * 100)}% ${counts}`,
        );
        drawn = true;
        return;
      }
      if (rows < nextLine) return;
      nextLine = (Math.floor(rows / opts.every) + 1) * opts.every;
      opts.write(
        `progress: ${rows} rows (${counts}), last user written ${last ?? 'none'}\n`,
      );
    },
    done() {
      if (drawn) opts.write('\n');
    },
  };
}
