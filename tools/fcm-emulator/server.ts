/**
 * The emulator's HTTP server: routing, the `/fcm/notification` endpoint (faults, call log),
 * FCM HTTP v1 send, the `/emulator/` control API, and start/close.
 */
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type {Socket} from 'node:net';
import {
  CallLog,
  FaultQueue,
  faultReply,
  parseFaultSpec,
  parseSendFaultSpec,
  SendFaultQueue,
  type CallRecord,
} from './faults';
import {GroupStore} from './groups';
import {answerSend, DeliveryLog, type Delivery} from './messages';
import {parseSendFaultRate, SendFaultRates} from './send-fault-rate';
import {toState, type FcmEmulatorState} from './state';
import {
  answerFcmCall,
  hasBearerToken,
  isRecord,
  json,
  jsonError,
  parseJson,
  projectOf,
  type Reply,
} from './protocol';

/** A running emulator. */
export interface FcmEmulator {
  /** `host:port`, e.g. `127.0.0.1:9099`. */
  host: string;
  /** Base URL, e.g. `http://127.0.0.1:9099`; FCM's endpoint is `${url}/fcm/notification`. */
  url: string;
  /** Stops listening and drops every open connection, including ones held by a timeout fault. */
  close(): Promise<void>;
  /** The groups, issued keys and deliveries, to save and pass back as `state` on a later start. */
  state(): FcmEmulatorState;
}

/** Options of {@link startFcmEmulator}. */
export interface FcmEmulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; `127.0.0.1` by default. */
  host?: string;
  /** Receives one JSON line per FCM call and per internal error; silent by default. */
  log?: (line: string) => void;
  /** Start with this saved state (see `state()`) instead of empty. */
  state?: FcmEmulatorState;
  /**
   * Called for each v1 delivery as it is recorded, before the send is answered: an
   * in-process test can act at the moment a message reaches FCM (kill its sender, say).
   */
  onDelivery?: (delivery: Delivery) => void;
}

/**
 * Starts an in-memory emulator of FCM's legacy device-group API (`/fcm/notification`) and of
 * FCM HTTP v1 send (`/v1/projects/{project}/messages:send`), with a control API under `/emulator/` for inspecting state and injecting faults.
 */
export async function startFcmEmulator(
  opts: FcmEmulatorOptions = {},
): Promise<FcmEmulator> {
  const deps = {
    store: new GroupStore(),
    faults: new FaultQueue(),
    calls: new CallLog(),
    deliveries: new DeliveryLog(),
    sendFaults: new SendFaultQueue(),
    sendFaultRates: new SendFaultRates(),
    onDelivery: opts.onDelivery,
    log: opts.log ?? (() => undefined),
  };
  if (opts.state) {
    deps.store.restore({
      groups: opts.state.groups,
      issuedKeys: opts.state.issued_keys,
    });
    deps.deliveries.restore(opts.state.deliveries);
  }
  const route = (req: IncomingMessage, url: URL): Promise<Reply> | Reply => {
    if (url.pathname === '/fcm/notification')
      return handleFcmNotification(req, url, deps);
    const send = SEND_ROUTE.exec(url.pathname);
    if (send) return handleSend(req, send[1] as string, deps);
    if (url.pathname.startsWith('/emulator/'))
      return handleControl(req, url, deps);
    return jsonError(404, 'not found');
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    Promise.resolve()
      .then(() => route(req, url))
      .catch((err: unknown) => {
        const stack = err instanceof Error ? err.stack : String(err);
        deps.log(
          JSON.stringify({
            severity: 'ERROR',
            message: 'emulator failure',
            stack,
          }),
        );
        return jsonError(500, 'internal emulator error');
      })
      .then(reply => send(req, res, reply))
      // Nothing sensible can be written once sending itself failed; drop the connection.
      .catch(() => req.socket.destroy());
  });
  // server.close() waits for open connections, and a timeout fault holds one open forever.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('emulator has no TCP address');
  const hostname =
    address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const host = `${hostname}:${address.port}`;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>(resolve => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };
  return {
    host,
    url: `http://${host}`,
    close,
    state: () => toState(deps.store.snapshot(), deps.deliveries.snapshot()),
  };
}

/** The emulator state the endpoints read and change. */
interface EmulatorState {
  store: GroupStore;
  faults: FaultQueue;
  calls: CallLog;
  deliveries: DeliveryLog;
  sendFaults: SendFaultQueue;
  sendFaultRates: SendFaultRates;
  onDelivery?: (delivery: Delivery) => void;
  log: (line: string) => void;
}

const SEND_ROUTE = /^\/v1\/projects\/([^/]+)\/messages:send$/;

/**
 * Handles FCM HTTP v1 `messages:send` for the URL's project, which is also the namespace of the
 * device groups a notification key is looked up in (the legacy API's `project_id`).
 */
