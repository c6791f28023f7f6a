/**
 * Runs `tools/import-laravel/main.ts` in a child process, as `npm run import-laravel` does,
 * without a build: the child compiles each TypeScript file as it is required (no type check,
 * jest's typecheck covers that). A child, because a test kills it mid-way and because the
 * command ends by closing the Firestore client it shares with anything in its process.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import path from 'node:path';

const MAIN = path.resolve(__dirname, '../../../tools/import-laravel/main.ts');

const BOOT = `
const ts = require('typescript');
const fs = require('fs');
require.extensions['.ts'] = (module, file) => module._compile(
  ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: {module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true},
  }).outputText,
  file,
);
require(${JSON.stringify(MAIN)})
  .main(process.argv.slice(1), {
    env: process.env,
    out: t => process.stdout.write(t),
    err: t => process.stderr.write(t),
    stderrIsTty: false,
  })
  .then(code => process.exit(code), err => { console.error(err); process.exit(1); });
`;

export interface ImporterRun {
  child: ChildProcess;
  /** Resolves when the child has exited, with what it printed. */
  done: Promise<{
    code: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
  }>;
  /** Resolves with the first stderr line matching `pattern` (rejects if the child exits first). */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

/** Starts the importer with `args` and the environment `env` added to this process's. */
export function startImporter(
  args: string[],
  env: Record<string, string> = {},
): ImporterRun {
  const child = spawn(process.execPath, ['-e', BOOT, '--', ...args], {
    cwd: path.resolve(__dirname, '../../..'),
    env: {...process.env, LOG_LEVEL: 'ERROR', ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  const done = new Promise<{
    code: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
  }>(resolve =>
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
              `the importer exited (${r.code}) before printing ${pattern}:\n${r.stderr}`,
            ),
          ),
        );
      }),
  };
}

/** Runs the importer to its end. */
export function runImporter(args: string[], env: Record<string, string> = {}) {
  return startImporter(args, env).done;
}
