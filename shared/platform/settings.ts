/**
 * Settings as rows: each environment variable is declared once, with its parser (and
 * bounds), its default and a one-line doc, as functions-framework-nodejs declares its
 * options. config.ts holds the table; the `Config` type, the checks and README's table
 * (tools/docs/settings-table.ts) all follow from the rows.
 */

/** One environment variable. `T` is the parsed value's type. */
export interface Setting<T> {
  env: string;
  /** Read when `env` is unset: another name for the same setting (GCLOUD_PROJECT, an older name). */
  alias?: string;
  /** Parses a non-blank value; throws an Error whose message completes "ENV …". */
  parse: (raw: string) => T;
  /** The value when unset. */
  fallback: T;
  /** The default as README shows it. */
  defaultDoc: string;
  doc: string;
}

/** A group of settings: key → row. */
export type Table = Record<string, Setting<unknown>>;

/** The parsed values of a table. */
export type Values<T extends Table> = {
  [K in keyof T]: T[K] extends Setting<infer V> ? V : never;
};

export type Env = Record<string, string | undefined>;

/** A problem with one variable, as `ConfigError` lists them. */
export interface Problem {
  variable: string;
  problem: string;
}

/** The trimmed value of `name`; undefined when unset or blank. */
export function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * Reads every row of `table`; a bad value is added to `problems` and replaced by its
 * fallback, so that one pass names every problem.
 */
export function readTable<T extends Table>(
  table: T,
  env: Env,
  problems: Problem[],
): Values<T> {
  const values: Record<string, unknown> = {};
  for (const [key, row] of Object.entries(table)) {
    // The problem names the variable the value came from (the row's, or its old alias).
    const name =
      raw(env, row.env) === undefined && row.alias ? row.alias : row.env;
    const value = raw(env, name);
    values[key] = row.fallback;
    if (value === undefined) continue;
    try {
      values[key] = row.parse(value);
    } catch (err) {
      problems.push({variable: name, problem: (err as Error).message});
    }
  }
  return values as Values<T>;
}

type RowOptions<T> = Omit<Setting<T>, 'env' | 'parse' | 'fallback' | 'doc'>;

function row<T>(
  env: string,
  parse: (raw: string) => T,
  fallback: T,
  doc: string,
  options: Partial<RowOptions<T>> = {},
): Setting<T> {
  return {
    env,
    parse,
    fallback,
    doc,
    defaultDoc:
      options.defaultDoc ??
      (fallback === undefined ? 'unset' : `\`${String(fallback)}\``),
    ...(options.alias ? {alias: options.alias} : {}),
  };
}

/** A whole number in [min, max]. */
export function int(
  env: string,
  fallback: number,
  min: number,
  max: number,
  doc: string,
  options: Partial<RowOptions<number>> = {},
): Setting<number> {
  const parse = (value: string) => {
    if (!/^\d+$/.test(value))
      throw new Error(`must be a whole number, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max)
      throw new Error(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };
  return row(env, parse, fallback, doc, options);
}

/** One of `allowed`, compared case-insensitively when `upper` (log levels). */
export function oneOf<T extends string>(
  env: string,
  allowed: readonly T[],
  fallback: T,
  doc: string,
  {upper = false}: {upper?: boolean} = {},
): Setting<T> {
  const parse = (value: string) => {
    const normalized = (upper ? value.toUpperCase() : value) as T;
    if (!allowed.includes(normalized))
      throw new Error(`must be one of ${allowed.join(', ')}, got "${value}"`);
    return normalized;
  };
  return row(env, parse, fallback, doc);
}

/** `true` or `false`. */
export function bool(
  env: string,
  fallback: boolean,
  doc: string,
): Setting<boolean> {
  const parse = (value: string) => {
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw new Error(`must be true or false, got "${value}"`);
  };
  return row(env, parse, fallback, doc);
}

/** A string matching `shape` (described as `what` in the problem), optional unless `fallback`. */
export function text<T extends string | undefined>(
  env: string,
  shape: RegExp,
  what: string,
  fallback: T,
  doc: string,
  options: Partial<RowOptions<string | T>> = {},
): Setting<string | T> {
  const parse = (value: string) => {
    if (!shape.test(value)) throw new Error(`must be ${what}, got "${value}"`);
    return value;
  };
  return row<string | T>(env, parse, fallback, doc, options);
}

/** A comma-separated list whose entries match `shape`; empty entries are skipped. */
export function list(
  env: string,
  shape: RegExp,
  what: string,
  doc: string,
): Setting<readonly string[]> {
  const parse = (value: string) => {
    const entries = value
      .split(',')
      .map(entry => entry.trim())
      .filter(entry => entry !== '');
    const bad = entries.find(entry => !shape.test(entry));
    if (bad !== undefined) throw new Error(`must be ${what}, got "${bad}"`);
    return entries;
  };
  return row<readonly string[]>(env, parse, [], doc, {defaultDoc: 'unset'});
}

/** Shapes several rows share. */
export const SHAPES = {
  email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
  url: /^https?:\/\/\S+$/,
  hostPort: /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/,
} as const;
