import {parseBasicAuth} from '../../../shared/auth/basic-auth';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

describe('parseBasicAuth', () => {
  it('reads the reference example', () => {
    expect(
      parseBasicAuth('Basic c3VwcG9ydEB0aGlua2JpdHNvbHV0aW9ucy5jb206czNjUmUr'),
    ).toEqual({
      email: 'support@thinkbitsolutions.com',
      password: 's3cRe+',
    });
  });

  it('accepts any case of the scheme and a password containing colons', () => {
    expect(parseBasicAuth(`basic ${b64('a@b.c:pa:ss')}`)).toEqual({
      email: 'a@b.c',
      password: 'pa:ss',
    });
  });

  it('accepts a 72-byte password', () => {
    expect(
      parseBasicAuth(`Basic ${b64('a@b.c:' + 'é'.repeat(36))}`)?.password,
    ).toHaveLength(36);
  });

  it.each([
    ['no header', undefined],
    ['empty', ''],
    ['no scheme', b64('a@b.c:pw')],
    ['another scheme', `Bearer ${b64('a@b.c:pw')}`],
    ['scheme only', 'Basic'],
    ['bad base64 characters', 'Basic a@b.c:pw'],
    ['bad base64 length', 'Basic YWJj='],
    ['two credentials', `Basic ${b64('a@b.c:pw')} ${b64('x:y')}`],
    ['no colon', `Basic ${b64('a@b.c')}`],
    ['empty email', `Basic ${b64(':pw')}`],
    ['empty password', `Basic ${b64('a@b.c:')}`],
    ['73-byte password', `Basic ${b64('a@b.c:' + 'p'.repeat(73))}`],
    [
      '73 bytes of multi-byte characters',
      `Basic ${b64('a@b.c:' + 'é'.repeat(36) + 'x')}`,
    ],
    ['not UTF-8', `Basic ${b64(Buffer.from([0x61, 0x3a, 0xff, 0xfe]))}`],
    ['a NUL byte', `Basic ${b64('a@b.c:p\u0000w')}`],
    ['a newline', `Basic ${b64('a@b.c\n:pw')}`],
  ])('rejects %s', (_case, header) => {
    expect(parseBasicAuth(header)).toBeNull();
  });
});
