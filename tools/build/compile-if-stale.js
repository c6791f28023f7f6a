'use strict';
/**
 * Runs before `npm start`, `npm run user` and the other hand-run commands: compiles with
 * `tsc -b tsconfig.build.json` only when a source or build setting is newer than the last
 * build. Comparing a few hundred mtimes takes milliseconds; merely loading the TypeScript
 * compiler to learn that nothing changed takes half a second or more. A compile runs under a
 * lock (dist/.compiling), so that runs at once wait for one build. Plain JavaScript,
 * because it has to run before anything is compiled.
 */
const {spawnSync} = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const process = require('node:process');

const root = path.resolve(__dirname, '..', '..');
const buildInfo = path.join(root, 'dist', '.tsbuildinfo');
const SOURCE_DIRS = ['functions', 'shared', 'tools', 'bench'];
const SETTINGS = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newestMtime(dir) {
  let newest = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, {withFileTypes: true});
  } catch {
    return newest;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'results')
        newest = Math.max(newest, newestMtime(full));
    } else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) {
      newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  }
  // A deleted or renamed file shows only in its folder's mtime.
  return Math.max(newest, fs.statSync(dir).mtimeMs);
}

function isStale() {
  let built;
  try {
    built = fs.statSync(buildInfo).mtimeMs;
  } catch {
    return true;
  }
  const newest = Math.max(
    ...SOURCE_DIRS.map(d => newestMtime(path.join(root, d))),
    ...SETTINGS.map(f => fs.statSync(path.join(root, f)).mtimeMs),
  );
  return newest > built;
}

/** Time a killed build's lock is left before another run takes it over. */
const STALE_LOCK_MS = 600_000;
const lock = path.join(root, 'dist', '.compiling');

/**
 * Takes the build lock, a directory (mkdir is atomic): test files in parallel workers, or
 * two terminals, must not compile at once, nor load files another compile is rewriting.
 */
function takeLock() {
  fs.mkdirSync(path.dirname(lock), {recursive: true});
  for (;;) {
    try {
      fs.mkdirSync(lock);
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const held = fs.statSync(lock, {throwIfNoEntry: false});
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS)
        fs.rmSync(lock, {recursive: true, force: true});
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

function compile() {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) return run.status ?? 1;
  // tsc -b leaves the build info alone when only timestamps moved; mark this build as current.
  const now = new Date();
  fs.utimesSync(buildInfo, now, now);
  return 0;
}

if (isStale()) {
  takeLock();
  let status = 0;
  try {
    // Whoever held the lock may have just built it.
    if (isStale()) status = compile();
  } finally {
    fs.rmSync(lock, {recursive: true, force: true});
  }
  process.exit(status);
}
