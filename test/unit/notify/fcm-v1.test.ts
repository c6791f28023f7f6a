/**
 * FCM v1 answers turned into outcomes at the boundary. The answers are FCM's documented
 * bodies, served by a fetch that returns them (no network).
 */
import {createFcmV1, type SendAttempt} from '../../../shared/notify/fcm-v1';

const FCM_ERROR = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';

async function answer(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<SendAttempt> {
  const requests: Array<{url: string; body: unknown}> = [];
  const send = createFcmV1({
    baseUrl: 'http://fcm.test',
    projectId: 'p1',
    accessToken: async () => 'tkn',
    fetch: async (url, init) => {
      requests.push({url: String(url), body: JSON.parse(String(init?.body))});
      return new Response(
        typeof body === 'string' ? body : JSON.stringify(body),
        {
          status,
          headers,
        },
      );
    },
  });
  const attempt = await send(
    'device-token',
    {data: {a: '1'}},
    AbortSignal.timeout(1000),
  );
  expect(requests).toEqual([
    {
      url: 'http://fcm.test/v1/projects/p1/messages:send',
      body: {message: {data: {a: '1'}, token: 'device-token'}},
    },
  ]);
  return attempt;
}

const rpc = (
  code: number,
  status: string,
  message: string,
  details: unknown[] = [],
) => ({
  error: {code, status, message, details},
});

describe('FCM v1 answers', () => {
  it('a 200 with a name is sent', async () => {
    expect(await answer(200, {name: 'projects/p1/messages/1'})).toEqual({
      kind: 'sent',
      name: 'projects/p1/messages/1',
    });
  });

  it.each([
    [
      'UNREGISTERED',
      404,
      rpc(404, 'NOT_FOUND', 'Requested entity was not found.', [
        {'@type': FCM_ERROR, errorCode: 'UNREGISTERED'},
      ]),
      false,
    ],
    [
      'INVALID_ARGUMENT',
      400,
      rpc(
        400,
        'INVALID_ARGUMENT',
        'The registration token is not a valid FCM registration token',
        [{'@type': FCM_ERROR, errorCode: 'INVALID_ARGUMENT'}],
      ),
      true,
    ],
    [
      'INVALID_ARGUMENT',
      400,
      rpc(400, 'INVALID_ARGUMENT', 'Invalid value', [
        {
          '@type': BAD_REQUEST,
          fieldViolations: [
            {field: 'message.token', description: 'Invalid registration token'},
          ],
        },
      ]),
      true,
    ],
    [
      'INVALID_ARGUMENT',
      400,
      rpc(400, 'INVALID_ARGUMENT', 'Invalid value at message.android.ttl', [
        {
          '@type': BAD_REQUEST,
          fieldViolations: [{field: 'message.android.ttl'}],
        },
      ]),
      false,
    ],
    [
      'SENDER_ID_MISMATCH',
      403,
      rpc(403, 'PERMISSION_DENIED', 'SenderId mismatch', [
        {'@type': FCM_ERROR, errorCode: 'SENDER_ID_MISMATCH'},
      ]),
      false,
    ],
    [
      'INTERNAL',
      500,
      rpc(500, 'INTERNAL', 'Internal error encountered.'),
      false,
    ],
    ['UNAVAILABLE', 502, '<html>Bad Gateway</html>', false],
  ])('%s (status %i)', async (code, status, body, badToken) => {
    expect(await answer(status, body)).toMatchObject({
      kind: 'failed',
      code,
      status,
      badToken,
    });
  });

  it('QUOTA_EXCEEDED carries Retry-After', async () => {
    expect(
      await answer(
        429,
        rpc(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded', [
          {'@type': FCM_ERROR, errorCode: 'QUOTA_EXCEEDED'},
        ]),
        {'Retry-After': '30'},
      ),
    ).toMatchObject({
      kind: 'failed',
      code: 'QUOTA_EXCEEDED',
      retryAfterMs: 30_000,
    });
  });

  it('no answer is UNAVAILABLE', async () => {
    const send = createFcmV1({
      baseUrl: 'http://fcm.test',
      projectId: 'p1',
      accessToken: async () => 'tkn',
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    expect(
      await send('t', {data: {}}, AbortSignal.timeout(1000)),
    ).toMatchObject({
      kind: 'failed',
      code: 'UNAVAILABLE',
      status: 0,
    });
  });
});
