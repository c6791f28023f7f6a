/**
 * Every command a person runs answers --help with its usage and refuses an unknown flag,
 * without side effects: nothing starts, nothing is written. The benchmark and the docs
 * generator used to run (and rewrite their files) whatever the flags said. The times are
 * printed, not asserted (the target is under a second with nothing to compile).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT,
  buildOnce,
  cleanEnv,
  freePortBlock,
  isListening,
  npmRun,
} from './stack-process';

jest.setTimeout(120_000);

beforeAll(() => buildOnce());

/** Files a command could rewrite: their content and modification time. */
const WATCHED = [
  'bench/results/latest.json',
  'docs/openapi.json',
  'docs/collection.json',
];
function fingerprint(): string[] {
  return WATCHED.map(f => {
    const file = path.join(ROOT, f);
    return `${f} ${fs.statSync(file).mtimeMs} ${fs.readFileSync(file, 'utf8').length}`;
  });
}

const COMMANDS: Array<[string[], RegExp]> = [
  [['start'], /^Usage: npm start /],
  [['run', 'user'], /^Usage: npm run user -- create /],
  [['run', 'notify'], /^Usage: npm run notify -- --user ID/],
  [['run', 'import-laravel'], /^Usage: npm run import-laravel -- --mysql /],
  [['run', 'retire-device-groups'], /^Usage: npm run retire-device-groups /],
  [['run', 'scheduler'], /^Usage: npm run scheduler -- --project ID/],
  [['run', 'bench'], /^Usage: npm run bench\n/],
  [['run', 'bench:login'], /^Usage: npm run bench:login\n/],
  [['run', 'bench:batch'], /^Usage: npm run bench:batch\n/],
  [['run', 'docs'], /^Usage: npm run docs\n/],
];

describe('--help and unknown flags', () => {
  let port: number;
  let before: string[];
  beforeAll(async () => {
    port = await freePortBlock();
    before = fingerprint();
  });

  it.each(COMMANDS)(
    '%j answers --help with its usage and exit 0',
    async (command, usage) => {
      const run = await npmRun(
        [...command, '--', '--help'],
        cleanEnv({PORT: String(port)}),
      );
      console.log(`${command.join(' ')} -- --help: ${run.ms} ms`);
      expect({code: run.code, stderr: run.stderr}).toEqual({
        code: 0,
        stderr: '',
      });
      expect(run.stdout).toMatch(usage);
    },
  );

  it.each(COMMANDS)(
    '%j refuses an unknown flag with exit 2, naming it',
    async command => {
      const run = await npmRun(
        [...command, '--', '--bogus-flag'],
        cleanEnv({PORT: String(port)}),
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('unknown option --bogus-flag');
      expect(run.stdout).toBe('');
    },
  );

  it('started nothing and changed no file', async () => {
    expect(fingerprint()).toEqual(before);
    for (const p of [port, port + 1, port + 2, port + 3])
      expect(await isListening(p)).toBe(false);
  });
});
