/**
 * The bad-input campaign: malformed requests of every kind to the three functions each get
 * a clean 4xx JSON answer (never a 5xx, a stack trace or HTML) and change nothing in
 * Firestore or FCM; and random requests (fast-check) never get a 5xx.
 *
 * cron: it is being rewritten in parallel, so only what the local router answers for it is
 * covered here (a wrong method is 405, an unknown path 404).
 */
import zlib from 'node:zlib';
import fc from 'fast-check';
import {describeWithFirestore} from '../../support/emulators';
import {
  basic,
  startDeviceStack,
  type DeviceStack,
  type StoresSnapshot,
} from '../../support/device-stack';
import {
  rawRequest,
  uncleanClientError,
  type RawReply,
} from '../../support/raw-request';

const PATH = '/api/users/1/fcm_registration_tokens';
const EMAIL = 'owner@example.com';
const PASSWORD = 'owner-password';
const JSON_TYPE = {'Content-Type': 'application/json'};
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

interface Case {
  name: string;
  method?: string;
  path?: string;
  /** Authorization header; the owner's when absent, none when null. */
  auth?: string | null;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The body sent with chunked transfer encoding (no Content-Length), chunk by chunk. */
  chunks?: Buffer[];
  /** The Content-Type sent with a body: application/json when absent, none when null. */
  contentType?: string | null;
  status: number;
}

const json = (value: unknown) => JSON.stringify(value);
/** A valid registration body padded to exactly `bytes` bytes. */
const exactly = (bytes: number) => {
  const shell = json({registration_id: 'abc', pad: ''});
  const body = json({
    registration_id: 'abc',
    pad: 'x'.repeat(bytes - shell.length),
  });
  if (Buffer.byteLength(body) !== bytes) throw new Error('padding miscounted');
  return body;
};
/** A JSON object padded with `mib` MiB of spaces: a compression bomb once compressed. */
const padded = (mib: number) =>
  Buffer.concat([
    Buffer.from('{"registration_id":"abc"'),
    Buffer.alloc(mib * 1024 * 1024, ' '),
    Buffer.from('}'),
  ]);
const SPACES_16K = Buffer.alloc(16 * 1024, ' ');

/** Hostile bodies: refused by the body guard before authentication (docs/hostile-input.md). */
const hostileBodyCases: Case[] = [
  {
    name: 'a gzip body that inflates past the limit',
    headers: {'Content-Encoding': 'gzip'},
    body: zlib.gzipSync(padded(8)),
    status: 415,
  },
  {
    name: 'a br body',
    headers: {'Content-Encoding': 'br'},
    body: zlib.brotliCompressSync(padded(8)),
    status: 415,
  },
  {
    name: 'a small deflate body',
    headers: {'Content-Encoding': 'deflate'},
    body: zlib.deflateSync(json({registration_id: 'abc'})),
    status: 415,
  },
  {
    name: 'an unknown content encoding',
    headers: {'Content-Encoding': 'zstd'},
    body: json({registration_id: 'abc'}),
    status: 415,
  },
  {
    name: 'a false gzip encoding',
    headers: {'Content-Encoding': 'gzip'},
    body: json({registration_id: 'abc'}),
    status: 415,
  },
  {name: 'an 8 MiB plain body', body: padded(8), status: 413},
  {
    name: 'a chunked body past the limit',
    chunks: Array<Buffer>(64).fill(SPACES_16K),
    status: 413,
  },
  {
    name: 'a gzip body without credentials',
    auth: null,
    headers: {'Content-Encoding': 'gzip'},
    body: zlib.gzipSync(padded(8)),
    status: 415,
  },
  {
    name: 'an 8 MiB plain body without credentials',
    auth: null,
    body: padded(8),
    status: 413,
  },
  {
    name: 'a chunked body past the limit without credentials',
    auth: null,
    chunks: Array<Buffer>(64).fill(SPACES_16K),
    status: 413,
  },
  {
    name: 'JSON without a Content-Type',
    contentType: null,
    body: Buffer.from(json({registration_id: 'abc'})),
    status: 415,
  },
  {
    name: 'JSON sent as a form (curl -d)',
    contentType: 'application/x-www-form-urlencoded',
    body: json({registration_id: 'abc'}),
    status: 415,
  },
];

