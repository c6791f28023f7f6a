/**
 * FCM HTTP v1 send (`POST /v1/projects/{project}/messages:send`): the request checks FCM makes,
 * delivery to a registration token or to every member of a device group, and the delivery log.
 */
import {randomBytes} from 'node:crypto';
import type {SendFaultQueue} from './faults';
import {sendFaultReply} from './faults';
import type {GroupStore} from './groups';
import type {SendFaultRates} from './send-fault-rate';
import {
  fcmError,
  googleError,
  invalidArgument,
  isNotificationKeyShaped,
  isRecord,
  json,
  parseJson,
  type Reply,
} from './protocol';

/** One message handed to one registration token, as the control API reports it. */
export interface Delivery {
  /** The `{project}` of the send URL. */
  project: string;
  /** The registration token the message went to. */
  token: string;
  /** The notification key the send was addressed to, for a member of a group; null otherwise. */
  notification_key: string | null;
  /** The message as sent, without its target (`token`). */
  message: Record<string, unknown>;
  /** The `name` the send answered, `projects/{project}/messages/{id}`; shared by a group's members. */
  name: string;
  /** When it was delivered, ISO 8601. */
  time: string;
}

/** Deliveries per project, oldest first. */
export class DeliveryLog {
  private readonly deliveries = new Map<string, Delivery[]>();

  record(delivery: Delivery): void {
    const list = this.deliveries.get(delivery.project) ?? [];
    list.push(delivery);
    this.deliveries.set(delivery.project, list);
  }

  list(project: string): Delivery[] {
    return (this.deliveries.get(project) ?? []).map(d => ({...d}));
  }

  /** Forgets the deliveries of one project, or of every project when none is given. */
  reset(project?: string): void {
    if (project === undefined) this.deliveries.clear();
    else this.deliveries.delete(project);
  }

  /** Every project's deliveries, oldest first, as `--persist` saves them. */
  snapshot(): Record<string, Delivery[]> {
    return Object.fromEntries(
      [...this.deliveries.keys()].sort().map(p => [p, this.list(p)]),
    );
  }

  /** Replaces every delivery with saved ones. */
  restore(saved: Record<string, Delivery[]>): void {
    this.deliveries.clear();
    for (const [project, list] of Object.entries(saved))
      this.deliveries.set(
        project,
        list.map(d => ({...d})),
      );
  }
}

/** Where a message goes: FCM's `target` oneof. */
export type Target =
  | {kind: 'token'; token: string}
  | {kind: 'topic'; topic: string}
  | {kind: 'condition'; condition: string};

/** A send request that passed FCM's checks. */
export interface SendRequest {
  target: Target;
  /** The message without its target field. */
  message: Record<string, unknown>;
  validateOnly: boolean;
}

const TARGETS = ['token', 'topic', 'condition'] as const;

/** The fields of FCM's `Message`, in both spellings proto3 JSON accepts. */
const MESSAGE_FIELDS = new Set<string>([
  'name',
  'data',
  'notification',
  'android',
  'webpush',
  'apns',
  'fcm_options',
  'fcmOptions',
  ...TARGETS,
]);

const BODY_FIELDS = new Set(['message', 'validate_only', 'validateOnly']);

/**
 * Checks a parsed send body as FCM does: known fields only (a typo is an error, not ignored),
 * `validate_only` a boolean, `data` a map of strings, and exactly one non-empty target.
 * The error texts follow Google's front end and FCM.
 */
export function parseSendRequest(
  body: unknown,
): {ok: true; value: SendRequest} | {ok: false; reply: Reply} {
  const reject = (reply: Reply) => ({ok: false as const, reply});
  if (!isRecord(body))
    return reject(
      invalidArgument(
        undefined,
        'Invalid JSON payload received. Root element must be a message.',
      ),
    );
  for (const name of Object.keys(body)) {
    if (!BODY_FIELDS.has(name))
      return reject(
        invalidArgument(
          undefined,
          `Invalid JSON payload received. Unknown name "${name}": Cannot find field.`,
        ),
      );
  }
  const validateOnly = body.validate_only ?? body.validateOnly ?? false;
  if (typeof validateOnly !== 'boolean')
    return reject(invalidValue('validate_only', 'TYPE_BOOL', validateOnly));
  const message = body.message ?? {};
  if (!isRecord(message))
    return reject(
      invalidValue(
        'message',
        'type.googleapis.com/google.firebase.fcm.v1.Message',
        message,
      ),
    );
  for (const name of Object.keys(message)) {
    if (!MESSAGE_FIELDS.has(name))
      return reject(
        invalidArgument(
          'message',
          `Invalid JSON payload received. Unknown name "${name}" at 'message': Cannot find field.`,
        ),
      );
  }
  const dataProblem = checkData(message.data);
  if (dataProblem) return reject(dataProblem);
  const target = parseTarget(message);
  if (!target.ok) return target;
  const rest = {...message};
  for (const name of TARGETS) delete rest[name];
  return {ok: true, value: {target: target.value, message: rest, validateOnly}};
}

