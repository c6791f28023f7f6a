import {parseEnvFile} from '../../../../tools/deploy/env-file';

describe('parseEnvFile', () => {
  it.each([
    ['a plain pair', 'BCRYPT_COST=12', {BCRYPT_COST: '12'}],
    [
      'export, spaces around the value',
      'export  LOG_LEVEL =  WARNING  ',
      {LOG_LEVEL: 'WARNING'},
    ],
    [
      'double quotes',
      'AUTH_REALM="Device registration API"',
      {AUTH_REALM: 'Device registration API'},
    ],
    ['single quotes keep a #', "AUTH_REALM='Shop #1'", {AUTH_REALM: 'Shop #1'}],
    ['a # inside a word', 'AUTH_REALM=Shop#1', {AUTH_REALM: 'Shop#1'}],
    ['an = in the value', 'AUTH_REALM=a=b', {AUTH_REALM: 'a=b'}],
    ['empty: removes the setting', 'BCRYPT_COST=', {BCRYPT_COST: ''}],
    ['empty quotes', 'BCRYPT_COST=""', {BCRYPT_COST: ''}],
    [
      'comments, blank lines and CRLF',
      '# production\r\n\r\n  # indented comment\r\nLOG_LEVEL=INFO\r\n',
      {LOG_LEVEL: 'INFO'},
    ],
  ])('reads %s', (_name, text, expected) => {
    const parsed = parseEnvFile(text);
    expect(parsed).toEqual({
      kind: 'ok',
      vars: new Map(Object.entries(expected)),
    });
  });

  it('names every line it cannot read, by number, and reads nothing', () => {
    expect(
      parseEnvFile(
        [
          'LOG_LEVEL=INFO # chatty',
          'just words',
          '1BAD=x',
          'AUTH_REALM="open',
          'LOG_LEVEL=DEBUG',
          'LOG_LEVEL=INFO',
          'A-B=1',
        ].join('\n'),
      ),
    ).toEqual({
      kind: 'invalid',
      problems: [
        'line 1: LOG_LEVEL: a comment after a value is not supported (put it on its own line, or quote the value)',
        'line 2: expected NAME=VALUE, got "just words"',
        'line 3: expected NAME=VALUE, got "1BAD=x"',
        'line 4: AUTH_REALM: a quoted value must end with its quote on the same line',
        'line 6: LOG_LEVEL is set twice',
        'line 7: expected NAME=VALUE, got "A-B=1"',
      ],
    });
  });
});
