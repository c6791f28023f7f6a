/**
 * Fault injection on `/fcm/notification` (the queue, its validation and the replies a fault gives),
 * the call log that lets tests see what reached "FCM", and the per-token faults of v1 sends.
 */
import {
  FCM_ERROR_CODES,
  fail,
  fcmError,
  googleError,
  isRecord,
  isWhole,
  json,
  parseRetryAfter,
  type FcmErrorCode,
  type Parsed,
  type Reply,
} from './protocol';

/** The ways an injected fault makes a `/fcm/notification` call fail. */
export const FAULT_MODES = [
  'http500',
  'http503',
  'http400',
  'timeout',
  'close',
] as const;

/** One of {@link FAULT_MODES}. */
export type FaultMode = (typeof FAULT_MODES)[number];

/** A fault to inject, as `POST /emulator/faults` accepts it. */
export interface FaultSpec {
  mode: FaultMode;
  /** How many calls fail; 1 when omitted. */
  count: number;
  /** Only calls whose `project_id` header equals this fail; any project when omitted. */
  project?: string;
  /** The error text of an `http400` fault; `unexpected failure` when omitted. */
  error?: string;
  /** Apply the operation first, then fail: the caller cannot tell whether it took effect. */
  afterApply: boolean;
}

/** A pending fault and how many more calls it will fail. */
export interface PendingFault extends FaultSpec {
  remaining: number;
}

/** Validates a `POST /emulator/faults` body, so a typo fails loudly instead of injecting nothing. */
export function parseFaultSpec(body: unknown): Parsed<FaultSpec> {
  if (!isRecord(body)) return fail('fault must be a JSON object');
  const {mode, count = 1, project, error, afterApply = false} = body;
  if (!FAULT_MODES.includes(mode as FaultMode)) {
    return fail(`mode must be one of ${FAULT_MODES.join(', ')}`);
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    return fail('count must be a positive integer');
  }
  if (
    project !== undefined &&
    (typeof project !== 'string' || project === '')
  ) {
    return fail('project must be a non-empty string');
  }
  if (
    error !== undefined &&
    (mode !== 'http400' || typeof error !== 'string' || error === '')
  ) {
    return fail(
      'error must be a non-empty string and is only allowed with mode http400',
    );
  }
  if (typeof afterApply !== 'boolean')
    return fail('afterApply must be a boolean');
  const spec: FaultSpec = {mode: mode as FaultMode, count, afterApply};
  if (project !== undefined) spec.project = project;
  if (error !== undefined) spec.error = error;
  return {ok: true, value: spec};
}

/** Injected faults, consumed first-in first-out by the calls they match. */
export class FaultQueue {
  private pending: PendingFault[] = [];

  add(spec: FaultSpec): PendingFault {
    const fault = {...spec, remaining: spec.count};
    this.pending.push(fault);
    return {...fault};
  }

  /** Consumes one use of the oldest fault matching the call's project, if any. */
  take(project: string | undefined): FaultSpec | undefined {
    const fault = this.pending.find(
      f => f.project === undefined || f.project === project,
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0)
      this.pending = this.pending.filter(f => f !== fault);
    const spec: FaultSpec & {remaining?: number} = {...fault};
    delete spec.remaining;
    return spec;
  }

  list(): PendingFault[] {
    return this.pending.map(f => ({...f}));
  }

  /** Clears every fault, or only those scoped to `project`. */
  clear(project?: string): void {
    this.pending =
      project === undefined
        ? []
        : this.pending.filter(fault => fault.project !== project);
  }
}

/** The reply an injected fault gives in place of (or on top of) processing the call. */
export function faultReply(fault: FaultSpec): Reply {
  switch (fault.mode) {
    case 'http500':
      return googleError(500, 'Internal error', 'INTERNAL');
    case 'http503':
      return googleError(
        503,
        'The service is currently unavailable.',
        'UNAVAILABLE',
      );
    case 'http400':
      return json(400, {error: fault.error ?? 'unexpected failure'});
    case 'timeout':
      return {kind: 'hang'};
    case 'close':
      return {kind: 'destroy'};
  }
}

/** One call received on `/fcm/notification`, as the control API reports it. */
export interface CallRecord {
  method: 'GET' | 'POST';
  /** `create`, `add`, `remove` or `get`; null when the body had no readable operation. */
  operation: string | null;
  notification_key_name: string | null;
  registration_ids_count: number;
  /** The HTTP status answered; null when the call was never answered (timeout, close). */
  status: number | null;
  /** The injected fault that shaped the answer, if any. */
  fault: FaultMode | null;
}