function parseTarget(
  message: Record<string, unknown>,
): {ok: true; value: Target} | {ok: false; reply: Reply} {
  const present = TARGETS.filter(name => message[name] !== undefined);
  for (const name of present) {
    if (typeof message[name] !== 'string')
      return {
        ok: false,
        reply: invalidValue(`message.${name}`, 'TYPE_STRING', message[name]),
      };
  }
  if (present.length > 1)
    return {
      ok: false,
      reply: invalidArgument(
        'message',
        `Invalid value at 'message' (oneof), oneof field 'target' is already set. Cannot set '${present[1]}'`,
      ),
    };
  const kind = present[0];
  const value = kind === undefined ? '' : (message[kind] as string);
  // proto3: an empty string is the same as no value, so the message has no recipient.
  if (kind === undefined || value === '')
    return {
      ok: false,
      reply: invalidArgument(
        'message',
        'Recipient of the message is not set.',
        true,
      ),
    };
  if (kind === 'token') return {ok: true, value: {kind, token: value}};
  if (kind === 'topic') return {ok: true, value: {kind, topic: value}};
  return {ok: true, value: {kind, condition: value}};
}

function checkData(data: unknown): Reply | undefined {
  if (data === undefined) return undefined;
  if (!isRecord(data))
    return invalidValue(
      'message.data',
      'type.googleapis.com/google.firebase.fcm.v1.Message.DataEntry',
      data,
    );
  const values = Object.values(data);
  const index = values.findIndex(value => typeof value !== 'string');
  return index === -1
    ? undefined
    : invalidValue(
        `message.data[${index}].value`,
        'TYPE_STRING',
        values[index],
      );
}

// Google's front end wording for a value of the wrong type, e.g. the documented
// "Invalid value at 'message.data[0].value' (TYPE_STRING), 12".
function invalidValue(field: string, type: string, value: unknown): Reply {
  return invalidArgument(
    field,
    `Invalid value at '${field}' (${type}), ${JSON.stringify(value)}`,
  );
}

/** The emulator state a send reads and changes. */
export interface SendState {
  store: GroupStore;
  deliveries: DeliveryLog;
  sendFaults: SendFaultQueue;
  sendFaultRates: SendFaultRates;
  /** Told of each delivery as it is recorded, before the send is answered. */
  onDelivery?: (delivery: Delivery) => void;
}

/** A send as received: the URL's project, whether a bearer token came, and the raw body. */
export interface SendCall {
  project: string;
  authorized: boolean;
  /** Undefined when the body was too large to read. */
  body: string | undefined;
}

/** How a send ended, for the log line (which never holds the token). */
export interface SendOutcome {
  reply: Reply;
  target: Target['kind'] | null;
  delivered: number;
  fault: string | null;
}

/**
 * Answers a v1 send as FCM would: checks credentials and the message, answers an injected fault
 * for the target token if there is one, and otherwise delivers (unless `validate_only`).
 * A token that is a notification key of the project's groups delivers to every member; a
 * key-shaped token that names no group of the project answers UNREGISTERED.
 */
export function answerSend(call: SendCall, state: SendState): SendOutcome {
  const failed = (reply: Reply): SendOutcome => ({
    reply,
    target: null,
    delivered: 0,
    fault: null,
  });
  if (!call.authorized)
    return failed(
      googleError(
        401,
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        'UNAUTHENTICATED',
      ),
    );
  if (call.body === undefined)
    return failed(
      invalidArgument(undefined, 'Request payload size exceeds the limit.'),
    );
  const parsed = parseJson(call.body);
  if (!parsed.ok)
    return failed(
      invalidArgument(
        undefined,
        'Invalid JSON payload received. Unexpected token.',
      ),
    );
  const request = parseSendRequest(parsed.value);
  if (!request.ok) return failed(request.reply);
  const {target, message, validateOnly} = request.value;
  const outcome = {target: target.kind, delivered: 0, fault: null};
  const members =
    target.kind === 'token'
      ? state.store.membersOf(call.project, target.token)
      : undefined;
  if (target.kind === 'token') {
    // Faults come before validate_only: FCM reports a dead token on a dry run too.
    const fault =
      state.sendFaults.take(call.project, target.token) ??
      state.sendFaultRates.take(call.project);
    if (fault)
      return {...outcome, reply: sendFaultReply(fault), fault: fault.error};
    // A key of a group that is gone (emptied, or lost with a restart) reaches no one: FCM
    // answers it as an unregistered target, and delivering it as a token would count a
    // send that no device got.
    if (!members && isNotificationKeyShaped(target.token))
      return {...outcome, reply: fcmError('UNREGISTERED')};
  }
  const base = `projects/${call.project}/messages/`;
  // FCM answers dry runs with this fixed id.
  if (validateOnly)
    return {...outcome, reply: json(200, {name: `${base}fake_message_id`})};
  const name = base + newMessageId();
  // Topics and conditions have no subscribers in the emulator: accepted, delivered to no one.
  if (target.kind !== 'token') return {...outcome, reply: json(200, {name})};
  const time = new Date().toISOString();
  for (const token of members ?? [target.token]) {
    const delivery: Delivery = {
      project: call.project,
      token,
      notification_key: members ? target.token : null,
      message: structuredClone(message),
      name,
      time,
    };
    state.deliveries.record(delivery);
    state.onDelivery?.(delivery);
  }
  return {
    ...outcome,
    reply: json(200, {name}),
    delivered: members?.length ?? 1,
  };
}

// Shaped like FCM's ids, e.g. `0:1500415314455276%31bd1c9631bd1c96`.
function newMessageId(): string {
  return `0:${Date.now()}%${randomBytes(8).toString('hex')}`;
}
