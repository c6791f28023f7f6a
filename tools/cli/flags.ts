/**
 * Command-line flags for the commands a person runs by hand. Node's `parseArgs` stops at the
 * first problem; this collects every unknown, valueless or misused flag so that one run
 * reports them all. `--x=v` and `--x v` are both accepted (parseArgs' own rules).
 */
import {parseArgs} from 'node:util';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** A string flag that may be repeated: its values are kept in order, as a list. */
  multiple?: true;
}

export interface ParsedFlags {
  /** The value of each flag that was given (the last one when repeated; all of them, in order, for `multiple`). */
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** `--help` or `-h` was given: callers print their usage and exit 0, whatever else is wrong. */
  help: boolean;
  /** Every problem found, one sentence each; empty when the flags are well-formed. */
  problems: string[];
}

/** Parses `argv` against `spec` (flag name to type) without throwing. */
export function parseFlags(
  argv: readonly string[],
  spec: Record<string, FlagSpec>,
): ParsedFlags {
  const options = {...spec, help: {type: 'boolean', short: 'h'} as FlagSpec};
  const {tokens} = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: ParsedFlags['values'] = {};
  const positionals: string[] = [];
  const problems: string[] = [];
  let help = false;
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    const flag = options[token.name as keyof typeof options] as
      FlagSpec | undefined;
    if (!flag) {
      problems.push(`unknown option ${token.rawName}`);
    } else if (token.name === 'help') {
      help = true;
    } else if (flag.type === 'boolean') {
      if (token.value !== undefined)
        problems.push(`${token.rawName} takes no value`);
      else values[token.name] = true;
    } else if (
      token.value === undefined ||
      // `--id --email x`: parseArgs hands "--email" to --id; that is a forgotten value.
      (!token.inlineValue && token.value.startsWith('--'))
    ) {
      problems.push(`${token.rawName} needs a value`);
    } else if (flag.multiple) {
      const list = values[token.name];
      values[token.name] = [...(Array.isArray(list) ? list : []), token.value];
    } else {
      values[token.name] = token.value;
    }
  }
  return {values, positionals, help, problems};
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
 * The whole command line of a command that takes no arguments: the exit code to end with
 * (0 after printing `usage` for --help, 2 after naming every mistake), or null to go on.
 */
export function noArguments(
  argv: readonly string[],
  usage: string,
  io: {out(text: string): void; err(text: string): void},
): number | null {
  const parsed = parseFlags(argv, {});
  if (parsed.help) {
    io.out(`${usage}\n`);
    return 0;
  }
  const problems = [...parsed.problems];
  if (parsed.positionals.length)
    problems.push(`unexpected argument(s): ${parsed.positionals.join(' ')}`);
  if (problems.length === 0) return null;
  io.err(`${problems.map(p => `error: ${p}`).join('\n')}\n\n${usage}\n`);
  return 2;
}
