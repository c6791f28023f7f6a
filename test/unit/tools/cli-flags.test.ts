/**
 * The flag parser of the hand-run commands: both spellings of a value, and every problem in one run.
 */
import {listFlag, parseFlags} from '../../../tools/cli/flags';

const SPEC = {
  id: {type: 'string'},
  'dry-run': {type: 'boolean'},
} as const;

describe('parseFlags', () => {
  it.each([
    [['--id=7'], '7'],
    [['--id', '7'], '7'],
    [['--id', '7', '--id=8'], '8'],
  ])('reads %j as id %s', (argv, id) => {
    expect(parseFlags(argv, SPEC)).toEqual({
      values: {id},
      positionals: [],
      help: false,
      problems: [],
    });
  });

  it('reports every unknown, valueless and misused flag at once', () => {
    const parsed = parseFlags(
      ['create', '--bogus', '--dry-run=yes', '-x', '--id'],
      SPEC,
    );
    expect(parsed.problems).toEqual([
      'unknown option --bogus',
      '--dry-run takes no value',
      'unknown option -x',
      '--id needs a value',
    ]);
    expect(parsed.positionals).toEqual(['create']);
  });

  it('takes a flag right after a string flag as a forgotten value, not as the value', () => {
    expect(parseFlags(['--id', '--dry-run'], SPEC).problems).toEqual([
      '--id needs a value',
    ]);
  });

  it('keeps every value of a repeated multiple flag, in order', () => {
    const parsed = parseFlags(['--data', 'a=1', '--data=b=2', '--id', '7'], {
      ...SPEC,
      data: {type: 'string', multiple: true},
    });
    expect(listFlag(parsed, 'data')).toEqual(['a=1', 'b=2']);
    expect(listFlag(parsed, 'other')).toEqual([]);
    expect(parsed.values.id).toBe('7');
  });

  it.each([['--help'], ['-h']])('sees %s even among mistakes', flag => {
    const parsed = parseFlags(['--bogus', flag], SPEC);
    expect(parsed.help).toBe(true);
  });
});
