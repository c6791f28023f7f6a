/**
 * Runs the hand-run commands (`npm start`, `npm run user`) as a person would: as child
 * processes of npm, seen from outside through their output, exit code, processes and ports.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {isListening} from '../../../tools/cli/function-process';

export {isListening};
export {buildOnce} from '../../support/build';

export const ROOT = path.resolve(__dirname, '..', '..', '..');

/** The environment of a fresh terminal: no emulator named, so `npm start` starts its own. */
export function cleanEnv(
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'ERROR',
    ...extra,
  };
  for (const name of [
    'FIRESTORE_EMULATOR_HOST',
    'FCM_EMULATOR_HOST',
    'GOOGLE_CLOUD_PROJECT',
    'GCLOUD_PROJECT',
    'PORT',
    'FIRESTORE_EMULATOR_BIN',
    'PUBSUB_EMULATOR_HOST',
    'PUBSUB_EMULATOR_BIN',
  ])
    if (!(name in extra)) delete env[name];
  return env;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  finished: Promise<Finished>;
}

export interface NpmOptions {
  /**
   * Run npm as the leader of a process group of its own, as a shell runs a foreground job:
   * `process.kill(-child.pid, signal)` then reaches every process of the group, as a
   * terminal's Ctrl+C does.
   */
  ownGroup?: boolean;
}

/** Starts `npm <args>` in the repository. */
export function npm(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  stdin?: string,
  {ownGroup = false}: NpmOptions = {},
): Running {
  const started = Date.now();
  const child = spawn('npm', ['--silent', ...args], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: ownGroup,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  if (stdin !== undefined) child.stdin!.end(stdin);
  const finished = new Promise<Finished>(resolve =>
    child.once('close', (code, signal) =>
      resolve({code, signal, stdout, stderr, ms: Date.now() - started}),
    ),
  );
  return {child, stdout: () => stdout, stderr: () => stderr, finished};
}

/** Runs `npm <args>` to completion. */
export function npmRun(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  stdin?: string,
): Promise<Finished> {
  return npm(args, env, stdin).finished;
}

/** Starts `npm start` and resolves once its banner says it is ready. */
export async function startStack(
  env: NodeJS.ProcessEnv,
  args: readonly string[] = [],
  options: NpmOptions = {},
  timeoutMs = 120_000,
): Promise<Running> {
  const stack = npm(['start', '--', ...args], env, undefined, options);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (stack.stderr().includes('Press Ctrl+C to stop.')) return stack;
    if (stack.child.exitCode !== null || Date.now() > deadline) {
      stack.child.kill('SIGKILL');
      throw new Error(
        `npm start did not become ready:\n${stack.stderr()}\n${stack.stdout()}`,
      );
    }
    await sleep(200);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** Whether 127.0.0.1:port can be bound now (what `npm start` needs), not merely unanswered. */
function canBind(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A base port whose next three ports are free too (PORT to PORT+3 of a stack), below
 * Linux's ephemeral range (32768+) so that no outgoing connection takes one meanwhile.
 */
export async function freePortBlock(): Promise<number> {
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * 12000);
    const free = await Promise.all(
      [base, base + 1, base + 2, base + 3].map(canBind),
    );
    if (free.every(Boolean)) return base;
  }
}

/** Every process below `pid` (children, their children, ...), read from /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 is the parent pid; the command name (field 2) may hold spaces, so split after ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parentOf)
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
  }
  return found;
}

/** The official Firestore emulator's JVM among `pids` (the stack also runs Pub/Sub's). */
export function firestoreJvm(pids: readonly number[]): number | undefined {
  return pids.find(pid =>
    /^java .*cloud-firestore-emulator/.test(commandLine(pid) ?? ''),
  );
}

/** The command line of a process, or undefined when it is gone. */
export function commandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie has ended; only its parent's bookkeeping is left.
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The pids of `pids` still running after waiting up to `timeoutMs` for them to end. */
export async function survivors(
  pids: readonly number[],
  timeoutMs = 20_000,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(200);
  }
}

/** What a test file leaves behind if a test fails half-way: processes and temporary folders. */
export interface Leftovers {
  /** Notes the stack's processes (npm, node, the emulator and its JVM); returns their pids. */
  track(stack: Running): number[];
  /** A new temporary folder, removed after the file's tests. */
  tempDir(prefix: string): string;
}

/**
 * Kills, by pid, every process a tracked stack ran, and removes every temporary folder,
 * after all of the calling file's tests, whatever their outcome. Call it at the top level.
 */
export function cleanUpAfterAll(): Leftovers {
  const pids = new Set<number>();
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, {recursive: true, force: true});
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone, as it should be.
      }
    }
  });
  return {
    track(stack) {
      const found = [stack.child.pid!, ...descendants(stack.child.pid!)];
      for (const pid of found) pids.add(pid);
      return found;
    },
    tempDir(prefix) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
  };
}
