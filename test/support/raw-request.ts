/**
 * Requests exactly as given (raw bytes, any header) to the local server, for the
 * bad-input campaign; and the checks every refused request must pass.
 */
export interface RawReply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function rawRequest(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<RawReply> {
  const response = await fetch(url + path, {
    method,
    headers,
    body,
    // Under 60 s (the test timeout): contention tests against the emulator are slow.
    signal: AbortSignal.timeout(45_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {status: response.status, headers: response.headers, text, json};
}

/** Why `reply` is not a clean client error (4xx, JSON `{message}`, no HTML or stack), or null. */
export function uncleanClientError(reply: RawReply): string | null {
  if (reply.status < 400 || reply.status >= 500)
    return `status ${reply.status}`;
  if (!(reply.headers.get('content-type') ?? '').startsWith('application/json'))
    return `content-type ${reply.headers.get('content-type')}`;
  const message = (reply.json as {message?: unknown} | undefined)?.message;
  if (typeof message !== 'string' || message === '')
    return `body ${reply.text.slice(0, 200)}`;
  if (/<html|<!doctype|\n\s+at |node_modules|Error:/i.test(reply.text))
    return `internals in body ${reply.text.slice(0, 200)}`;
  return null;
}
