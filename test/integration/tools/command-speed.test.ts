/**
 * How long the hand-run commands take when nothing changed since the last build: a
 * measurement that prints (the targets are a repeated `npm run user` under 2 s and
 * `npm start` ready under 8 s), never a timed assertion that a busy machine could fail.
 */
import {describeWithFirestore} from '../../support/emulators';
import {
  buildOnce,
  cleanEnv,
  freePortBlock,
  npmRun,
  startStack,
} from './stack-process';

jest.setTimeout(300_000);

const RUNS = 5;

function summary(label: string, ms: number[]): string {
  const sorted = [...ms].sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `${label}: median ${median} ms over ${ms.length} runs (${ms.join(', ')} ms)`;
}

beforeAll(() => buildOnce());

describe('command speed (printed, not asserted)', () => {
  it('measures a repeated `npm run user -- --help`', async () => {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await npmRun(['run', 'user', '--', '--help'], cleanEnv());
      expect(run.code).toBe(0);
      times.push(run.ms);
    }
    console.log(summary('npm run user -- --help', times));
  });
});

describeWithFirestore(
  'command speed: npm start (printed, not asserted)',
  () => {
    it('measures `npm start` to ready with nothing to compile', async () => {
      const times: number[] = [];
      for (let i = 0; i < 2; i++) {
        const port = await freePortBlock();
        const started = Date.now();
        const stack = await startStack(cleanEnv({PORT: String(port)}));
        times.push(Date.now() - started);
        stack.child.kill('SIGTERM');
        expect((await stack.finished).code).toBe(0);
      }
      console.log(summary('npm start to ready', times));
    });
  },
);
