/**
 * The test environment keeps the code's JSON log lines out of passing tests' output and
 * prints them for failing ones: a small jest run over a fixture, seen from outside.
 */
import {spawnSync} from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

it('drops the log lines of a passing test and prints those of a failing one under its name', () => {
  const config = {
    rootDir: ROOT,
    roots: ['<rootDir>/test/fixtures/quiet-logs'],
    testMatch: ['**/*.fixture.ts'],
    testEnvironment: '<rootDir>/test/support/quiet-logs-environment.ts',
    transform: {'^.+\\.ts$': ['ts-jest', {diagnostics: false}]},
  };
  const run = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
      '--config',
      JSON.stringify(config),
      '--runInBand',
      '--cacheDirectory',
      path.join(ROOT, 'node_modules', '.cache', 'jest-quiet-logs'),
    ],
    {cwd: ROOT, encoding: 'utf8', env: {...process.env, FORCE_COLOR: '0'}},
  );
  expect(run.status).toBe(1); // the fixture's second test fails on purpose
  const output = run.stdout + run.stderr;
  expect(output).not.toContain('expected failure');
  expect(output).toContain('a measurement: 5 ms\n');
  expect(output).toContain(
    '--- log lines of the failed test "fails, having logged" ---\n' +
      '{"severity":"WARNING","message":"why it failed"}\n' +
      '--- end of log lines ---\n',
  );
});