const bodyCases: Case[] = [
  {name: 'malformed JSON', body: '{"registration_id":', status: 400},
  {name: 'truncated JSON', body: '{"registration_id": "abc"', status: 400},
  {name: 'text that is not JSON', body: 'registration_id=abc', status: 400},
  {name: 'a JSON array', body: json(['abc']), status: 400},
  {name: 'a JSON string', body: json('abc'), status: 400},
  {name: 'a JSON number', body: '42', status: 400},
  {name: 'JSON null', body: 'null', status: 400},
  {name: 'an array value', body: json({registration_id: ['abc']}), status: 422},
  {
    name: 'a nested object value',
    body: json({registration_id: {token: 'abc'}}),
    status: 422,
  },
  {name: 'a number value', body: json({registration_id: 12345}), status: 422},
  {name: 'a boolean value', body: json({registration_id: true}), status: 422},
  {name: 'a null value', body: json({registration_id: null}), status: 422},
  {name: 'a missing field', body: json({token: 'abc'}), status: 422},
  {name: 'an empty object', body: '{}', status: 422},
  {name: 'an empty string', body: json({registration_id: ''}), status: 422},
  {
    name: 'whitespace only',
    body: json({registration_id: ' \t\n '}),
    status: 422,
  },
  {
    name: 'control characters',
    body: json({registration_id: 'abc\u0001\u001fdef'}),
    status: 422,
  },
  {
    name: 'a NUL byte',
    body: json({registration_id: 'abc\u0000def'}),
    status: 422,
  },
  {
    name: 'an inner space',
    body: json({registration_id: 'abc def'}),
    status: 422,
  },
  {
    name: 'non-ASCII characters',
    body: json({registration_id: 'tökén-ü'}),
    status: 422,
  },
  {
    name: 'a 4097-character value',
    body: json({registration_id: 'a'.repeat(4097)}),
    status: 422,
  },
  {
    name: 'duplicate keys, both invalid',
    body: '{"registration_id": 1, "registration_id": "a\\u0000b"}',
    status: 422,
  },
  {
    name: 'a body of 64 KiB + 1 byte',
    body: exactly(64 * 1024 + 1),
    status: 413,
  },
  {
    name: 'a body far over 64 KiB',
    body: json({registration_id: 'y'.repeat(200_000)}),
    status: 413,
  },
  {
    name: 'text/plain',
    headers: {'Content-Type': 'text/plain'},
    body: json({registration_id: 'abc'}),
    status: 415,
  },
  {
    name: 'application/xml',
    headers: {'Content-Type': 'application/xml'},
    body: '<registration_id>abc</registration_id>',
    status: 415,
  },
  {
    name: 'multipart/form-data',
    headers: {'Content-Type': 'multipart/form-data; boundary=x'},
    body: '--x\r\n\r\nabc\r\n--x--',
    status: 415,
  },
  {
    name: 'an unsupported charset',
    headers: {'Content-Type': 'application/json; charset=latin1'},
    body: json({registration_id: 'abc'}),
    status: 415,
  },
  {
    name: 'invalid UTF-8 in JSON',
    body: Buffer.concat([
      Buffer.from('{"registration_id":"ab'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]),
    status: 422,
  },
  {
    name: 'a form field given as an array',
    headers: {'Content-Type': 'application/x-www-form-urlencoded'},
    body: 'registration_id[]=abc',
    status: 422,
  },
  {
    name: 'a query string instead of a body',
    path: `${PATH}?registration_id=abc`,
    status: 422,
  },
];

const authCases: Case[] = [
  {name: 'no Authorization header', auth: null, status: 401},
  {
    name: 'credentials without a scheme',
    auth: b64(`${EMAIL}:${PASSWORD}`),
    status: 401,
  },
  {
    name: 'the Bearer scheme',
    auth: `Bearer ${b64(`${EMAIL}:${PASSWORD}`)}`,
    status: 401,
  },
  {name: 'Basic with nothing after it', auth: 'Basic ', status: 401},
  {name: 'bad base64', auth: 'Basic %%%not-base64%%%', status: 401},
  {
    name: 'base64 with a bad length',
    auth: `Basic ${b64(`${EMAIL}:${PASSWORD}`).slice(0, -1)}`,
    status: 401,
  },
  {name: 'no colon', auth: `Basic ${b64(EMAIL + PASSWORD)}`, status: 401},
  {name: 'an empty email', auth: `Basic ${b64(`:${PASSWORD}`)}`, status: 401},
  {name: 'an empty password', auth: `Basic ${b64(`${EMAIL}:`)}`, status: 401},
  {name: 'a 73-byte password', auth: basic(EMAIL, 'p'.repeat(73)), status: 401},
  {
    name: 'a 72-byte password with multibyte characters that is wrong',
    auth: basic(EMAIL, 'é'.repeat(36)),
    status: 401,
  },
  {
    name: 'non-UTF-8 credentials',
    auth: `Basic ${b64(Buffer.concat([Buffer.from(`${EMAIL}:`), Buffer.from([0xc3, 0x28, 0xff])]))}`,
    status: 401,
  },
  {
    name: 'a control character in the password',
    auth: basic(EMAIL, `${PASSWORD}\u0000`),
    status: 401,
  },
  {
    name: 'an unknown email',
    auth: basic('nobody@example.com', PASSWORD),
    status: 401,
  },
  {name: 'a wrong password', auth: basic(EMAIL, 'wrong-password'), status: 401},
  {
    name: 'two Basic credentials',
    auth: `Basic ${b64(`${EMAIL}:${PASSWORD}`)} Basic ${b64(`${EMAIL}:${PASSWORD}`)}`,
    status: 401,
  },
  {
    name: "another user's valid credentials",
    auth: basic('other@example.com', 'other-password'),
    status: 403,
  },
];

const routeCases: Case[] = [
  {name: 'GET on the device path', method: 'GET', status: 405},
  {name: 'PUT on the device path', method: 'PUT', status: 405},
  {name: 'PATCH on the device path', method: 'PATCH', status: 405},
  {name: 'an unknown path', path: '/api/users/1/tokens', status: 404},
  {name: 'an extra path segment', path: `${PATH}/extra`, status: 404},
  {
    name: 'an empty user segment',
    path: '/api/users//fcm_registration_tokens',
    status: 404,
  },
  {
    name: 'malformed percent-encoding',
    path: '/api/users/%E0%A4%A/fcm_registration_tokens',
    status: 400,
  },
];

const deviceCases: Case[] = ['POST', 'DELETE'].flatMap(method =>
  [
    ...bodyCases,
    ...hostileBodyCases,
    ...authCases,
    ...routeCases.filter(c => !c.method),
  ].map(c => ({
    ...c,
    name: `${method === 'POST' ? 'addDevice' : 'removeDevice'}: ${c.name}`,
    method,
    body:
      c.body ??
      (c.path?.includes('?') || c.chunks
        ? undefined
        : json({registration_id: 'valid-token'})),
  })),
);

const cronCases: Case[] = [
  {name: 'cron: POST', method: 'POST', path: '/api/cron', status: 405},
  {name: 'cron: DELETE', method: 'DELETE', path: '/api/cron', status: 405},
  {
    name: 'cron: PUT with a body',
    method: 'PUT',
    path: '/api/cron',
    body: '{"a":1}',
    status: 405,
  },
  {
    name: 'cron: PATCH with a query string',
    method: 'PATCH',
    path: '/api/cron?force=1',
    status: 405,
  },
  {
    name: 'cron: an unknown path',
    method: 'GET',
    path: '/api/cronjob',
    status: 404,
  },
  {
    name: 'cron: an extra segment',
    method: 'GET',
    path: '/api/cron/run',
    status: 404,
  },
  {
    name: 'cron: a double slash',
    method: 'GET',
    path: '/api//cron',
    status: 404,
  },
];

/**
 * rawRequest, or for `chunks` the same request with a streamed body, which fetch sends
 * with chunked transfer encoding and no Content-Length.
 */
async function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
  chunks: Buffer[] | undefined,
): Promise<RawReply> {
  if (!chunks) return rawRequest(url, method, path, headers, body);
  let next = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next < chunks.length) controller.enqueue(chunks[next++]!);
      else controller.close();
    },
  });
  const response = await fetch(url + path, {
    method,
    headers,
    body: stream,
    duplex: 'half',
    signal: AbortSignal.timeout(20_000),
  } as RequestInit);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: JSON.parse(text) as unknown,
  };
}

