/**
 * A fault that fails a share of a project's v1 sends for a while, whatever their token: one
 * send in `oneIn` (the `oneIn`-th, the `2 × oneIn`-th, …, counted from when it was set)
 * answers `error`, until `durationMs` has passed or it is cleared. FCM's project quota looks
 * like this from the sender's side: QUOTA_EXCEEDED for some of the sends, for a minute.
 */
import {
  FCM_ERROR_CODES,
  fail,
  isRecord,
  isWhole,
  parseRetryAfter,
  type FcmErrorCode,
  type Parsed,
} from './protocol';
import type {SendFaultSpec} from './faults';

/** `POST /emulator/projects/{p}/send-fault-rate`'s body. */
export interface SendFaultRateSpec {
  error: FcmErrorCode;
  /** Every `oneIn`-th send fails (10: a tenth of them). */
  oneIn: number;
  /** How long the fault lasts from when it is set; null (the default): until cleared. */
  durationMs: number | null;
  /** Sent as `Retry-After`; QUOTA_EXCEEDED always has one (60 when omitted). */
  retryAfterSeconds?: number;
}

/** A fault in force, as the control API lists it. */
export interface ActiveSendFaultRate extends SendFaultRateSpec {
  /** When it ends (ISO), or null. */
  until: string | null;
  /** Sends it saw, and sends it failed. */
  seen: number;
  failed: number;
}

const FIELDS = ['error', 'oneIn', 'durationMs', 'retryAfterSeconds'];

/** Validates the body; a typo fails loudly instead of injecting nothing. */
export function parseSendFaultRate(body: unknown): Parsed<SendFaultRateSpec> {
  if (!isRecord(body)) return fail('send fault rate must be a JSON object');
  const unknown = Object.keys(body).filter(k => !FIELDS.includes(k));
  if (unknown.length > 0) return fail(`unknown field ${unknown[0]}`);
  const {error, oneIn, durationMs = null, retryAfterSeconds} = body;
  if (!FCM_ERROR_CODES.includes(error as FcmErrorCode))
    return fail(`error must be one of ${FCM_ERROR_CODES.join(', ')}`);
  if (!isWhole(oneIn, 1)) return fail('oneIn must be a positive integer');
  if (durationMs !== null && !isWhole(durationMs, 1))
    return fail('durationMs must be a positive integer');
  const spec: SendFaultRateSpec = {
    error: error as FcmErrorCode,
    oneIn: oneIn as number,
    durationMs: durationMs as number | null,
  };
  const retryAfter = parseRetryAfter(error as FcmErrorCode, retryAfterSeconds);
  if (!retryAfter.ok) return retryAfter;
  if (retryAfter.value !== undefined) spec.retryAfterSeconds = retryAfter.value;
  return {ok: true, value: spec};
}

interface Active {
  spec: SendFaultRateSpec;
  until: number | null;
  seen: number;
  failed: number;
}

/** The rate faults in force, one per project at most. */
export class SendFaultRates {
  private readonly active = new Map<string, Active>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Sets (replaces) the project's fault, counting from now. */
  set(project: string, spec: SendFaultRateSpec): ActiveSendFaultRate {
    const now = this.now();
    this.active.set(project, {
      spec,
      until: spec.durationMs === null ? null : now + spec.durationMs,
      seen: 0,
      failed: 0,
    });
    return this.get(project)!;
  }

  /** Counts one send of the project; the fault to answer it with when it is one to fail. */
  take(project: string): SendFaultSpec | undefined {
    const active = this.live(project);
    if (!active) return undefined;
    active.seen += 1;
    if (active.seen % active.spec.oneIn !== 0) return undefined;
    active.failed += 1;
    return {
      token: '*',
      error: active.spec.error,
      count: null,
      ...(active.spec.retryAfterSeconds === undefined
        ? {}
        : {retryAfterSeconds: active.spec.retryAfterSeconds}),
    };
  }

  /** The project's fault while it lasts; null otherwise. */
  get(project: string): ActiveSendFaultRate | null {
    const active = this.live(project);
    if (!active) return null;
    return {
      ...active.spec,
      until:
        active.until === null ? null : new Date(active.until).toISOString(),
      seen: active.seen,
      failed: active.failed,
    };
  }

  clear(project: string): void {
    this.active.delete(project);
  }

  private live(project: string): Active | undefined {
    const active = this.active.get(project);
    if (active && active.until !== null && this.now() >= active.until) {
      this.active.delete(project);
      return undefined;
    }
    return active;
  }
}
