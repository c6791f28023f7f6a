/**
 * Reads the request body that the Functions Framework has already parsed, and enforces
 * what the framework does not: a size limit and the content types this API accepts.
 */
import type {Request} from '@google-cloud/functions-framework';
import {AppError} from '../platform/errors';

/** Bodies above this many bytes answer 413. */
export const MAX_BODY_BYTES = 64 * 1024;

function mediaType(req: Request): string {
  return (req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
}

function bodyLength(req: Request): number {
  if (req.rawBody) return req.rawBody.length;
  const declared = Number(req.headers['content-length'] ?? 0);
  if (Number.isFinite(declared) && declared > 0) return declared;
  // A chunked body that no parser read (no Content-Type) has no known length, but exists.
  return req.headers['transfer-encoding'] !== undefined ? 1 : 0;
}

/** JSON's first non-space byte: an object or an array. */
function looksLikeJson(raw: Buffer | undefined): boolean {
  const first = raw?.toString('latin1').trimStart()[0];
  return first === '{' || first === '[';
}

/**
 * The body was sent without a Content-Type, or as a form that holds JSON (what
 * `curl -d '{...}'` sends): the client meant JSON and forgot the header, so the answer
 * names it instead of reporting a missing field. docs/hostile-input.md explains why
 * these bodies are refused rather than guessed.
 */
function missingJsonType(type: string, req: Request): AppError | undefined {
  if (type === '') {
    return new AppError(
      'unsupported-media-type',
      'The request body has no Content-Type header: send JSON with Content-Type: application/json.',
    );
  }
  if (
    type === 'application/x-www-form-urlencoded' &&
    looksLikeJson(req.rawBody)
  ) {
    return new AppError(
      'unsupported-media-type',
      'The request body looks like JSON but was sent as application/x-www-form-urlencoded: send it with Content-Type: application/json.',
    );
  }
  return undefined;
}

/**
 * The body as a plain object: JSON and form-encoded bodies are accepted; an empty body
 * is an empty object (so validation reports the missing field, as Laravel does).
 */
export function readBodyObject(req: Request): Record<string, unknown> {
  const length = bodyLength(req);
  if (length > MAX_BODY_BYTES) {
    throw new AppError(
      'payload-too-large',
      `The request body may not be larger than ${MAX_BODY_BYTES} bytes.`,
    );
  }
  if (length === 0) return {};
  const type = mediaType(req);
  const mislabelled = missingJsonType(type, req);
  if (mislabelled) throw mislabelled;
  if (
    type !== 'application/json' &&
    type !== 'application/x-www-form-urlencoded'
  ) {
    throw new AppError(
      'unsupported-media-type',
      'The request body must be application/json or application/x-www-form-urlencoded.',
    );
  }
  const body: unknown = req.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError(
      'bad-request',
      'The request body must be a JSON object.',
    );
  }
  return body as Record<string, unknown>;
}