/**
 * Calls received per project, so tests can assert what reached "FCM" (or that nothing did).
 * Calls without a `project_id` header have no project to be listed under and are not kept.
 */
export class CallLog {
  private readonly calls = new Map<string, CallRecord[]>();

  record(project: string, call: CallRecord): void {
    const calls = this.calls.get(project) ?? [];
    calls.push(call);
    this.calls.set(project, calls);
  }

  list(project: string): CallRecord[] {
    return (this.calls.get(project) ?? []).map(c => ({...c}));
  }

  /** Forgets the calls of one project, or of every project when none is given. */
  reset(project?: string): void {
    if (project === undefined) this.calls.clear();
    else this.calls.delete(project);
  }
}

/** A fault that fails v1 sends to one token, as `POST /emulator/projects/{p}/send-faults` takes it. */
export interface SendFaultSpec {
  /** The `message.token` it fails: a registration token or a notification key. */
  token: string;
  error: FcmErrorCode;
  /** How many sends fail; null (the default) until the fault is cleared. */
  count: number | null;
  /** Sent as `Retry-After`; QUOTA_EXCEEDED always has one (60 when omitted). */
  retryAfterSeconds?: number;
}

/** A pending send fault and how many more sends it fails (null: until cleared). */
export interface PendingSendFault extends SendFaultSpec {
  remaining: number | null;
}

/** Validates a `POST .../send-faults` body; a typo fails loudly instead of injecting nothing. */
export function parseSendFaultSpec(body: unknown): Parsed<SendFaultSpec> {
  if (!isRecord(body)) return fail('send fault must be a JSON object');
  const {token, error, count = null, retryAfterSeconds} = body;
  const unknown = Object.keys(body).filter(
    k => !['token', 'error', 'count', 'retryAfterSeconds'].includes(k),
  );
  if (unknown.length > 0) return fail(`unknown field ${unknown[0]}`);
  if (typeof token !== 'string' || token === '')
    return fail('token must be a non-empty string');
  if (!FCM_ERROR_CODES.includes(error as FcmErrorCode))
    return fail(`error must be one of ${FCM_ERROR_CODES.join(', ')}`);
  if (count !== null && !isWhole(count, 1))
    return fail('count must be a positive integer');
  const spec: SendFaultSpec = {
    token,
    error: error as FcmErrorCode,
    count: count as number | null,
  };
  const retryAfter = parseRetryAfter(error as FcmErrorCode, retryAfterSeconds);
  if (!retryAfter.ok) return retryAfter;
  if (retryAfter.value !== undefined) spec.retryAfterSeconds = retryAfter.value;
  return {ok: true, value: spec};
}

/** Send faults per project, consumed oldest first by sends to their token. */
export class SendFaultQueue {
  private readonly pending = new Map<string, PendingSendFault[]>();

  add(project: string, spec: SendFaultSpec): PendingSendFault {
    const fault = {...spec, remaining: spec.count};
    this.pending.set(project, [...(this.pending.get(project) ?? []), fault]);
    return {...fault};
  }

  /** Consumes one use of the oldest fault of the project for this token, if any. */
  take(project: string, token: string): SendFaultSpec | undefined {
    const faults = this.pending.get(project) ?? [];
    const fault = faults.find(f => f.token === token);
    if (!fault) return undefined;
    if (fault.remaining !== null) {
      fault.remaining -= 1;
      if (fault.remaining === 0)
        this.pending.set(
          project,
          faults.filter(f => f !== fault),
        );
    }
    return {...fault};
  }

  list(project: string): PendingSendFault[] {
    return (this.pending.get(project) ?? []).map(f => ({...f}));
  }

  /** Clears the send faults of one project, or of every project when none is given. */
  clear(project?: string): void {
    if (project === undefined) this.pending.clear();
    else this.pending.delete(project);
  }
}

/** FCM's v1 answer to a send that a fault fails: a google.rpc.Status with an FcmError detail. */
export function sendFaultReply(fault: SendFaultSpec): Reply {
  return fault.retryAfterSeconds === undefined
    ? fcmError(fault.error)
    : fcmError(fault.error, {'Retry-After': String(fault.retryAfterSeconds)});
}
