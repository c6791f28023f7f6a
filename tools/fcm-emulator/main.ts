/**
 * The emulator as a command: `node dist/tools/fcm-emulator/main.js [--port 9099] [--host 127.0.0.1]`.
 */
import {parseArgs as parseFlags} from 'node:util';
import {startFcmEmulator} from './server';

/** The one-line usage, printed by `--help` and after every usage error. */
export const USAGE = 'usage: main.js [--port 9099] [--host 127.0.0.1] [--help]';

/** Command-line options of the emulator. */
export interface CliOptions {
  port: number;
  host: string;
  /** Present when `--help` (or `-h`) was given: print {@link USAGE} and exit 0. */
  help?: true;
}

/** Every problem found on a command line, so the user fixes them all in one go. */
export class UsageError extends Error {
  constructor(readonly problems: string[]) {
    super(`${problems.join('; ')}; ${USAGE}`);
    this.name = 'UsageError';
  }
}

/**
 * Parses `--port N`, `--host H` (also `--port=N`) and `--help`; defaults: port 9099, host
 * 127.0.0.1. `--help` wins over any other problem. Throws one {@link UsageError} listing every
 * bad flag otherwise.
 */
export function parseArgs(argv: readonly string[]): CliOptions {
  // Non-strict, so that every problem is collected here instead of the first one being thrown.
  const {tokens} = parseFlags({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    tokens: true,
    options: {
      port: {type: 'string'},
      host: {type: 'string'},
      help: {type: 'boolean', short: 'h'},
    },
  });
  const options: CliOptions = {port: 9099, host: '127.0.0.1'};
  const problems: string[] = [];
  let help = false;
  let skipValueOf: number | undefined;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      // An unknown option may take a value; reporting that value too would only be noise.
      if (token.index !== skipValueOf)
        problems.push(`unexpected argument "${token.value}"`);
      continue;
    }
    const {name, rawName, value} = token;
    if (name === 'help') {
      help = true;
    } else if (name !== 'port' && name !== 'host') {
      problems.push(`unknown option ${rawName}`);
      if (value === undefined) skipValueOf = token.index + 1;
    } else if (value === undefined) {
      problems.push(`${rawName} needs a value`);
    } else if (name === 'host') {
      options.host = value;
    } else if (!/^\d+$/.test(value) || Number(value) > 65535) {
      problems.push(
        `--port must be an integer from 0 to 65535, got "${value}"`,
      );
    } else {
      options.port = Number(value);
    }
  }
  if (help) return {...options, help: true};
  if (problems.length > 0) throw new UsageError(problems);
  return options;
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.problems.join('\n')}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const emulator = await startFcmEmulator({
    port: options.port,
    host: options.host,
    log: line => process.stderr.write(`${line}\n`),
  });
  // One line on stdout, so scripts can read the address (useful with --port 0).
  process.stdout.write(`FCM emulator listening on ${emulator.host}\n`);
  const stop = (): void => void emulator.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
