import type {FaultMode} from './faults';

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
