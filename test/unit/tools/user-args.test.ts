/**
 * `npm run user`'s command line: what it accepts, and that it reports every mistake at once.
 */
import {parseUserArgs, PASSWORD_FLAG_REFUSED} from '../../../tools/user/args';

describe('npm run user: arguments', () => {
  it('parses create with every option, in both --x=v and --x v forms', () => {
    expect(
      parseUserArgs([
        'create',
        '--id=2',
        '--email',
        'Someone@Example.com',
        '--name=S',
        '--cost',
        '4',
        '--password-stdin',
      ]),
    ).toEqual({
      kind: 'create',
      args: {
        id: '2',
        email: 'Someone@Example.com',
        name: 'S',
        cost: 4,
        passwordFrom: 'stdin',
      },
    });
  });

  it('asks for the password at a prompt unless --password-stdin is given', () => {
    expect(
      parseUserArgs(['create', '--id', '2', '--email', 'a@b.c']),
    ).toMatchObject({kind: 'create', args: {passwordFrom: 'prompt', cost: 10}});
  });

  it.each([[['--help']], [['create', '-h']], [['--bogus', '--help']]])(
    'answers %j with the help',
    argv => {
      expect(parseUserArgs(argv)).toEqual({kind: 'help'});
    },
  );

  it.each([
    [
      [],
      [
        'a command is required: create',
        '--id is required',
        '--email is required',
      ],
    ],
    [
      ['delete', '--id', '2', '--email', 'a@b.c'],
      ['unknown command "delete" (the command is: create)'],
    ],
    [
      ['create', '--id', 'a/b', '--email', 'nope', '--cost=3', '--bogus'],
      [
        'unknown option --bogus',
        '--id must be 1-128 letters, digits, _ or -, got "a/b"',
        '--email must be an email address, got "nope"',
        '--cost must be a whole number from 4 to 15, got "3"',
      ],
    ],
    [
      ['create', '--id', '--email', 'a@b.c'],
      [
        '--id needs a value',
        'unexpected argument(s): a@b.c',
        '--email is required',
      ],
    ],
  ])('refuses %j with every problem: %j', (argv, problems) => {
    expect(parseUserArgs(argv)).toEqual({kind: 'invalid', problems});
  });

  it.each([
    [['create', '--id', '2', '--email', 'a@b.c', '--password', 'secret']],
    [['create', '--id', '2', '--email', 'a@b.c', '--password=secret']],
  ])('refuses a password on the command line, saying why: %j', argv => {
    expect(parseUserArgs(argv)).toEqual({
      kind: 'invalid',
      problems: [PASSWORD_FLAG_REFUSED],
    });
    expect(PASSWORD_FLAG_REFUSED).toMatch(
      /visible to other users.*--password-stdin/,
    );
  });
});
