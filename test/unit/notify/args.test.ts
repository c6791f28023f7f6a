import {parseNotifyArgs} from '../../../tools/notify/args';

describe('npm run notify options', () => {
  it('builds the message from --title, --body and repeated --data', () => {
    expect(
      parseNotifyArgs([
        '--user',
        '1',
        '--title',
        'Hi',
        '--body=There',
        '--data',
        'a=1',
        '--data',
        'b=x=y',
        '--idempotency-key',
        'k1',
      ]),
    ).toEqual({
      kind: 'run',
      args: {
        recipients: {kind: 'user', userId: '1'},
        message: {
          notification: {title: 'Hi', body: 'There'},
          data: {a: '1', b: 'x=y'},
        },
        idempotencyKey: 'k1',
      },
    });
  });

  it('answers --help before any problem', () => {
    expect(parseNotifyArgs(['--bogus', '-h'])).toEqual({kind: 'help'});
  });

  it('reports every bad flag at once', () => {
    expect(
      parseNotifyArgs(['stray', '--bogus', '--data', 'novalue', '--title']),
    ).toEqual({
      kind: 'invalid',
      problems: [
        'unknown option --bogus',
        '--title needs a value',
        'unexpected argument(s): stray',
        'one of --user, --users or --users-file is required',
        '--data must be KEY=VALUE, got "novalue"',
      ],
    });
  });

  it('needs something to send', () => {
    expect(parseNotifyArgs(['--user', '1'])).toEqual({
      kind: 'invalid',
      problems: ['at least one of --title, --body or --data is required'],
    });
  });

  it('takes many users from --users or --users-file, one of the three', () => {
    expect(parseNotifyArgs(['--users', '1, 2,3', '--title', 'Hi'])).toEqual({
      kind: 'run',
      args: {
        recipients: {kind: 'users', users: ['1', '2', '3']},
        message: {notification: {title: 'Hi'}},
        idempotencyKey: undefined,
      },
    });
    expect(
      parseNotifyArgs(['--users-file', 'ids.txt', '--data', 'k=v']),
    ).toEqual({
      kind: 'run',
      args: {
        recipients: {kind: 'users-file', file: 'ids.txt'},
        message: {data: {k: 'v'}},
        idempotencyKey: undefined,
      },
    });
    expect(
      parseNotifyArgs(['--user', '1', '--users-file', 'f', '--title', 'x']),
    ).toEqual({
      kind: 'invalid',
      problems: ['--user and --users-file exclude each other'],
    });
    expect(parseNotifyArgs(['--users', '1,a/b,1', '--title', 'x'])).toEqual({
      kind: 'invalid',
      problems: [
        '--users: entry 2 is not a user id: "a/b"',
        '--users: user 1 is named twice (entry 1 and entry 3)',
      ],
    });
  });
});
