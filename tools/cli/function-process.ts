/**
 * One function served as deployed: `functions-framework --target=NAME` on dist/ (the
 * package's `main`), in a process of its own, configured by environment. The batch tests
 * and `npm run bench:batch` run deliverNotification this way, pushed to by the Pub/Sub
 * emulator. The process is killed with SIGKILL when stopped, as a crash would end it.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

/** The repository's root (this file is dist/tools/cli/ or tools/cli/ under it). */
const ROOT = path.resolve(
  __dirname,
  '..',
  '..',
  ...(path.basename(path.resolve(__dirname, '..', '..')) === 'dist'
    ? ['..']
    : []),
);
const FRAMEWORK = path.join(
  ROOT,
  'node_modules/@google-cloud/functions-framework/build/src/main.js',
);

export interface FunctionProcessOptions {
  /** The function's name (`--target`). */
  target: string;
  signatureType: 'http' | 'cloudevent';
  port: number;
  env: NodeJS.ProcessEnv;
  /** Arguments of node itself, before the framework's (e.g. `--require`). */
  nodeArgs?: string[];
  /** Each line the process prints, as it comes (the JSON ones are also kept by `logs()`). */
  onLine?: (line: string) => void;
  /** Keep everything it prints for `output()` (default true). */
  keepOutput?: boolean;
}

export interface FunctionProcess {
  port: number;
  /** The process's pid (changes on restart). */
  pid(): number;
  /** Its JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  /** Everything it printed, and whether it is running. */
  output(): string;
  running(): boolean;
  /** Kills it at once (SIGKILL), as a crash would. */
  kill(): void;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Whether a TCP listener accepts on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect({host: '127.0.0.1', port});
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Spawns the function and resolves once its port accepts connections (30 s at most). */
export async function startFunctionProcess(
  opts: FunctionProcessOptions,
): Promise<FunctionProcess> {
  const logs: Array<Record<string, unknown>> = [];
  const keep = opts.keepOutput ?? true;
  let child: ChildProcess;
  let output = '';
  const spawnOnce = async () => {
    child = spawn(
      process.execPath,
      [
        ...(opts.nodeArgs ?? []),
        FRAMEWORK,
        `--target=${opts.target}`,
        `--signature-type=${opts.signatureType}`,
      ],
      {
        cwd: ROOT,
        env: {...opts.env, PORT: String(opts.port)},
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let partial = '';
    const onData = (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (keep) output += `${line}\n`;
        opts.onLine?.(line);
        if (!keep || !line.startsWith('{')) continue;
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          continue;
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    // With NODE_ENV=production (as deployed) the framework prints nothing when it serves.
    const deadline = Date.now() + 30_000;
    while (!(await isListening(opts.port))) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`${opts.target} did not start:\n${output}`);
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  };
  await spawnOnce();
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise(resolve => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return {
    port: opts.port,
    pid: () => child.pid!,
    logs: () => logs,
    output: () => output,
    running: () => child.exitCode === null && child.signalCode === null,
    kill: () => child.kill('SIGKILL'),
    stop,
    async restart() {
      await stop();
      await spawnOnce();
    },
  };
}
