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
        userId: '1',
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
        '--user is required',
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
});
