import {parseArgs, USAGE, UsageError} from '../../../tools/fcm-emulator/main';

describe('fcm-emulator command line', () => {
  test.each([
    [['--help'], {port: 9099, host: '127.0.0.1', help: true}],
    [['-h'], {port: 9099, host: '127.0.0.1', help: true}],
    [
      ['--port', '0', '--bogus', '--help'],
      {port: 0, host: '127.0.0.1', help: true},
    ],
  ])('%j asks for the usage, even next to bad flags', (argv, expected) => {
    expect(parseArgs(argv)).toEqual(expected);
  });

  test('reports every bad flag at once, then the usage', () => {
    let error: unknown;
    try {
      parseArgs([
        '--port',
        'abc',
        '--verbose',
        '1',
        '--host',
        'h',
        'stray',
        '-x',
      ]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).problems).toEqual([
      '--port must be an integer from 0 to 65535, got "abc"',
      'unknown option --verbose',
      'unexpected argument "stray"',
      'unknown option -x',
    ]);
    expect((error as UsageError).message).toBe(
      '--port must be an integer from 0 to 65535, got "abc"; unknown option --verbose; ' +
        `unexpected argument "stray"; unknown option -x; ${USAGE}`,
    );
  });

  test('a flag given without its value is reported by name', () => {
    expect(() => parseArgs(['--host'])).toThrow(
      new UsageError(['--host needs a value']),
    );
  });
});
