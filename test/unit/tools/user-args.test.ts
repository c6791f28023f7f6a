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

  it('parses unthrottle with an email, lower-cased, and refuses a missing or malformed one', () => {
    expect(parseUserArgs(['unthrottle', 'Alice@Example.com'])).toEqual({
      kind: 'unthrottle',
      email: 'alice@example.com',
    });
    expect(parseUserArgs(['unthrottle'])).toEqual({
      kind: 'invalid',
      problems: ['an email is required'],
    });
    expect(parseUserArgs(['unthrottle', 'alice', 'x', '--force'])).toEqual({
      kind: 'invalid',
      problems: [
        '--force is not an option of unthrottle',
        'the email must be an email address, got "alice"',
        'unexpected argument(s): x',
      ],
    });
  });

  it('asks for the password at a prompt unless --password-stdin is given', () => {
    expect(
      parseUserArgs(['create', '--id', '2', '--email', 'a@b.c']),
    ).toMatchObject({kind: 'create', args: {passwordFrom: 'prompt', cost: 10}});
  });

  it.each([
    [['list'], {kind: 'list', args: {limit: 100}}],
    [
      ['list', '--email', ' Al ', '--limit=5'],
      {kind: 'list', args: {emailPrefix: 'al', limit: 5}},
    ],
    [['show', '7'], {kind: 'show', id: '7'}],
    [['delete', 'user_7'], {kind: 'delete', id: 'user_7', force: false}],
    [['delete', '--force', '7'], {kind: 'delete', id: '7', force: true}],
  ])('parses %j', (argv, command) => {
    expect(parseUserArgs(argv)).toEqual(command);
  });

  it.each([[['--help']], [['create', '-h']], [['--bogus', '--help']]])(
    'answers %j with the help',
    argv => {
      expect(parseUserArgs(argv)).toEqual({kind: 'help'});
    },
  );

  it.each([
    [[], ['a command is required: create, list, show, delete, unthrottle']],
    [
      ['remove', '--bogus'],
      [
        'unknown command "remove" (the commands are: create, list, show, delete, unthrottle)',
        'unknown option --bogus',
      ],
    ],
    [
      ['delete', '--id', '2', '--email', 'a@b.c'],
      [
        '--id is not an option of delete',
        '--email is not an option of delete',
        'a user id is required',
      ],
    ],
    [['show'], ['a user id is required']],
    [
      ['show', '7', '8', '--force'],
      ['--force is not an option of show', 'unexpected argument(s): 8'],
    ],
    [
      ['delete', 'a/b'],
      ['the user id must be 1-128 letters, digits, _ or -, got "a/b"'],
    ],
    [
      ['list', '--limit', '0', '--cost', '4', 'extra'],
      [
        '--cost is not an option of list',
        'unexpected argument(s): extra',
        '--limit must be a whole number from 1 to 1000, got "0"',
      ],
    ],
    [['list', '--email='], ['--email needs a value']],
    [['list', '--email', ' '], ['--email needs a prefix']],
    [
      ['create', '--id', 'a/b', '--email', 'nope', '--cost=3', '--bogus'],
      [
        'unknown option --bogus',
        '--id must be 1-128 letters, digits, _ or -, got "a/b"',
        '--email must be an email address, got "nope"',
        '--cost must be a whole number from 4 to 15, got "3"',
      ],
    ],
    [['create', '--id', '--email', 'a@b.c'], ['--id needs a value']],
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
