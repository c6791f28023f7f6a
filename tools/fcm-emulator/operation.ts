import {FcmErrors, type Parsed} from './errors';

/** A device-group management request, validated and with duplicate ids removed. */
export type GroupOperation =
  | {operation: 'create'; name: string; ids: string[]}
  | {operation: 'add' | 'remove'; name: string; key: string; ids: string[]};

/**
 * Validates a parsed `/fcm/notification` POST body.
 *
 * `notification_key_name` is required for add and remove too: FCM's documented requests always
 * send it, and checking it against the key is how FCM catches a client mixing up two groups.
 * Fields outside the protocol are ignored, as FCM does.
 */
export function parseGroupOperation(body: unknown): Parsed<GroupOperation> {
  if (!isRecord(body)) return fail(FcmErrors.notAnObject);
  const {operation} = body;
  if (operation !== 'create' && operation !== 'add' && operation !== 'remove') {
    return fail(FcmErrors.invalidOperation);
  }
  const name = body.notification_key_name;
  if (!isNonEmptyString(name)) return fail(FcmErrors.invalidName);
  const key = body.notification_key;
  if (operation !== 'create' && !isNonEmptyString(key))
    return fail(FcmErrors.invalidKey);
  const ids = parseRegistrationIds(body.registration_ids);
  if (!ids.ok) return ids;
  if (operation === 'create')
    return {ok: true, value: {operation, name, ids: ids.value}};
  return {
    ok: true,
    value: {operation, name, key: key as string, ids: ids.value},
  };
}

function parseRegistrationIds(value: unknown): Parsed<string[]> {
  // FCM treats a missing list like an empty one: there is nothing valid to act on.
  if (value === undefined || (Array.isArray(value) && value.length === 0)) {
    return fail(FcmErrors.noValidIds);
  }
  if (!Array.isArray(value) || !value.every(isNonEmptyString))
    return fail(FcmErrors.invalidIds);
  return {ok: true, value: [...new Set(value)]};
}

/** True for a plain JSON object (not an array or null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function fail(error: string): {ok: false; error: string} {
  return {ok: false, error};
}
