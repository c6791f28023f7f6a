import {
  ENCODED,
  TOO_LARGE,
  judgeBodyHeaders,
} from '../../../shared/http/body-guard';

describe('judgeBodyHeaders', () => {
  it.each([
    ['no body headers', {}],
    ['a body of exactly the limit', {'content-length': '65536'}],
    ['identity encoding', {'content-encoding': 'Identity'}],
    ['an empty encoding', {'content-encoding': ''}],
    [
      'a chunked body (counted as it arrives)',
      {'transfer-encoding': 'chunked'},
    ],
  ])('lets through %s', (_case, headers) => {
    expect(judgeBodyHeaders(headers)).toEqual({kind: 'pass'});
  });

  it.each([
    ['gzip', {'content-encoding': 'gzip'}, 415, ENCODED],
    ['br', {'content-encoding': 'br'}, 415, ENCODED],
    ['deflate', {'content-encoding': 'DEFLATE'}, 415, ENCODED],
    ['an unknown coding', {'content-encoding': 'zstd'}, 415, ENCODED],
    ['a list of codings', {'content-encoding': 'identity, gzip'}, 415, ENCODED],
    ['64 KiB + 1 byte', {'content-length': '65537'}, 413, TOO_LARGE],
    [
      'an encoding and an oversize length (encoding first)',
      {'content-encoding': 'gzip', 'content-length': '9999999'},
      415,
      ENCODED,
    ],
  ])('refuses %s', (_case, headers, status, message) => {
    expect(judgeBodyHeaders(headers)).toEqual({
      kind: 'refuse',
      status,
      message,
    });
  });

  it('uses the given limit', () => {
    expect(judgeBodyHeaders({'content-length': '11'}, 10)).toMatchObject({
      status: 413,
    });
  });
});
