import {startFcmEmulator} from './server';

/** Command-line options of the emulator. */
export interface CliOptions {
  port: number;
  host: string;
}

/**
 * Parses `--port N` and `--host H` (also `--port=N`); throws with a usage message otherwise.
 * Defaults: port 9099, host 127.0.0.1.
 */
export function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = {port: 9099, host: '127.0.0.1'};
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = (argv[i] as string).split(/=(.*)/s, 2) as [
      string,
      string | undefined,
    ];
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--port') {
      if (!/^\d+$/.test(value) || Number(value) > 65535) {
        throw new Error(
          `--port must be an integer from 0 to 65535, got "${value}"`,
        );
      }
      options.port = Number(value);
    } else if (flag === '--host') {
      options.host = value;
    } else {
      throw new Error(
        `unknown option ${flag}; usage: main.js [--port 9099] [--host 127.0.0.1]`,
      );
    }
  }
  return options;
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const emulator = await startFcmEmulator({
    ...options,
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
