import type {
  CallRecord,
  FaultMode,
  PendingFault,
  PendingSendFault,
} from './faults';
import type {GroupSnapshot} from './groups';
import type {Delivery} from './messages';
import type {FcmErrorCode} from './protocol';
import type {ActiveSendFaultRate} from './send-fault-rate';

export type {
  ActiveSendFaultRate,
  CallRecord,
  Delivery,
  FaultMode,
  FcmErrorCode,
  GroupSnapshot,
  PendingFault,
  PendingSendFault,
};

/** A fault for v1 sends to one token; see `POST /emulator/projects/{p}/send-faults`. */
export interface SendFaultRequest {
  /** The `message.token` that fails: a registration token or a notification key. */
  token: string;
  error: FcmErrorCode;
  /** How many sends fail; until cleared when omitted. */
  count?: number;
  /** `Retry-After` of an UNAVAILABLE or QUOTA_EXCEEDED answer (QUOTA_EXCEEDED: 60 when omitted). */
  retryAfterSeconds?: number;
}

/** A fault failing one v1 send in `oneIn` for a while; see `POST /emulator/projects/{p}/send-fault-rate`. */
export interface SendFaultRateRequest {
  error: FcmErrorCode;
  oneIn: number;
  /** Until cleared when omitted. */
  durationMs?: number;
  retryAfterSeconds?: number;
}

/** A fault to inject; see `POST /emulator/faults`. */
export interface FaultRequest {
  mode: FaultMode;
  /** How many calls fail; 1 when omitted. */
  count?: number;
  /** Only calls with this `project_id` header fail; any project when omitted. */
  project?: string;
  /** Error text of an `http400` fault. */
  error?: string;
  /** Apply the operation, then fail. */
  afterApply?: boolean;
}

/** Typed access to the emulator's `/emulator/` control API. */
export interface FcmControl {
  /** The project's groups, sorted by name, members sorted. */
  groups(project: string): Promise<GroupSnapshot[]>;
  /** Clears one project's groups, calls and deliveries, or every project's when none is given. */
  reset(project?: string): Promise<void>;
  injectFault(fault: FaultRequest): Promise<PendingFault>;
  faults(): Promise<PendingFault[]>;
  /** Clears every pending fault, or only those scoped to `project`. */
  clearFaults(project?: string): Promise<void>;
  /** The `/fcm/notification` calls received for the project, oldest first. */
  calls(project: string): Promise<CallRecord[]>;
  /** The v1 deliveries of the project, oldest first. */
  deliveries(project: string): Promise<Delivery[]>;
  /** Clears the project's deliveries only. */
  clearDeliveries(project: string): Promise<void>;
  injectSendFault(
    project: string,
    fault: SendFaultRequest,
  ): Promise<PendingSendFault>;
  sendFaults(project: string): Promise<PendingSendFault[]>;
  clearSendFaults(project: string): Promise<void>;
  /** Sets (replaces) the project's rate fault. */
  setSendFaultRate(
    project: string,
    rate: SendFaultRateRequest,
  ): Promise<ActiveSendFaultRate>;
  /** The project's rate fault while it lasts, with what it saw and failed; null otherwise. */
  sendFaultRate(project: string): Promise<ActiveSendFaultRate | null>;
  clearSendFaultRate(project: string): Promise<void>;
}

/**
 * Makes a control client for the emulator at `url` (e.g. `FcmEmulator.url`).
 * Every method throws if the emulator answers anything but 200.
 */
export function fcmControl(url: string): FcmControl {
  const base = url.replace(/\/+$/, '');
  const projectPath = (project: string, what: string): string =>
    `/emulator/projects/${encodeURIComponent(project)}/${what}`;
  return {
    groups: async project =>
      (
        await request<{groups: GroupSnapshot[]}>(
          base,
          'GET',
          projectPath(project, 'groups'),
        )
      ).groups,
    reset: async project => {
      const path =
        project === undefined
          ? '/emulator/groups'
          : projectPath(project, 'groups');
      await request(base, 'DELETE', path);
    },
    injectFault: async fault =>
      (
        await request<{fault: PendingFault}>(
          base,
          'POST',
          '/emulator/faults',
          fault,
        )
      ).fault,
    faults: async () =>
      (await request<{faults: PendingFault[]}>(base, 'GET', '/emulator/faults'))
        .faults,
    clearFaults: async project => {
      const query =
        project === undefined ? '' : `?project=${encodeURIComponent(project)}`;
      await request(base, 'DELETE', `/emulator/faults${query}`);
    },
    calls: async project =>
      (
        await request<{calls: CallRecord[]}>(
          base,
          'GET',
          projectPath(project, 'calls'),
        )
      ).calls,
    deliveries: async project =>
      (
        await request<{deliveries: Delivery[]}>(
          base,
          'GET',
          projectPath(project, 'deliveries'),
        )
      ).deliveries,
    clearDeliveries: async project => {
      await request(base, 'DELETE', projectPath(project, 'deliveries'));
    },
    injectSendFault: async (project, fault) =>
      (
        await request<{fault: PendingSendFault}>(
          base,
          'POST',
          projectPath(project, 'send-faults'),
          fault,
        )
      ).fault,
    sendFaults: async project =>
      (
        await request<{faults: PendingSendFault[]}>(
          base,
          'GET',
          projectPath(project, 'send-faults'),
        )
      ).faults,
    clearSendFaults: async project => {
      await request(base, 'DELETE', projectPath(project, 'send-faults'));
    },
    setSendFaultRate: async (project, rate) =>
      (
        await request<{rate: ActiveSendFaultRate}>(
          base,
          'POST',
          projectPath(project, 'send-fault-rate'),
          rate,
        )
      ).rate,
    sendFaultRate: async project =>
      (
        await request<{rate: ActiveSendFaultRate | null}>(
          base,
          'GET',
          projectPath(project, 'send-fault-rate'),
        )
      ).rate,
    clearSendFaultRate: async project => {
      await request(base, 'DELETE', projectPath(project, 'send-fault-rate'));
    },
  };
}

async function request<T = unknown>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : {'Content-Type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200)
    throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}
