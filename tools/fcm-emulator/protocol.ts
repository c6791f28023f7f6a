/**
 * FCM's legacy device-group wire protocol (`/fcm/notification`): the header checks, the request
 * parsing, the error texts FCM answers with, and the shape of notification keys.
 */
import {randomBytes} from 'node:crypto';
import type {IncomingMessage} from 'node:http';
import type {GroupStore} from './groups';

/**
 * Every error text the emulator answers with on `/fcm/notification`.
 *
 * The group texts are the ones FCM itself returns, because clients (ours included) match on them to
 * tell "already exists" from "not found"; changing one is a protocol change, not a wording fix.
 */
export const FcmErrors = {
  alreadyExists: 'notification_key already exists',
  notFound: 'notification_key not found',
  nameMismatch:
    "notification_key_name doesn't match the group name of the notification_key",
  noValidIds: 'no valid registration ids',
  tooManyMembers: 'maximum number of members exceeded',
  invalidOperation: 'invalid operation',
  invalidName: 'notification_key_name must be a non-empty string',
  invalidKey: 'notification_key must be a non-empty string',
  invalidIds: 'registration_ids must be an array of non-empty strings',
  missingNameQuery: 'notification_key_name query parameter is required',
  unauthorized: 'Unauthorized',
  accessTokenAuth: 'access_token_auth header must be true',
  projectIdRequired: 'project_id header is required',
  contentType: 'Content-Type must be application/json',
  malformedJson: 'request body is not valid JSON',
  notAnObject: 'request body must be a JSON object',
  bodyTooLarge: 'request body too large',
} as const;

/** A validation result: the parsed value, or the error text to answer with. */
export type Parsed<T> = {ok: true; value: T} | {ok: false; error: string};

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

/** True for a plain JSON object (not an array or null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A failed {@link Parsed}. */
export function fail(error: string): {ok: false; error: string} {
  return {ok: false, error};
}

