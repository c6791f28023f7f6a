/**
 * A small command-line parser that reports every problem at once (node:util's parseArgs
 * stops at the first). Options take their value as `--name value` or `--name=value`.
 */

/** What each option takes: a value, or nothing (a switch). */
export type FlagSpec = Record<string, 'value' | 'switch'>;

export type ParsedFlags =
  | {kind: 'help'}
  | {
      kind: 'parsed';
      /** Values given, by option name; a switch given is `'true'`. */
      values: Map<string, string>;
      /** One sentence per problem, in the order found. */
      problems: string[];
    };

/** Parses `argv` against `spec`; `-h`/`--help` anywhere wins over every problem. */
export function parseFlags(
  argv: readonly string[],
  spec: FlagSpec,
): ParsedFlags {
  const values = new Map<string, string>();
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return {kind: 'help'};
    if (!arg.startsWith('--')) {
      problems.push(`unexpected argument "${arg}"`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const takes = Object.hasOwn(spec, name) ? spec[name] : undefined;
    // The next word is a value unless it is itself an option: `--region --project p` is a mistake.
    const next =
      i + 1 < argv.length && !argv[i + 1]!.startsWith('--')
        ? argv[i + 1]
        : undefined;
    if (takes === undefined) {
      problems.push(`unknown option --${name}`);
      if (inline === undefined && next !== undefined) i++;
    } else if (takes === 'switch') {
      if (inline !== undefined) problems.push(`--${name} takes no value`);
      else values.set(name, 'true');
    } else {
      const value = inline ?? next;
      if (inline === undefined && next !== undefined) i++;
      if (value === undefined || value === '')
        problems.push(`--${name} needs a value`);
      else values.set(name, value);
    }
  }
  return {kind: 'parsed', values, problems};
}
