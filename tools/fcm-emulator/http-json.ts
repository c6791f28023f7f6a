import type {IncomingMessage, ServerResponse} from 'node:http';

/** What a handler wants done with a request: answer JSON, never answer, or drop the connection. */
export type Reply =
  | {
      kind: 'json';
      status: number;
      body: unknown;
      headers?: Record<string, string>;
    }
  | {kind: 'hang'}
  | {kind: 'destroy'};

/** Largest request body accepted; device-group bodies are a few kilobytes at most. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A JSON reply. */
export function json(
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): Reply {
  return headers
    ? {kind: 'json', status, body, headers}
    : {kind: 'json', status, body};
}

/** A JSON error reply in FCM's `{"error": "<text>"}` shape. */
export function jsonError(
  status: number,
  error: string,
  headers?: Record<string, string>,
): Reply {
  return json(status, {error}, headers);
}

/** Reads the whole body as UTF-8; undefined when it exceeds {@link MAX_BODY_BYTES}. */
export async function readBody(
  req: IncomingMessage,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    // Keep draining past the limit so the client still gets our answer rather than a reset.
    if (size <= MAX_BODY_BYTES) chunks.push(buffer);
  }
  return size > MAX_BODY_BYTES
    ? undefined
    : Buffer.concat(chunks).toString('utf8');
}

/** Parses JSON, telling a malformed body apart from any valid value (including `null`). */
export function parseJson(
  text: string,
): {ok: true; value: unknown} | {ok: false} {
  try {
    return {ok: true, value: JSON.parse(text) as unknown};
  } catch {
    return {ok: false};
  }
}

/** Carries out a reply. The single place that writes to a response. */
export function send(
  req: IncomingMessage,
  res: ServerResponse,
  reply: Reply,
): void {
  if (reply.kind === 'destroy') {
    req.socket.destroy();
    return;
  }
  // 'hang': leave the request open; the server destroys the socket when it closes.
  if (reply.kind === 'hang') return;
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...reply.headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
