import type {IncomingMessage} from 'node:http';
import {FcmErrors} from './errors';
import type {GroupStore} from './group-store';
import {json, jsonError, parseJson, type Reply} from './http-json';
import {parseGroupOperation} from './operation';

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

// Credentials first, so an unauthenticated caller learns nothing about what else is wrong.
function checkHeaders(req: IncomingMessage): Reply | undefined {
  // The token itself is not verified: the emulator stands in for FCM, not for Google's OAuth.
  if (!/^Bearer +\S/.test(req.headers.authorization ?? '')) {
    return jsonError(401, FcmErrors.unauthorized);
  }
  if (req.headers['access_token_auth'] !== 'true')
    return jsonError(401, FcmErrors.accessTokenAuth);
  if (projectOf(req) === undefined)
    return jsonError(400, FcmErrors.projectIdRequired);
  // GET carries no body, so FCM does not insist on a Content-Type for it.
  if (
    req.method === 'POST' &&
    !/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')
  ) {
    return jsonError(400, FcmErrors.contentType);
  }
  return undefined;
}
