/**
 * Command-line flags of every command. Node's `parseArgs` stops at the first problem; this
 * reads its tokens and collects every unknown, valueless or misused flag, so that one run
 * reports them all. `--x=v` and `--x v` are both accepted (parseArgs' own rules).
 */
import {parseArgs} from 'node:util';
import {answerUsage} from './usage';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** A string flag that may be repeated: its values are kept in order, as a list. */
  multiple?: true;
}

export interface ParseOptions {
  /**
   * false: the command takes no positional arguments, and each is a problem
   * (`unexpected argument "x"`), named in its place among the others. Default true.
   */
  positionals?: boolean;
}

export interface ParsedFlags {
  /** The value of each flag that was given (the last one when repeated; all of them, in order, for `multiple`). */
  values: Record<string, string | boolean | string[] | undefined>;
  /** Every well-formed flag, in the order given: for commands where the order means something. */
  given: Array<{name: string; value: string | true}>;
  positionals: string[];
  /** `--help` or `-h` was given: callers print their usage and exit 0, whatever else is wrong. */
  help: boolean;
  /**
   * The string flags given without a value (each already among `problems`), so that a
   * command does not also report them as missing.
   */
  valueless: string[];
  /** Every problem found, one sentence each, in the order of the command line; empty when the flags are well-formed. */
  problems: string[];
}

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

/** Names of flags that would carry a secret; no command takes one on its command line. */
const SECRET_FLAG = /pass(word)?|secret|credential|private-key/i;

/** Parses `argv` against `spec` (flag name to type) without throwing. */
export function parseFlags(
  argv: readonly string[],
  spec: Record<string, FlagSpec>,
  {positionals: allowPositionals = true}: ParseOptions = {},
): ParsedFlags {
  const options: Record<string, FlagSpec> = {
    ...spec,
    help: {type: 'boolean', short: 'h'},
  };
  const parsed: ParsedFlags = {
    values: {},
    given: [],
    positionals: [],
    help: false,
    valueless: [],
    problems: [],
  };
  const {values, given, positionals, valueless, problems} = parsed;
  // The word after an unknown flag that names a secret is taken as that secret: never echoed.
  let secretNext = false;
  for (const token of tokensOf(argv, options)) {
    if (token.kind === 'positional') {
      if (secretNext) secretNext = false;
      else if (allowPositionals) positionals.push(token.value);
      else problems.push(`unexpected argument "${token.value}"`);
      continue;
    }
    secretNext = false;
    if (token.kind !== 'option') continue;
    const flag = Object.hasOwn(options, token.name)
      ? options[token.name]
      : undefined;
    if (!flag && SECRET_FLAG.test(token.name)) {
      problems.push(
        `${token.rawName} is not accepted: a secret on the command line is visible to other users (ps) and stays in shell history (see --help for where it goes)`,
      );
      secretNext = token.value === undefined;
    } else if (!flag) {
      problems.push(`unknown option ${token.rawName}`);
    } else if (token.name === 'help') {
      parsed.help = true;
    } else if (flag.type === 'boolean') {
      if (token.value !== undefined)
        problems.push(`${token.rawName} takes no value`);
      else {
        values[token.name] = true;
        given.push({name: token.name, value: true});
      }
    } else if (!token.value) {
      // Absent, or empty (`--x=`, `--x "$UNSET"`): the same forgotten value.
      problems.push(`${token.rawName} needs a value`);
      valueless.push(token.name);
    } else {
      given.push({name: token.name, value: token.value});
      if (flag.multiple) {
        const list = values[token.name];
        values[token.name] = [
          ...(Array.isArray(list) ? list : []),
          token.value,
        ];
      } else {
        values[token.name] = token.value;
      }
    }
  }
  return parsed;
}

/**
 * parseArgs' tokens, except that a string flag never takes a following flag as its value:
 * in `--id --email x`, parseArgs hands "--email" to --id; here --id has no value and
 * --email is read as the flag it is.
 */
function tokensOf(
  argv: readonly string[],
  options: Record<string, FlagSpec>,
): Token[] {
  const shorts = new Set(
    Object.values(options).flatMap(o => (o.short ? [`-${o.short}`] : [])),
  );
  const flagLike = (word: string) => word.startsWith('--') || shorts.has(word);
  const tokens: Token[] = [];
  let args = [...argv];
  for (;;) {
    const batch = parseArgs({
      args,
      options,
      strict: false,
      allowPositionals: true,
      tokens: true,
    }).tokens;
    const cut = batch.findIndex(
      t =>
        t.kind === 'option' &&
        t.value !== undefined &&
        !t.inlineValue &&
        flagLike(t.value),
    );
    if (cut === -1) return [...tokens, ...batch];
    const swallower = batch[cut] as Token & {kind: 'option'};
    tokens.push(...batch.slice(0, cut), {
      ...swallower,
      value: undefined,
      inlineValue: undefined,
    });
    args = args.slice(swallower.index + 1);
  }
}

/** Every value of a `multiple` string flag, in order; empty when it was not given. */
export function listFlag(parsed: ParsedFlags, name: string): string[] {
  const value = parsed.values[name];
  return Array.isArray(value) ? value : [];
}

/** The value of a string flag (parseFlags only stores strings for string flags). */
export function stringFlag(
  parsed: ParsedFlags,
  name: string,
): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A whole-number string flag from `min` to `max`: its value, or `fallback` when it was not
 * given. Anything else adds a problem to `problems` and answers `fallback`.
 */
export function wholeFlag(
  parsed: ParsedFlags,
  name: string,
  {min, max, fallback}: {min: number; max: number; fallback: number},
  problems: string[],
): number {
  const raw = stringFlag(parsed, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (/^\d+$/.test(raw) && value >= min && value <= max) return value;
  problems.push(
    `--${name} must be a whole number from ${min} to ${max}, got "${raw}"`,
  );
  return fallback;
}

/**
 * The whole command line of a command that takes no arguments: the exit code to end with
 * (0 after printing `usage` for --help, 2 after naming every mistake), or null to go on.
 */
export function noArguments(
  argv: readonly string[],
  usage: string,
  io: {out(text: string): void; err(text: string): void},
): number | null {
  const parsed = parseFlags(argv, {}, {positionals: false});
  if (parsed.help) return answerUsage({kind: 'help'}, usage, io);
  if (parsed.problems.length === 0) return null;
  return answerUsage({kind: 'invalid', problems: parsed.problems}, usage, io);
}