/** A whole number of at least `min`. */
export function isWhole(value: unknown, min: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

// FCM sends Retry-After with 429s; 60 s is the back-off FCM's docs suggest starting from.
const DEFAULT_QUOTA_RETRY_AFTER_SECONDS = 60;

/**
 * A send fault's `Retry-After` (seconds): allowed with UNAVAILABLE and QUOTA_EXCEEDED only,
 * and always there with QUOTA_EXCEEDED (60 when omitted).
 */
export function parseRetryAfter(
  error: FcmErrorCode,
  retryAfterSeconds: unknown,
): Parsed<number | undefined> {
  if (retryAfterSeconds === undefined)
    return {
      ok: true,
      value:
        error === 'QUOTA_EXCEEDED'
          ? DEFAULT_QUOTA_RETRY_AFTER_SECONDS
          : undefined,
    };
  if (error !== 'UNAVAILABLE' && error !== 'QUOTA_EXCEEDED')
    return fail(
      'retryAfterSeconds is only allowed with UNAVAILABLE or QUOTA_EXCEEDED',
    );
  if (!isWhole(retryAfterSeconds, 0))
    return fail('retryAfterSeconds must be a non-negative integer');
  return {ok: true, value: retryAfterSeconds as number};
}

/** FCM notification keys start with this prefix; clients sometimes sanity-check it. */
export const NOTIFICATION_KEY_PREFIX = 'APA91b';

/** Total length of a generated key, in the range real FCM keys have. */
export const NOTIFICATION_KEY_LENGTH = 140;

/**
 * Makes a new notification key shaped like FCM's: the `APA91b` prefix followed by URL-safe
 * random characters. 100+ random bytes make collisions practically impossible; the store still
 * checks, so a key is never handed out twice.
 */
export function newNotificationKey(): string {
  const randomLength = NOTIFICATION_KEY_LENGTH - NOTIFICATION_KEY_PREFIX.length;
  // base64url yields 4 characters per 3 bytes; ask for enough bytes, then trim.
  const random = randomBytes(Math.ceil((randomLength * 3) / 4)).toString(
    'base64url',
  );
  return NOTIFICATION_KEY_PREFIX + random.slice(0, randomLength);
}

/**
 * True for a string shaped like the notification keys FCM (and this emulator) hands out. A
 * send to such a key that names no live group is a send to a group that is gone, which FCM
 * answers as it answers an unregistered token, rather than a registration token to deliver to.
 */
export function isNotificationKeyShaped(token: string): boolean {
  return NOTIFICATION_KEY_SHAPE.test(token);
}

const NOTIFICATION_KEY_SHAPE = new RegExp(
  `^${NOTIFICATION_KEY_PREFIX}[A-Za-z0-9_-]{${NOTIFICATION_KEY_LENGTH - NOTIFICATION_KEY_PREFIX.length}}$`,
);

/** A device-group management request, validated and with duplicate ids removed. */
export type GroupOperation =
  | {operation: 'create'; name: string; ids: string[]}
  | {operation: 'add' | 'remove'; name: string; key: string; ids: string[]};

/**
 * Validates a parsed `/fcm/notification` POST body.
 *
 * `notification_key_name` is required for add and remove too: FCM's documented requests always
 * send it, and checking it against the key is how FCM catches a client mixing up two groups.
 * Fields outside the protocol are ignored, as FCM does.
 */
export function parseGroupOperation(body: unknown): Parsed<GroupOperation> {
  if (!isRecord(body)) return fail(FcmErrors.notAnObject);
  const {operation} = body;
  if (operation !== 'create' && operation !== 'add' && operation !== 'remove') {
    return fail(FcmErrors.invalidOperation);
  }
  const name = body.notification_key_name;
  if (!isNonEmptyString(name)) return fail(FcmErrors.invalidName);
  const key = body.notification_key;
  if (operation !== 'create' && !isNonEmptyString(key))
    return fail(FcmErrors.invalidKey);
  const ids = parseRegistrationIds(body.registration_ids);
  if (!ids.ok) return ids;
  if (operation === 'create')
    return {ok: true, value: {operation, name, ids: ids.value}};
  return {
    ok: true,
    value: {operation, name, key: key as string, ids: ids.value},
  };
}

function parseRegistrationIds(value: unknown): Parsed<string[]> {
  // FCM treats a missing list like an empty one: there is nothing valid to act on.
  if (value === undefined || (Array.isArray(value) && value.length === 0)) {
    return fail(FcmErrors.noValidIds);
  }
  if (!Array.isArray(value) || !value.every(isNonEmptyString))
    return fail(FcmErrors.invalidIds);
  return {ok: true, value: [...new Set(value)]};
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * Answers a `/fcm/notification` call the way FCM's legacy device-group API does: checks the
 * headers, then retrieves (GET) or applies a create/add/remove (POST) against the store.
 *
 * @param body - the raw POST body; undefined when it was too large to read.
 */
export function answerFcmCall(
  req: IncomingMessage,
  url: URL,
  body: string | undefined,
  store: GroupStore,
): Reply {
  const rejected = checkHeaders(req);
  if (rejected) return rejected;
  const project = projectOf(req) as string;
  if (req.method === 'GET') return retrieve(url, project, store);
  if (body === undefined) return jsonError(413, FcmErrors.bodyTooLarge);
  const parsed = parseJson(body);
  if (!parsed.ok) return jsonError(400, FcmErrors.malformedJson);
  const op = parseGroupOperation(parsed.value);
  if (!op.ok) return jsonError(400, op.error);
  const outcome = store.apply(project, op.value);
  return outcome.ok
    ? json(200, {notification_key: outcome.key})
    : jsonError(400, outcome.error);
}

/** The `project_id` header (FCM's sender id), which namespaces the groups; undefined if absent. */
export function projectOf(req: IncomingMessage): string | undefined {
  const value = req.headers['project_id'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function retrieve(url: URL, project: string, store: GroupStore): Reply {
  const name = url.searchParams.get('notification_key_name');
  if (!name) return jsonError(400, FcmErrors.missingNameQuery);
  const key = store.keyFor(project, name);
  return key
    ? json(200, {notification_key: key})
    : jsonError(400, FcmErrors.notFound);
}

/** True when the request carries `Authorization: Bearer <something>`; the token is not verified. */
export function hasBearerToken(req: IncomingMessage): boolean {
  return /^Bearer +\S/.test(req.headers.authorization ?? '');
}

// Credentials first, so an unauthenticated caller learns nothing about what else is wrong.
function checkHeaders(req: IncomingMessage): Reply | undefined {
  // The token itself is not verified: the emulator stands in for FCM, not for Google's OAuth.
  if (!hasBearerToken(req)) return jsonError(401, FcmErrors.unauthorized);
  if (req.headers['access_token_auth'] !== 'true')
    return jsonError(401, FcmErrors.accessTokenAuth);
  if (projectOf(req) === undefined)
    return jsonError(400, FcmErrors.projectIdRequired);
  // GET carries no body, so FCM does not insist on a Content-Type for it.
  if (req.method === 'POST' && !isJsonContentType(req)) {
    return jsonError(400, FcmErrors.contentType);
  }
  return undefined;
}

/** True for `Content-Type: application/json`, with or without parameters. */
export function isJsonContentType(req: IncomingMessage): boolean {
  return /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}

/**
 * An error in Google's API shape (a `google.rpc.Status`). Google front ends answer server-side
 * failures of the legacy API in it too, and FCM HTTP v1 answers every error in it.
 */
export function googleError(
  code: number,
  message: string,
  status: string,
  details?: unknown[],
  headers?: Record<string, string>,
): Reply {
  const error = details
    ? {code, message, status, details}
    : {code, message, status};
  return json(code, {error}, headers);
}

/** The `@type` of the detail that carries FCM's own error code; clients look for exactly this. */
export const FCM_ERROR_TYPE =
  'type.googleapis.com/google.firebase.fcm.v1.FcmError';

/** The `@type` of the detail that names the invalid field of a request. */
export const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';

/** The FCM v1 error codes the emulator answers with (FCM's `ErrorCode` enum, minus APNs/web push). */
export const FCM_ERROR_CODES = [
  'UNREGISTERED',
  'INVALID_ARGUMENT',
  'SENDER_ID_MISMATCH',
  'QUOTA_EXCEEDED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

/** One of {@link FCM_ERROR_CODES}. */
export type FcmErrorCode = (typeof FCM_ERROR_CODES)[number];

/**
 * HTTP status, canonical status and message of each FCM error. The statuses are FCM's documented
 * ones; the messages are FCM's own where known (INVALID_ARGUMENT's is the one FCM gives for a bad
 * registration token, which is how a client tells a bad token from a bad payload).
 */
export const FCM_ERROR_REPLIES: Record<
  FcmErrorCode,
  {code: number; status: string; message: string}
> = {
  UNREGISTERED: {
    code: 404,
    status: 'NOT_FOUND',
    message: 'Requested entity was not found.',
  },
  INVALID_ARGUMENT: {
    code: 400,
    status: 'INVALID_ARGUMENT',
    message: 'The registration token is not a valid FCM registration token',
  },
  SENDER_ID_MISMATCH: {
    code: 403,
    status: 'PERMISSION_DENIED',
    message: 'SenderId mismatch',
  },
  QUOTA_EXCEEDED: {
    code: 429,
    status: 'RESOURCE_EXHAUSTED',
    message: 'Quota exceeded for sending messages to this device.',
  },
  UNAVAILABLE: {
    code: 503,
    status: 'UNAVAILABLE',
    message: 'The service is currently unavailable.',
  },
  INTERNAL: {
    code: 500,
    status: 'INTERNAL',
    message: 'Internal error encountered.',
  },
};

/** An FCM v1 error carrying an `FcmError` detail with `errorCode`. */
export function fcmError(
  errorCode: FcmErrorCode,
  headers?: Record<string, string>,
): Reply {
  const {code, status, message} = FCM_ERROR_REPLIES[errorCode];
  return googleError(
    code,
    message,
    status,
    [{'@type': FCM_ERROR_TYPE, errorCode}],
    headers,
  );
}

/**
 * A 400 INVALID_ARGUMENT naming the invalid field, as Google's front end answers a request that
 * does not fit the API's schema. `withFcmError` adds the FcmError detail FCM itself adds when it
 * (not the front end) rejects the message, e.g. for a message without a target.
 */
export function invalidArgument(
  field: string | undefined,
  description: string,
  withFcmError = false,
): Reply {
  // A problem with the request as a whole (not JSON, unknown top-level name) names no field.
  const violation = field === undefined ? {description} : {field, description};
  const details: unknown[] = [
    {'@type': BAD_REQUEST_TYPE, fieldViolations: [violation]},
  ];
  if (withFcmError)
    details.push({'@type': FCM_ERROR_TYPE, errorCode: 'INVALID_ARGUMENT'});
  return googleError(400, description, 'INVALID_ARGUMENT', details);
}
