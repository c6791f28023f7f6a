/**
 * The operator's env file (`deploy.sh --env-file prod.env`): one `NAME=VALUE` a line.
 *
 * Strict on purpose: a line that is not understood is an error, never skipped, because a
 * skipped line is a setting that silently does not reach production (dotenv parsers, and
 * node's util.parseEnv, skip or misread such lines). The format:
 * - blank lines and lines starting with `#` are ignored;
 * - `NAME=VALUE`, optionally after `export `; NAME is letters, digits and `_`;
 * - VALUE is the rest of the line, trimmed; one pair of surrounding `"` or `'` is removed;
 * - `NAME=` (empty) removes the setting from the function;
 * - no comment after a value (` #` in an unquoted value is refused), no line continuation,
 *   each NAME once.
 */

export type EnvFile =
  | {kind: 'ok'; vars: ReadonlyMap<string, string>}
  | {kind: 'invalid'; problems: string[]};

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/;

/** Parses the text of an env file; every problem is named with its line number. */
export function parseEnvFile(text: string): EnvFile {
  const vars = new Map<string, string>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const at = `line ${index + 1}`;
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const match = LINE.exec(line);
    if (!match) {
      problems.push(`${at}: expected NAME=VALUE, got "${line.trim()}"`);
      return;
    }
    const [, name, rest] = match as unknown as [string, string, string];
    const value = unquote(rest.trim());
    if (value === undefined) {
      problems.push(
        `${at}: ${name}: a quoted value must end with its quote on the same line`,
      );
    } else if (!/^["']/.test(rest.trim()) && /\s#/.test(value)) {
      problems.push(
        `${at}: ${name}: a comment after a value is not supported (put it on its own line, or quote the value)`,
      );
    } else if (vars.has(name)) {
      problems.push(`${at}: ${name} is set twice`);
    } else {
      vars.set(name, value);
    }
  });
  return problems.length > 0 ? {kind: 'invalid', problems} : {kind: 'ok', vars};
}

/** The value without one pair of surrounding quotes; undefined when a quote is left open. */
function unquote(raw: string): string | undefined {
  const quote = raw[0];
  if (quote !== '"' && quote !== "'") return raw;
  if (raw.length < 2 || !raw.endsWith(quote)) return undefined;
  return raw.slice(1, -1);
}
