import type {IncomingMessage} from 'node:http';
import type {CallLog} from './call-log';
import {parseFaultSpec, type FaultQueue} from './faults';
import type {GroupStore} from './group-store';
import {json, jsonError, parseJson, readBody, type Reply} from './http-json';

/** The emulator state the control API inspects and resets. */
export interface ControlDeps {
  store: GroupStore;
  faults: FaultQueue;
  calls: CallLog;
}

const PROJECT_ROUTE = /^\/emulator\/projects\/([^/]+)\/(groups|calls)$/;

/**
 * Handles the `/emulator/...` control API used by tests and the local stack:
 * - `GET|DELETE /emulator/projects/{project}/groups`: list, or reset groups and calls
 * - `GET|DELETE /emulator/projects/{project}/calls`: list, or reset calls only
 * - `DELETE /emulator/groups`: reset the groups and calls of every project
 * - `GET|POST|DELETE /emulator/faults`: list, inject, or clear faults
 */
export async function handleControl(
  req: IncomingMessage,
  url: URL,
  deps: ControlDeps,
): Promise<Reply> {
  const method = req.method ?? '';
  const path = url.pathname;
  if (path === '/emulator/groups') {
    if (method !== 'DELETE') return methodNotAllowed('DELETE');
    deps.store.reset();
    deps.calls.reset();
    return json(200, {});
  }
  if (path === '/emulator/faults')
    return faults(req, method, deps.faults, url.searchParams.get('project'));
  const match = PROJECT_ROUTE.exec(path);
  if (!match) return jsonError(404, 'not found');
  const project = decodeSegment(match[1] as string);
  if (project === undefined)
    return jsonError(400, 'project is not a valid path segment');
  if (method !== 'GET' && method !== 'DELETE')
    return methodNotAllowed('GET, DELETE');
  if (match[2] === 'groups') {
    if (method === 'GET') return json(200, {groups: deps.store.list(project)});
    // The call log belongs to the groups' history, so a project reset clears both.
    deps.store.reset(project);
    deps.calls.reset(project);
    return json(200, {});
  }
  if (method === 'GET') {
    const calls = deps.calls.list(project);
    return json(200, {count: calls.length, calls});
  }
  deps.calls.reset(project);
  return json(200, {});
}

async function faults(
  req: IncomingMessage,
  method: string,
  queue: FaultQueue,
  project: string | null,
): Promise<Reply> {
  if (method === 'GET') return json(200, {faults: queue.list()});
  if (method === 'DELETE') {
    // `?project=P` clears only P's faults, so parallel test files do not clear each other's.
    queue.clear(project ?? undefined);
    return json(200, {});
  }
  if (method !== 'POST') return methodNotAllowed('GET, POST, DELETE');
  const body = await readBody(req);
  const parsed = body === undefined ? undefined : parseJson(body);
  if (!parsed?.ok) return jsonError(400, 'fault must be valid JSON');
  const spec = parseFaultSpec(parsed.value);
  if (!spec.ok) return jsonError(400, spec.error);
  return json(200, {fault: queue.add(spec.value)});
}

function methodNotAllowed(allow: string): Reply {
  return jsonError(405, 'method not allowed', {Allow: allow});
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