const CASES: Case[] = [
  ...deviceCases,
  ...routeCases.filter(c => c.method),
  ...cronCases,
];

describeWithFirestore(
  'bad input never reaches the stores and always answers a clean 4xx',
  () => {
    let stack: DeviceStack;
    let before: StoresSnapshot;
    let fcmCalls: number;

    beforeAll(async () => {
      stack = await startDeviceStack();
      await stack.reset();
      await stack.seedUser('1', EMAIL, PASSWORD);
      await stack.seedUser('2', 'other@example.com', 'other-password');
      const auth = `Basic ${b64(`${EMAIL}:${PASSWORD}`)}`;
      expect(
        (
          await stack.send('POST', PATH, {
            auth,
            body: {registration_id: 'existing-token'},
          })
        ).status,
      ).toBe(201);
      before = await stack.snapshot();
      fcmCalls = (await stack.fcm.calls(stack.senderId)).length;
    });
    afterAll(async () => stack.close());

    it('has at least 60 cases', () => {
      expect(CASES.length).toBeGreaterThanOrEqual(60);
    });

    it.each(CASES.map(c => [c.name, c] as const))('%s', async (_name, c) => {
      const hasBody = c.body !== undefined || c.chunks !== undefined;
      const headers: Record<string, string> = {
        ...(hasBody && c.contentType !== null
          ? {'Content-Type': c.contentType ?? JSON_TYPE['Content-Type']}
          : {}),
        ...c.headers,
      };
      if (c.auth !== null)
        headers.Authorization =
          c.auth ?? `Basic ${b64(`${EMAIL}:${PASSWORD}`)}`;
      const reply = await send(
        stack.url,
        c.method ?? 'POST',
        c.path ?? PATH,
        headers,
        c.body,
        c.chunks,
      );
      expect(uncleanClientError(reply)).toBeNull();
      expect(reply.status).toBe(c.status);
      expect(await stack.snapshot()).toEqual(before);
      expect(await stack.fcm.calls(stack.senderId)).toHaveLength(fcmCalls);
    });

    it('random bodies, content types and Authorization headers never give a 5xx', async () => {
      const printable = fc
        .string({unit: 'grapheme-ascii', maxLength: 80})
        .map(s => s.replace(/[^\x20-\x7e]/g, ''));
      const authorization = fc.oneof(
        printable,
        printable.map(s => `Basic ${b64(s)}`),
        fc
          .tuple(fc.constantFrom(EMAIL, 'other@example.com', ''), printable)
          .map(([e, p]) => basic(e, p)),
        fc.constant(basic(EMAIL, PASSWORD)),
      );
      const body = fc.oneof(
        fc.string({maxLength: 200}),
        fc.json({maxDepth: 3}),
        fc
          .anything({maxDepth: 2})
          .map(v => JSON.stringify({registration_id: v}) ?? 'undefined'),
        fc.uint8Array({maxLength: 200}).map(a => Buffer.from(a)),
      );
      const contentType = fc.oneof(
        fc.constantFrom(
          'application/json',
          'application/x-www-form-urlencoded',
          'text/plain',
          'application/json; charset=utf-16',
          '',
        ),
        printable,
      );
      const path = fc.oneof(
        fc.constantFrom(
          PATH,
          '/users/1/fcm_registration_tokens',
          '/api/users/2/fcm_registration_tokens',
          '/api/cron',
        ),
        printable.map(
          s => `/api/users/${encodeURIComponent(s)}/fcm_registration_tokens`,
        ),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('POST', 'DELETE', 'PUT'),
          path,
          authorization,
          contentType,
          body,
          async (method, p, auth, type, payload) => {
            const headers: Record<string, string> = {Authorization: auth};
            if (type !== '') headers['Content-Type'] = type;
            const reply = await rawRequest(
              stack.url,
              method,
              p,
              headers,
              payload,
            );
            if (reply.status >= 500)
              throw new Error(`${reply.status} ${reply.text.slice(0, 200)}`);
            expect(
              uncleanClientError(reply) === null || reply.status < 400,
            ).toBe(true);
          },
        ),
        {numRuns: 100},
      );
    });
  },
);
