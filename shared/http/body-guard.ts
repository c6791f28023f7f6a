/**
 * Refuses hostile request bodies before the Functions Framework reads them. The framework
 * runs body-parser on every request, before our function: it accepts bodies up to 1 GB
 * and inflates gzip, deflate and br, so an anonymous 88 KB gzip body once cost 56 s and
 * 2.9 GB before authentication could answer 401. The guard answers from the headers alone
 * (415 for any Content-Encoding, 413 for a declared Content-Length over the limit) and
 * counts the bytes of bodies without a length, cutting them off at the limit with 413.
 * docs/hostile-input.md explains why these answers now come before 401.
 */
import type {
  IncomingHttpHeaders,
  IncomingMessage,
  ServerResponse,
} from 'node:http';
import type {Logger} from '../platform/logger';
import {MAX_BODY_BYTES} from './body';
import {answerJson, patchFrameworkApp} from './framework-errors';

/** What the headers say about a body: let it through (counted) or refuse it now. */
export type HeaderVerdict =
  {kind: 'pass'} | {kind: 'refuse'; status: 413 | 415; message: string};

export const TOO_LARGE = `The request body may not be larger than ${MAX_BODY_BYTES} bytes.`;
export const ENCODED =
  'The request body may not be compressed: send it without Content-Encoding.';

/** Judges a request from its headers only, before any byte of its body is read. */
export function judgeBodyHeaders(
  headers: IncomingHttpHeaders,
  limit: number = MAX_BODY_BYTES,
): HeaderVerdict {
  // body-parser treats an empty header as identity; anything else it would inflate (or
  // fail on), so every other value is refused, known codings and nonsense alike.
  const encoding = (headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    return {kind: 'refuse', status: 415, message: ENCODED};
  }
  // Node's parser has already rejected a malformed or conflicting Content-Length.
  const declared = Number(headers['content-length'] ?? 0);
  if (declared > limit) {
    return {kind: 'refuse', status: 413, message: TOO_LARGE};
  }
  return {kind: 'pass'};
}

/** Where refusals are logged; undefined when no logger is available (bad configuration). */
export type GuardLog = () => Logger | undefined;

function logRefusal(
  log: GuardLog,
  req: IncomingMessage,
  status: number,
  reason: string,
): void {
  let logger: Logger | undefined;
  try {
    logger = log();
  } catch {
    return; // the function itself reports a broken configuration
  }
  logger?.info('request body refused', {
    status,
    reason,
    method: req.method,
    contentLength: req.headers['content-length'],
    contentEncoding: req.headers['content-encoding'],
    remoteAddress: req.socket.remoteAddress,
  });
}

/**
 * Answers a refusal and closes the connection after it: the unread rest of the body is
 * discarded by Node as it arrives (never buffered), and the socket does not wait for a
 * client that may send for a long time.
 */
function refuse(res: ServerResponse, status: number, message: string): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
  answerJson(res, status, message);
}

/**
 * Counts the body's bytes as Node's HTTP parser hands them to the request stream, and
 * refuses the request once they pass `limit`. Chunks past the limit are dropped, so
 * whoever reads the body (body-parser) never holds more than the limit; it then sees the
 * connection close and gives up. `push` is the Readable producer call that Node's parser
 * makes for every body chunk; test/integration/http/hostile-bodies.test.ts pins this to the
 * installed Node version with a chunked body past the limit.
 */
function countBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  onRefuse: () => void,
): void {
  let received = 0;
  let refused = false;
  const push = req.push.bind(req);
  req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (refused) return true; // keep the socket flowing so it reaches its end
    if (chunk !== null && chunk !== undefined) {
      received += (chunk as {length: number}).length;
      if (received > limit) {
        refused = true;
        onRefuse();
        refuse(res, 413, TOO_LARGE);
        return true;
      }
    }
    return push(chunk, encoding);
  };
}

/**
 * Checks one request; true when it has been answered and must not reach the framework.
 * Exported for the unit tests; installBodyGuard applies it to every request.
 */
export function guardBody(
  req: IncomingMessage,
  res: ServerResponse,
  log: GuardLog,
  limit: number = MAX_BODY_BYTES,
): boolean {
  const verdict = judgeBodyHeaders(req.headers, limit);
  if (verdict.kind === 'refuse') {
    logRefusal(log, req, verdict.status, verdict.message);
    refuse(res, verdict.status, verdict.message);
    return true;
  }
  countBody(req, res, limit, () =>
    logRefusal(log, req, 413, 'body passed the limit while read'),
  );
  return false;
}

let installed = false;

/**
 * Puts the guard in front of every request the framework's Express app handles, once per
 * process.
 *
 * Why at `application.handle` rather than around the server's request listener: the
 * framework creates and owns the http.Server (`http.createServer(app)` in its
 * `getServer`), in production, in `getTestServer` and in the local stack's router, which
 * hands requests to those servers with `emit('request')`. Wrapping the listener would
 * mean patching `http.createServer` for every server in the process (emulators included).
 * `application.handle` is the one entry every request of the framework's app goes
 * through, before its router and so before any body parser, and the same seam already
 * carries the JSON final handler (framework-errors.ts).
 */
export function installBodyGuard(log: GuardLog): void {
  if (installed) return;
  installed = true;
  patchFrameworkApp(
    original =>
      function handle(this: unknown, req, res, callback) {
        if (guardBody(req, res, log)) return;
        return original.call(this, req, res, callback);
      },
  );
}
