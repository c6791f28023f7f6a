import type {Request} from '@google-cloud/functions-framework';
import {AppError} from '../../../shared/platform/errors';
import {readBodyObject} from '../../../shared/http/body';

/** The parts of a request that the framework has filled in when our function runs. */
function request(
  headers: Record<string, string>,
  raw?: string,
  body?: unknown,
): Request {
  const rawBody = raw === undefined ? undefined : Buffer.from(raw);
  if (rawBody) headers['content-length'] ??= String(rawBody.length);
  return {headers, rawBody, body} as unknown as Request;
}

function refusal(req: Request): {status: number; message: string} {
  try {
    readBodyObject(req);
  } catch (err) {
    const e = err as AppError;
    return {status: e.status, message: e.message};
  }
  throw new Error('expected a refusal');
}

const NO_TYPE =
  'The request body has no Content-Type header: send JSON with Content-Type: application/json.';
const FORM_JSON =
  'The request body looks like JSON but was sent as application/x-www-form-urlencoded: send it with Content-Type: application/json.';
const FORM = 'application/x-www-form-urlencoded';

describe('readBodyObject', () => {
  it('returns a JSON object body', () => {
    const req = request({'content-type': 'application/json'}, '{"a":1}', {
      a: 1,
    });
    expect(readBodyObject(req)).toEqual({a: 1});
  });

  it('returns a form body whose content is a form', () => {
    const req = request({'content-type': FORM}, 'registration_id=x', {
      registration_id: 'x',
    });
    expect(readBodyObject(req)).toEqual({registration_id: 'x'});
  });

  it('is an empty object for an empty body', () => {
    expect(readBodyObject(request({}))).toEqual({});
  });

  it.each([
    ['JSON without a Content-Type', {}, '{"registration_id":"x"}', NO_TYPE],
    ['text without a Content-Type', {}, 'registration_id=x', NO_TYPE],
    [
      'a chunked body without a Content-Type',
      {'transfer-encoding': 'chunked'},
      undefined,
      NO_TYPE,
    ],
    [
      'JSON sent as a form (curl -d)',
      {'content-type': FORM},
      '{"registration_id":"x"}',
      FORM_JSON,
    ],
    [
      'a JSON array sent as a form, after spaces',
      {'content-type': `${FORM}; charset=utf-8`},
      ' \n["x"]',
      FORM_JSON,
    ],
  ])(
    'refuses %s with 415 naming the header',
    (_case, headers, raw, message) => {
      const req = request({...headers} as Record<string, string>, raw, {});
      expect(refusal(req)).toEqual({status: 415, message});
    },
  );
});
