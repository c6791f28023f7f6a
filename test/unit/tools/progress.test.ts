/**
 * The commands' progress printer: a line redrawn in place on a terminal, and a line per
 * `every` items otherwise (a log keeps every line and does not fill with redraws).
 */
import {
  createProgress,
  type ProgressOptions,
} from '../../../tools/cli/progress';

function printer(options: Partial<ProgressOptions> = {}) {
  let written = '';
  const progress = createProgress({
    write: text => (written += text),
    isTTY: false,
    total: null,
    unit: 'users',
    every: 1000,
    redrawMs: 0,
    ...options,
  });
  return {progress, written: () => written};
}

describe('progress away from a terminal', () => {
  it('writes a line each time the count reaches another multiple of every', () => {
    const {progress, written} = printer({total: 2500});
    for (let done = 1; done <= 2500; done++)
      progress.update(done, `failed ${Math.floor(done / 10)}`);
    progress.done();
    expect(written()).toBe(
      '1000 users · failed 100\n2000 users · failed 200\n',
    );
  });

  it('writes one line when a step passes several multiples at once', () => {
    const {progress, written} = printer({unit: 'rows', every: 10});
    for (const done of [4, 9, 35, 38, 40, 41])
      progress.update(done, `last user written ${done}`);
    expect(written()).toBe(
      '35 rows · last user written 35\n40 rows · last user written 40\n',
    );
  });

  it('writes a note as its own line, and a count without a label alone', () => {
    const {progress, written} = printer({every: 1});
    progress.update(1);
    progress.note('a log line');
    expect(written()).toBe('1 users\na log line\n');
  });
});

describe('progress on a terminal', () => {
  it('redraws a bar in place and ends its line when done', () => {
    const {progress, written} = printer({isTTY: true, total: 4});
    for (let done = 1; done <= 4; done++)
      progress.update(done, `retired ${done}`);
    progress.done();
    const frames = written().split('\r\x1b[K').filter(Boolean);
    expect(frames).toEqual([
      '[######..................] 25% 1/4 · retired 1',
      '[############............] 50% 2/4 · retired 2',
      '[##################......] 75% 3/4 · retired 3',
      '[########################] 100% 4/4 · retired 4',
      '[########################] 100% 4/4 · retired 4\n',
    ]);
  });

  it('shows the count alone when the total is unknown', () => {
    const {progress, written} = printer({isTTY: true});
    progress.update(7, 'retired 7');
    expect(written()).toBe('\r\x1b[K7 users · retired 7');
  });

  it('redraws at most once per redrawMs, and done draws the last state', () => {
    let clock = 0;
    const {progress, written} = printer({
      isTTY: true,
      total: 100,
      redrawMs: 100,
      now: () => clock,
    });
    progress.update(1);
    clock = 50;
    progress.update(2);
    clock = 150;
    progress.update(3);
    progress.update(4);
    progress.done();
    expect(written().split('\r\x1b[K').filter(Boolean)).toEqual([
      '[........................] 1% 1/100',
      '[#.......................] 3% 3/100',
      '[#.......................] 4% 4/100\n',
    ]);
  });

  it('writes a note above the bar and draws the bar again', () => {
    const {progress, written} = printer({isTTY: true, total: 2});
    progress.update(1);
    progress.note('a log line');
    expect(written()).toBe(
      '\r\x1b[K[############............] 50% 1/2' +
        '\r\x1b[Ka log line\n' +
        '\r\x1b[K[############............] 50% 1/2',
    );
  });

  it('writes nothing when nothing was done', () => {
    const {progress, written} = printer({isTTY: true, total: 0});
    progress.done();
    expect(written()).toBe('');
  });
});
