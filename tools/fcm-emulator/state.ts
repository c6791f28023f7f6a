/**
 * What the emulator keeps between runs of the local stack (`npm start -- --persist DIR`): its
 * device groups, the keys it ever handed out (so none is reused), and the v1 deliveries. The
 * Firestore data saved next to it names these groups' notification keys, so both are saved
 * and loaded together. Faults and the call log are a test's business and are not kept.
 */
import type {GroupSnapshot, StoreSnapshot} from './groups';
import type {Delivery} from './messages';
import {isRecord, type Parsed} from './protocol';

/** The saved state, as written to the file (JSON). */
export interface FcmEmulatorState {
  version: 1;
  /** Groups by project (the `project_id` header), sorted by name. */
  groups: Record<string, GroupSnapshot[]>;
  /** Every notification key ever issued, live or not. */
  issued_keys: string[];
  /** v1 deliveries by project, oldest first. */
  deliveries: Record<string, Delivery[]>;
}

/** The state of a store and a delivery log, ready to save. */
export function toState(
  store: StoreSnapshot,
  deliveries: Record<string, Delivery[]>,
): FcmEmulatorState {
  return {
    version: 1,
    groups: store.groups,
    issued_keys: store.issuedKeys,
    deliveries,
  };
}

/** Checks a parsed file; a hand-edited or foreign file is refused with what is wrong. */
export function parseState(value: unknown): Parsed<FcmEmulatorState> {
  const fail = (error: string) => ({ok: false as const, error});
  if (!isRecord(value) || value.version !== 1)
    return fail('not a saved FCM emulator state (version 1)');
  const {groups, issued_keys: keys, deliveries} = value;
  if (!isRecord(groups) || !Object.values(groups).every(isGroupList))
    return fail('"groups" must map projects to lists of groups');
  if (!Array.isArray(keys) || !keys.every(k => typeof k === 'string'))
    return fail('"issued_keys" must be a list of strings');
  if (!isRecord(deliveries) || !Object.values(deliveries).every(isDeliveries))
    return fail('"deliveries" must map projects to lists of deliveries');
  return {ok: true, value: value as unknown as FcmEmulatorState};
}

function isGroupList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every(
      g =>
        isRecord(g) &&
        typeof g.notification_key_name === 'string' &&
        typeof g.notification_key === 'string' &&
        Array.isArray(g.registration_ids) &&
        g.registration_ids.every(id => typeof id === 'string'),
    )
  );
}

function isDeliveries(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every(
      d =>
        isRecord(d) &&
        typeof d.project === 'string' &&
        typeof d.token === 'string' &&
        (d.notification_key === null ||
          typeof d.notification_key === 'string') &&
        isRecord(d.message) &&
        typeof d.name === 'string' &&
        typeof d.time === 'string',
    )
  );
}
