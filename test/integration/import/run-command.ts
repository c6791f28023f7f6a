/**
 * Runs a command's `main.ts` in a child process, as `npm run import-laravel` or `npm run user`
 * does, without a build: the child compiles each TypeScript file as it is required (no type
 * check, jest's typecheck covers that) and loads the file as its main module, so its own
 * `require.main === module` block runs it with the real process wiring. A child, because a
 * test kills the importer mid-way and because a command ends by closing the Firestore client
 * it shares with anything in its process.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
export const IMPORTER = path.join(ROOT, 'tools/import-laravel/main.ts');
export const USER_COMMAND = path.join(ROOT, 'tools/user/main.ts');

const boot = (main: string) => `
const ts = require('typescript');
const fs = require('fs');
require.extensions['.ts'] = (module, file) => module._compile(
  ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: {module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true},
  }).outputText,
  file,
);
process.argv = [process.argv[0], ${JSON.stringify(main)}, ...process.argv.slice(1)];
require('module')._load(${JSON.stringify(main)}, null, true);
`;

export interface Finished {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface CommandRun {
  child: ChildProcess;
  /** Resolves when the child has exited, with what it printed. */
  done: Promise<Finished>;
  /** Resolves with the first stderr line matching `pattern` (rejects if the child exits first). */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

/** Starts `main` with `args`, the environment `env` added to this process's, and `stdin`. */
export function startCommand(
  main: string,
  args: string[],
  env: Record<string, string> = {},
  stdin?: string,
): CommandRun {
  const child = spawn(process.execPath, ['-e', boot(main), '--', ...args], {
    cwd: ROOT,
    env: {...process.env, LOG_LEVEL: 'ERROR', ...env},
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (stdin !== undefined) child.stdin!.end(stdin);
  let stdout = '';
  let stderr = '';
  const watchers: Array<{
    pattern: RegExp;
    resolve: (m: RegExpExecArray) => void;
  }> = [];
  child.stdout!.on('data', chunk => (stdout += chunk));
  child.stderr!.on('data', chunk => {
    stderr += chunk;
    for (const w of [...watchers]) {
      const match = w.pattern.exec(stderr);
      if (match) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(match);
      }
    }
  });
  const done = new Promise<Finished>(resolve =>
    child.once('close', (code, signal) =>
      resolve({code, signal, stdout, stderr}),
    ),
  );
  return {
    child,
    done,
    waitFor: pattern =>
      new Promise((resolve, reject) => {
        watchers.push({pattern, resolve});
        void done.then(r =>
          reject(
            new Error(
              `the command exited (${r.code}) before printing ${pattern}:\n${r.stderr}`,
            ),
          ),
        );
      }),
  };
}

/** Starts the importer with `args`. */
export const startImporter = (
  args: string[],
  env: Record<string, string> = {},
) => startCommand(IMPORTER, args, env);

/** Runs the importer to its end. */
export const runImporter = (args: string[], env: Record<string, string> = {}) =>
  startImporter(args, env).done;

/** `npm run user -- create …` with the password on stdin, to its end. */
export const runUserCommand = (
  args: string[],
  password: string,
  env: Record<string, string> = {},
) =>
  startCommand(
    USER_COMMAND,
    ['create', ...args, '--password-stdin'],
    env,
    `${password}\n`,
  ).done;
