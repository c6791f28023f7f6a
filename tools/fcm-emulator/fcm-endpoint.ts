import type {IncomingMessage} from 'node:http';
import type {CallLog, CallRecord} from './call-log';
import {faultReply} from './fault-reply';
import type {FaultQueue} from './faults';
import {answerFcmCall, projectOf} from './fcm-protocol';
import type {GroupStore} from './group-store';
import {jsonError, parseJson, readBody, type Reply} from './http-json';
import {isRecord} from './operation';

/** The emulator state a `/fcm/notification` call reads and changes. */
export interface FcmDeps {
  store: GroupStore;
  faults: FaultQueue;
  calls: CallLog;
  log: (line: string) => void;
}

/**
 * Handles `/fcm/notification`: consumes a matching injected fault if there is one, otherwise
 * (or first, for `afterApply` faults) answers as FCM would, and records the call.
 */
export async function handleFcmNotification(
  req: IncomingMessage,
  url: URL,
  deps: FcmDeps,
): Promise<Reply> {
  const method = req.method;
  if (method !== 'GET' && method !== 'POST') {
    return jsonError(405, 'method not allowed', {Allow: 'GET, POST'});
  }
  const body = method === 'POST' ? await readBody(req) : '';
  const project = projectOf(req);
  const fault = deps.faults.take(project);
  let reply: Reply;
  if (fault === undefined) {
    reply = answerFcmCall(req, url, body, deps.store);
  } else {
    // An afterApply fault changes state and then fails: the caller sees an unknown outcome.
    if (fault.afterApply) answerFcmCall(req, url, body, deps.store);
    reply = faultReply(fault);
  }
  const call: CallRecord = {
    ...describeCall(method, url, body),
    status: reply.kind === 'json' ? reply.status : null,
    fault: fault?.mode ?? null,
  };
  if (project !== undefined) deps.calls.record(project, call);
  deps.log(
    JSON.stringify({
      severity: severityOf(call.status),
      message: 'fcm call',
      project,
      ...call,
    }),
  );
  return reply;
}

// Best effort: the log should say what was asked even when the request itself was invalid.
function describeCall(
  method: 'GET' | 'POST',
  url: URL,
  body: string | undefined,
): Pick<
  CallRecord,
  'method' | 'operation' | 'notification_key_name' | 'registration_ids_count'
> {
  if (method === 'GET') {
    const name = url.searchParams.get('notification_key_name');
    return {
      method,
      operation: 'get',
      notification_key_name: name,
      registration_ids_count: 0,
    };
  }
  const parsed = body === undefined ? undefined : parseJson(body);
  const value = parsed?.ok && isRecord(parsed.value) ? parsed.value : {};
  const {operation, notification_key_name: name, registration_ids: ids} = value;
  return {
    method,
    operation: typeof operation === 'string' ? operation : null,
    notification_key_name: typeof name === 'string' ? name : null,
    registration_ids_count: Array.isArray(ids) ? ids.length : 0,
  };
}

function severityOf(status: number | null): string {
  if (status === null || status >= 500) return 'ERROR';
  return status >= 400 ? 'WARNING' : 'INFO';
}
