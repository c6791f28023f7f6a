/**
 * The build that commands under test run from (`dist/`), brought up to date once per test
 * file. tools/build/compile-if-stale.js takes a lock, so test files in parallel workers
 * never compile at once nor load files another compile is rewriting.
 */
import {spawnSync} from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Compiles when a source is newer than the build; throws with tsc's output on failure. */
export function buildOnce(): void {
  const run = spawnSync(process.execPath, ['tools/build/compile-if-stale.js'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (run.status !== 0)
    throw new Error(`build failed:\n${run.stdout}\n${run.stderr}`);
}
