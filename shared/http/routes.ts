/**
 * The route table, the one definition of the public paths: which function serves which
 * method and path. The functions match their own path with it, the local stack routes
 * with it and the API documentation is generated from it. Each path is accepted with or
 * without the Laravel `/api` prefix, because a function URL already names the function.
 */
export type FunctionName =
  'addDevice' | 'removeDevice' | 'cron' | 'notifyUser' | 'notifyUsers';

export interface Route {
  functionName: FunctionName;
  method: 'GET' | 'POST' | 'DELETE';
  /** The Laravel path, with `{user}` style parameters. */
  path: string;
  summary: string;
  /** The OpenAPI operationId, when a function serves more than one operation; else the function's name. */
  operationId?: string;
}

export const ROUTES: readonly Route[] = [
  {
    functionName: 'cron',
    method: 'GET',
    path: '/api/cron',
    summary: 'Run the scheduled tasks',
  },
  {
    functionName: 'addDevice',
    method: 'POST',
    path: '/api/users/{user}/fcm_registration_tokens',
    summary: 'Add a device',
  },
  {
    functionName: 'removeDevice',
    method: 'DELETE',
    path: '/api/users/{user}/fcm_registration_tokens',
    summary: 'Remove a device',
  },
  {
    functionName: 'notifyUser',
    method: 'POST',
    path: '/api/users/{user}/notifications',
    summary: "Send a notification to a user's devices",
  },
  {
    functionName: 'notifyUsers',
    method: 'POST',
    path: '/api/notifications',
    summary: 'Send a notification to many users, in the background',
  },
  {
    functionName: 'notifyUsers',
    method: 'GET',
    path: '/api/notifications/{batch}',
    summary: 'Follow the delivery of a batch',
    operationId: 'getNotificationBatch',
  },
];

/** A route's OpenAPI operationId. */
export function operationIdOf(route: Route): string {
  return route.operationId ?? route.functionName;
}

/** A route's path as a regular expression; each `{param}` is a capture group. */
function pattern(path: string): RegExp {
  const body = path.replace(/^\/api/, '').replace(/\{[^}]+\}/g, '([^/]+)');
  return new RegExp(`^(?:/api)?${body}$`);
}

const COMPILED = ROUTES.map(route => ({route, regex: pattern(route.path)}));

function regexOf(name: FunctionName): RegExp {
  return COMPILED.find(({route}) => route.functionName === name)!.regex;
}

const DEVICE_PATH = regexOf('addDevice');
const CRON_PATH = regexOf('cron');
const NOTIFY_PATH = regexOf('notifyUser');
const BATCHES_PATH = pattern('/api/notifications');
const BATCH_PATH = pattern('/api/notifications/{batch}');

/** The routes whose path matches `path` (any method). */
export function routesFor(path: string): Route[] {
  return COMPILED.filter(({regex}) => regex.test(path)).map(({route}) => route);
}

/** The `{user}` segment of a device path, percent-decoded, or null when the path is not ours. */
export function matchDevicePath(path: string): {userId: string} | null {
  return userOf(DEVICE_PATH, path);
}

/** The `{user}` segment of a notifications path, percent-decoded, or null when the path is not ours. */
export function matchNotifyPath(path: string): {userId: string} | null {
  return userOf(NOTIFY_PATH, path);
}

/** A batch path: the collection (`/notifications`), or one batch with its percent-decoded id. */
export function matchBatchPath(
  path: string,
): {kind: 'collection'} | {kind: 'batch'; batchId: string} | null {
  if (BATCHES_PATH.test(path)) return {kind: 'collection'};
  const match = BATCH_PATH.exec(path);
  if (!match) return null;
  try {
    return {kind: 'batch', batchId: decodeURIComponent(match[1]!)};
  } catch {
    return null; // malformed percent-encoding
  }
}

function userOf(regex: RegExp, path: string): {userId: string} | null {
  const match = regex.exec(path);
  if (!match) return null;
  try {
    return {userId: decodeURIComponent(match[1]!)};
  } catch {
    return null; // malformed percent-encoding
  }
}

/** True for `/cron`, `/api/cron` and `/` (the bare function URL). */
export function isCronPath(path: string): boolean {
  return path === '/' || CRON_PATH.test(path);
}
