/**
 * What every command prints for --help and for a wrong command line.
 */
import {answerUsage} from '../../../tools/cli/usage';

function capture() {
  const io = {out: '', err: ''};
  return {
    io,
    write: {
      out: (t: string) => void (io.out += t),
      err: (t: string) => void (io.err += t),
    },
  };
}

describe('answerUsage', () => {
  it('prints the usage on stdout for --help, with exit code 0', () => {
    const {io, write} = capture();
    expect(answerUsage({kind: 'help'}, 'Usage: x', write)).toBe(0);
    expect(io).toEqual({out: 'Usage: x\n', err: ''});
  });

  it.each([
    [undefined, 'error: a\nerror: b\n\nUsage: x\n'],
    ['plan-env: ', 'plan-env: a\nplan-env: b\n\nUsage: x\n'],
    ['', 'a\nb\n\nUsage: x\n'],
  ])(
    'prints each problem with the prefix %j, a blank line and the usage on stderr, with exit code 2',
    (prefix, err) => {
      const {io, write} = capture();
      expect(
        answerUsage(
          {kind: 'invalid', problems: ['a', 'b']},
          'Usage: x',
          write,
          prefix,
        ),
      ).toBe(2);
      expect(io).toEqual({out: '', err});
    },
  );
});
