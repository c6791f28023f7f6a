import type {CallRecord, FaultMode, PendingFault} from './faults';
import type {GroupSnapshot} from './groups';

export type {CallRecord, FaultMode, GroupSnapshot, PendingFault};

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
  /** Clears one project's groups and calls, or every project's when none is given. */
  reset(project?: string): Promise<void>;
  injectFault(fault: FaultRequest): Promise<PendingFault>;
  faults(): Promise<PendingFault[]>;
  /** Clears every pending fault, or only those scoped to `project`. */
  clearFaults(project?: string): Promise<void>;
  /** The `/fcm/notification` calls received for the project, oldest first. */
  calls(project: string): Promise<CallRecord[]>;
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
