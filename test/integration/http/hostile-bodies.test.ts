/**
 * Hostile bodies are refused before the Functions Framework reads them
 * (shared/http/body-guard.ts): compressed bodies with 415, oversize ones with 413, before
 * authentication, promptly, without the server's memory growing, and the server keeps
 * serving. The server runs in this process, so its memory is measured here.
 */
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import zlib from 'node:zlib';
import {describeWithFirestore} from '../../support/emulators';
import {
  basic,
  startDeviceStack,
  type DeviceStack,
} from '../../support/device-stack';

const PATH = '/api/users/1/fcm_registration_tokens';
const EMAIL = 'owner@example.com';
const PASSWORD = 'owner-password';
const MiB = 1024 * 1024;
const TOO_LARGE = 'The request body may not be larger than 65536 bytes.';
const ENCODED =
  'The request body may not be compressed: send it without Content-Encoding.';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Memory after a full collection, so that garbage awaiting collection is not counted. */
function memory(): NodeJS.MemoryUsage {
  gc();
  return process.memoryUsage();
}

interface Outcome {
  status?: number;
  body?: unknown;
  connection?: string;
  /** A client-side error, when the server closed before the client saw an answer. */
  error?: string;
  ms: number;
}

/** A JSON array of one string, `mib` MiB long, compressed chunk by chunk (never whole in memory). */
async function compressed(
  make: () => zlib.Gzip | zlib.BrotliCompress,
  mib: number,
): Promise<Buffer> {
  const stream = make();
  const out: Buffer[] = [];
  stream.on('data', (c: Buffer) => out.push(c));
  const done = new Promise(resolve => stream.on('end', resolve));
  const chunk = Buffer.alloc(MiB, 'x');
  stream.write('["');
  for (let i = 0; i < mib; i++) stream.write(chunk);
  stream.end('"]');
  await done;
  return Buffer.concat(out);
}

/**
 * POSTs with Node's client, which lets the body be sent whole (with a Content-Length) or
 * as chunks (chunked transfer encoding), and stops sending once the server answers.
 */
function post(
  url: string,
  headers: Record<string, string>,
  body: Buffer | Buffer[],
): Promise<Outcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise(resolve => {
    let answered = false;
    const req = http.request(
      url + PATH,
      {method: 'POST', headers, agent: false},
      res => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            body: text === '' ? undefined : JSON.parse(text),
            connection: res.headers.connection,
            ms: ms(),
          }),
        );
      },
    );
    req.on('error', err => {
      if (!answered) resolve({error: err.message, ms: ms()});
    });
    if (Buffer.isBuffer(body)) {
      req.end(body);
      return;
    }
    let sent = 0;
    const next = (): void => {
      if (answered || req.destroyed) return;
      if (sent === body.length) {
        req.end();
        return;
      }
      req.write(body[sent++]!, next);
    };
    next();
  });
}

describeWithFirestore('hostile bodies', () => {
  let stack: DeviceStack;
  let auth: string;
  const json = {'Content-Type': 'application/json'};
  const cases: Array<
    [
      string,
      Record<string, string>,
      () => Promise<Parameters<typeof post>[2]>,
      number,
      string,
    ]
  > = [
    [
      'a gzip body that inflates to 90 MiB',
      {...json, 'Content-Encoding': 'gzip'},
      () => compressed(zlib.createGzip, 90),
      415,
      ENCODED,
    ],
    [
      'a br body',
      {...json, 'Content-Encoding': 'br'},
      // Quality 4 keeps the test's own compression quick; the ratio still passes 1000:1.
      () =>
        compressed(
          () =>
            zlib.createBrotliCompress({
              params: {[zlib.constants.BROTLI_PARAM_QUALITY]: 4},
            }),
          90,
        ),
      415,
      ENCODED,
    ],
    [
      'a deflate body',
      {...json, 'Content-Encoding': 'deflate'},
      async () => zlib.deflateSync('{"registration_id":"abc"}'),
      415,
      ENCODED,
    ],
    [
      'an 8 MiB plain body',
      json,
      async () => Buffer.alloc(8 * MiB, ' '),
      413,
      TOO_LARGE,
    ],
    [
      'a chunked body that passes the limit',
      json,
      async () => Array(512).fill(Buffer.alloc(16 * 1024, ' ')),
      413,
      TOO_LARGE,
    ],
  ];

  beforeAll(async () => {
    stack = await startDeviceStack();
    await stack.reset();
    auth = await stack.seedUser('1', EMAIL, PASSWORD);
  });
  afterAll(async () => stack.close());

  it('refuses each one before authentication, promptly, without memory growth, and keeps serving', async () => {
    const bodies = await Promise.all(cases.map(([, , make]) => make()));
    // Warm up the server's code paths so that the baseline is not the cold start.
    await post(stack.url, json, Buffer.from('{}'));
    const before = memory();
    for (const [i, [name, headers, , status, message]] of cases.entries()) {
      const outcome = await post(stack.url, headers, bodies[i]!);
      process.stdout.write(`${name}: ${JSON.stringify(outcome)}\n`);
      expect(outcome).toMatchObject({status, body: {message}});
      expect(outcome.ms).toBeLessThan(2000);
      // And the server still answers a normal request on a new connection.
      const good = await stack.send('POST', PATH, {
        auth,
        body: {registration_id: `token-${i}`},
      });
      expect(good.status).toBe(201);
    }
    const after = memory();
    const grewMiB = (key: 'rss' | 'heapUsed') =>
      Math.round((after[key] - before[key]) / MiB);
    process.stdout.write(
      `memory growth: rss ${grewMiB('rss')} MiB, heap ${grewMiB('heapUsed')} MiB\n`,
    );
    // Before the guard the gzip body alone cost 2.9 GB; a few MiB is noise here.
    expect(grewMiB('rss')).toBeLessThan(48);
    expect(grewMiB('heapUsed')).toBeLessThan(16);
  });

  it('refuses a declared oversize body with 413 before 401', async () => {
    const outcome = await post(
      stack.url,
      json,
      Buffer.alloc(64 * 1024 + 1, ' '),
    );
    expect(outcome).toMatchObject({
      status: 413,
      body: {message: TOO_LARGE},
      connection: 'close',
    });
  });

  it('lets a body of exactly the limit through to authentication', async () => {
    const body = Buffer.alloc(64 * 1024, ' ');
    body.write('{}');
    const outcome = await post(stack.url, json, body);
    expect(outcome).toMatchObject({status: 401});
    const chunks = [0, 1, 2, 3].map(i =>
      body.subarray(i * 16 * 1024, (i + 1) * 16 * 1024),
    );
    const chunked = await post(stack.url, json, chunks);
    expect(chunked).toMatchObject({status: 401});
  });

  it('accepts Content-Encoding: identity', async () => {
    const reply = await stack.send('POST', PATH, {
      auth: basic(EMAIL, PASSWORD),
      headers: {'Content-Encoding': 'identity'},
      body: {registration_id: 'identity-token'},
    });
    expect(reply.status).toBe(201);
  });
});