async function handleSend(
  req: IncomingMessage,
  segment: string,
  deps: EmulatorState,
): Promise<Reply> {
  if (req.method !== 'POST') return methodNotAllowed('POST');
  const project = decodeSegment(segment);
  if (project === undefined)
    return jsonError(400, 'project is not a valid path segment');
  const body = await readBody(req);
  const outcome = answerSend(
    {project, authorized: hasBearerToken(req), body},
    deps,
  );
  const status = outcome.reply.kind === 'json' ? outcome.reply.status : null;
  // The target kind only: tokens are credentials of a device and stay out of logs.
  deps.log(
    JSON.stringify({
      severity: severityOf(status),
      message: 'fcm send',
      project,
      target: outcome.target,
      status,
      fault: outcome.fault,
      delivered: outcome.delivered,
    }),
  );
  return outcome.reply;
}

/**
 * Handles `/fcm/notification`: consumes a matching injected fault if there is one, otherwise
 * (or first, for `afterApply` faults) answers as FCM would, and records the call.
 */
async function handleFcmNotification(
  req: IncomingMessage,
  url: URL,
  deps: EmulatorState,
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

const PROJECT_ROUTE =
  /^\/emulator\/projects\/([^/]+)\/(groups|calls|deliveries|send-faults|send-fault-rate)$/;

/**
 * Handles the `/emulator/...` control API used by tests and the local stack:
 * - `GET|DELETE /emulator/projects/{project}/groups`: list, or reset groups and calls
 * - `GET|DELETE /emulator/projects/{project}/calls`: list, or reset calls only
 * - `GET|DELETE /emulator/projects/{project}/deliveries`: list, or reset v1 deliveries only
 * - `GET|POST|DELETE /emulator/projects/{project}/send-faults`: list, inject, or clear v1 send faults
 * - `GET|POST|DELETE /emulator/projects/{project}/send-fault-rate`: the fault failing one send in N, for a while
 * - `DELETE /emulator/groups`: reset the groups, calls and deliveries of every project
 * - `GET|POST|DELETE /emulator/faults`: list, inject, or clear faults
 */
async function handleControl(
  req: IncomingMessage,
  url: URL,
  deps: EmulatorState,
): Promise<Reply> {
  const method = req.method ?? '';
  const path = url.pathname;
  if (path === '/emulator/groups') {
    if (method !== 'DELETE') return methodNotAllowed('DELETE');
    deps.store.reset();
    deps.calls.reset();
    deps.deliveries.reset();
    return json(200, {});
  }
  if (path === '/emulator/faults')
    return faults(req, method, deps.faults, url.searchParams.get('project'));
  const match = PROJECT_ROUTE.exec(path);
  if (!match) return jsonError(404, 'not found');
  const project = decodeSegment(match[1] as string);
  if (project === undefined)
    return jsonError(400, 'project is not a valid path segment');
  if (match[2] === 'send-faults')
    return sendFaults(req, method, project, deps.sendFaults);
  if (match[2] === 'send-fault-rate')
    return sendFaultRate(req, method, project, deps.sendFaultRates);
  if (method !== 'GET' && method !== 'DELETE')
    return methodNotAllowed('GET, DELETE');
  if (match[2] === 'groups') {
    if (method === 'GET') return json(200, {groups: deps.store.list(project)});
    // The call and delivery logs belong to the project's history, so a project reset clears them.
    deps.store.reset(project);
    deps.calls.reset(project);
    deps.deliveries.reset(project);
    return json(200, {});
  }
  if (match[2] === 'deliveries') {
    if (method === 'DELETE') {
      deps.deliveries.reset(project);
      return json(200, {});
    }
    const deliveries = deps.deliveries.list(project);
    return json(200, {count: deliveries.length, deliveries});
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

async function sendFaults(
  req: IncomingMessage,
  method: string,
  project: string,
  queue: SendFaultQueue,
): Promise<Reply> {
  if (method === 'GET') return json(200, {faults: queue.list(project)});
  if (method === 'DELETE') {
    queue.clear(project);
    return json(200, {});
  }
  if (method !== 'POST') return methodNotAllowed('GET, POST, DELETE');
  const body = await readBody(req);
  const parsed = body === undefined ? undefined : parseJson(body);
  if (!parsed?.ok) return jsonError(400, 'send fault must be valid JSON');
  const spec = parseSendFaultSpec(parsed.value);
  if (!spec.ok) return jsonError(400, spec.error);
  return json(200, {fault: queue.add(project, spec.value)});
}

async function sendFaultRate(
  req: IncomingMessage,
  method: string,
  project: string,
  rates: SendFaultRates,
): Promise<Reply> {
  if (method === 'GET') return json(200, {rate: rates.get(project)});
  if (method === 'DELETE') {
    rates.clear(project);
    return json(200, {});
  }
  if (method !== 'POST') return methodNotAllowed('GET, POST, DELETE');
  const body = await readBody(req);
  const parsed = body === undefined ? undefined : parseJson(body);
  if (!parsed?.ok) return jsonError(400, 'send fault rate must be valid JSON');
  const spec = parseSendFaultRate(parsed.value);
  if (!spec.ok) return jsonError(400, spec.error);
  return json(200, {rate: rates.set(project, spec.value)});
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

/** Largest request body accepted; device-group bodies are a few kilobytes at most. */
export const MAX_BODY_BYTES = 1024 * 1024;

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
