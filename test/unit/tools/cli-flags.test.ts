/**
 * The flag parser of every command: both spellings of a value, and every problem in one run.
 */
import {
  listFlag,
  noArguments,
  parseFlags,
  wholeFlag,
} from '../../../tools/cli/flags';

const SPEC = {
  id: {type: 'string'},
  'dry-run': {type: 'boolean'},
} as const;

describe('parseFlags', () => {
  it.each([
    [['--id=7'], ['7']],
    [['--id', '7'], ['7']],
    [
      ['--id', '7', '--id=8'],
      ['7', '8'],
    ],
  ])('reads %j as the id values %j, the last one winning', (argv, ids) => {
    expect(parseFlags(argv, SPEC)).toEqual({
      values: {id: ids.at(-1)},
      given: ids.map(value => ({name: 'id', value})),
      positionals: [],
      help: false,
      valueless: [],
      problems: [],
    });
  });

  it('reports every unknown, valueless and misused flag at once, in command-line order', () => {
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
    expect(parsed.valueless).toEqual(['id']);
    expect(parsed.positionals).toEqual(['create']);
  });

  it('takes a flag right after a string flag as a forgotten value, and still reads that flag', () => {
    const parsed = parseFlags(['--id', '--dry-run', '--id', '--bogus=1'], SPEC);
    expect(parsed.problems).toEqual([
      '--id needs a value',
      '--id needs a value',
      'unknown option --bogus',
    ]);
    expect(parsed.values).toEqual({'dry-run': true});
  });

  it('sees -h after a string flag as the help it asks for', () => {
    expect(parseFlags(['--id', '-h'], SPEC).help).toBe(true);
  });

  it('takes a value that only starts with a dash as the value', () => {
    expect(parseFlags(['--id', '-7'], SPEC).values).toEqual({id: '-7'});
  });

  it.each([[['--id=']], [['--id', '']]])(
    'refuses an empty value as a missing one: %j',
    argv => {
      const parsed = parseFlags(argv, SPEC);
      expect(parsed.problems).toEqual(['--id needs a value']);
      expect(parsed.values).toEqual({});
    },
  );

  it('keeps every value of a repeated multiple flag, in order', () => {
    const parsed = parseFlags(['--data', 'a=1', '--data=b=2', '--id', '7'], {
      ...SPEC,
      data: {type: 'string', multiple: true},
    });
    expect(listFlag(parsed, 'data')).toEqual(['a=1', 'b=2']);
    expect(listFlag(parsed, 'other')).toEqual([]);
    expect(parsed.values.id).toBe('7');
  });

  it('lists the well-formed flags in the order given', () => {
    expect(
      parseFlags(['--id', '1', '--dry-run', '--bogus', '--id=2'], SPEC).given,
    ).toEqual([
      {name: 'id', value: '1'},
      {name: 'dry-run', value: true},
      {name: 'id', value: '2'},
    ]);
  });

  it('names each positional argument in its place when the command takes none', () => {
    const parsed = parseFlags(
      ['stray', '--bogus', 'word', '--id', '7', '--', '--dry-run'],
      SPEC,
      {positionals: false},
    );
    expect(parsed.problems).toEqual([
      'unexpected argument "stray"',
      'unknown option --bogus',
      'unexpected argument "word"',
      'unexpected argument "--dry-run"',
    ]);
    expect(parsed.positionals).toEqual([]);
    expect(parsed.values).toEqual({id: '7'});
  });

  it.each([['--help'], ['-h']])('sees %s even among mistakes', flag => {
    const parsed = parseFlags(['--bogus', flag], SPEC);
    expect(parsed.help).toBe(true);
  });
});

describe('wholeFlag', () => {
  const RANGE = {min: 1, max: 500, fallback: 64};
  it.each([
    [[], 64, []],
    [['--n', '1'], 1, []],
    [['--n=500'], 500, []],
    [['--n', '0'], 64, ['--n must be a whole number from 1 to 500, got "0"']],
    [
      ['--n', '501'],
      64,
      ['--n must be a whole number from 1 to 500, got "501"'],
    ],
    [
      ['--n', '2.5'],
      64,
      ['--n must be a whole number from 1 to 500, got "2.5"'],
    ],
    [['--n', '-1'], 64, ['--n must be a whole number from 1 to 500, got "-1"']],
  ])('reads %j as %d, with the problems %j', (argv, value, problems) => {
    const found: string[] = [];
    const parsed = parseFlags(argv, {n: {type: 'string'}});
    expect(wholeFlag(parsed, 'n', RANGE, found)).toBe(value);
    expect(found).toEqual(problems);
  });
});

describe('noArguments', () => {
  function run(argv: string[]) {
    let out = '';
    let err = '';
    const code = noArguments(argv, 'Usage: x', {
      out: t => void (out += t),
      err: t => void (err += t),
    });
    return {code, out, err};
  }

  it('goes on with no arguments, prints the usage for --help', () => {
    expect(run([])).toEqual({code: null, out: '', err: ''});
    expect(run(['stray', '-h'])).toEqual({code: 0, out: 'Usage: x\n', err: ''});
  });

  it('names every argument, then the usage, with exit code 2', () => {
    expect(run(['--bogus', 'stray'])).toEqual({
      code: 2,
      out: '',
      err: 'error: unknown option --bogus\nerror: unexpected argument "stray"\n\nUsage: x\n',
    });
  });
});

describe('a secret on the command line', () => {
  it.each([
    [['--password', 's3cret-value'], '--password'],
    [['--password=s3cret-value'], '--password'],
    [['--db-pass', 's3cret-value'], '--db-pass'],
    [['--client-secret', 's3cret-value', 'later'], '--client-secret'],
  ])(
    '%j is refused with the reason, and the secret is never echoed',
    (argv, flag) => {
      const parsed = parseFlags(argv, {}, {positionals: false});
      expect(parsed.problems[0]).toBe(
        `${flag} is not accepted: a secret on the command line is visible to other users (ps) and stays in shell history (see --help for where it goes)`,
      );
      expect(parsed.problems.join('\n')).not.toContain('s3cret-value');
      expect(parsed.positionals).toEqual([]);
    },
  );
});
