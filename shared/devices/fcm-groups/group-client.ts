/**
 * FCM device groups over FCM's HTTP API (https://fcm.googleapis.com/fcm/notification).
 * Remote errors are turned into outcomes at this boundary: the texts FCM documents lead
 * to recovery, anything else (5xx, timeouts, unknown texts) to a 503 AppError.
 *
 * Both changes are idempotent and recover on their own where the remote state says how.
 */
import {unavailable} from '../../platform/errors';
import {deadlineSignal} from '../../platform/deadline-signal';
import type {AccessTokenSource} from '../../fcm/access-token';
import {redactTokens} from '../../fcm/endpoints';
import type {Logger} from '../../platform/logger';

export interface DeviceGroups {
  /**
   * Ensures `tokens` are members of the group `name`, creating the group when needed.
   * @param knownKey - the key stored for the group, or null when none is known
   * @param signal - the caller's lease: every remote call ends when it aborts
   * @returns the group's notification key
   */
  add(
    name: string,
    knownKey: string | null,
    tokens: readonly string[],
    signal: AbortSignal,
  ): Promise<string>;

  /**
   * Ensures `tokens` are not members of the group `name`. A missing group, or tokens that
   * are not members, count as done. Removing the last member deletes the group.
   */
  remove(
    name: string,
    knownKey: string | null,
    tokens: readonly string[],
    signal: AbortSignal,
  ): Promise<void>;
}

/** The group name of a user: `{prefix}_users-{id}`, as the Laravel app named them. */
export function groupName(prefix: string, userId: string): string {
  return `${prefix}_users-${userId}`;
}

export interface FcmDeviceGroupsOptions {
  /** `https://fcm.googleapis.com` in production, `http://host:port` for the emulator. */
  baseUrl: string;
  senderId: string;
  timeoutMs: number;
  accessToken: AccessTokenSource;
  log: Logger;
  fetch?: typeof fetch;
}

/** The documented error texts that have a known meaning. */
export const FCM_ERRORS = {
  alreadyExists: 'notification_key already exists',
  notFound: 'notification_key not found',
  noValidIds: 'no valid registration ids',
  nameMismatch:
    "notification_key_name doesn't match the group name of the notification_key",
} as const;

type Outcome = {ok: true; key: string} | {ok: false; error: string};

/** The FCM backend, which can also look a group's key up by name (used by the Laravel import). */
export interface FcmDeviceGroups extends DeviceGroups {
  /** The notification key of the group `name`, or null when there is no such group. */
  lookup(name: string, signal: AbortSignal): Promise<string | null>;
}

export function createFcmDeviceGroups(
  options: FcmDeviceGroupsOptions,
): FcmDeviceGroups {
  const endpoint = `${options.baseUrl}/fcm/notification`;
  const doFetch = options.fetch ?? fetch;

  async function call(
    signal: AbortSignal,
    method: 'GET' | 'POST',
    query: string,
    body?: Record<string, unknown>,
  ): Promise<Outcome> {
    const operation = body?.operation ?? 'lookup';
    let response: Response;
    let text: string;
    // One deadline per call, and never past the caller's lease.
    const deadline = deadlineSignal(signal, options.timeoutMs);
    const callSignal = deadline.signal;
    try {
      const token = await options.accessToken(callSignal);
      response = await doFetch(endpoint + query, {
        method,
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${token}`,
          project_id: options.senderId,
          access_token_auth: 'true',
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: callSignal,
      });
      text = await response.text();
    } catch (cause) {
      options.log.warn('FCM request failed', {operation, cause: String(cause)});
      throw unavailable('Firebase Cloud Messaging', cause);
    } finally {
      deadline.done();
    }
    let parsed: {notification_key?: unknown; error?: unknown} = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      // handled below as an unexpected answer
    }
    if (
      response.status === 200 &&
      typeof parsed.notification_key === 'string'
    ) {
      return {ok: true, key: parsed.notification_key};
    }
    if (response.status === 400 && typeof parsed.error === 'string') {
      return {ok: false, error: parsed.error};
    }
    options.log.warn('unexpected FCM answer', {
      operation,
      status: response.status,
      body: redactTokens(text.slice(0, 200)),
    });
    throw unavailable(
      'Firebase Cloud Messaging',
      new Error(`FCM answered ${response.status}`),
    );
  }

  function failure(operation: string, error: string): never {
    const safe = redactTokens(error);
    options.log.warn('FCM refused a device-group operation', {
      operation,
      error: safe,
    });
    throw unavailable(
      'Firebase Cloud Messaging',
      new Error(`FCM ${operation}: ${safe}`),
    );
  }

  async function lookup(
    signal: AbortSignal,
    name: string,
  ): Promise<string | null> {
    const outcome = await call(
      signal,
      'GET',
      `?notification_key_name=${encodeURIComponent(name)}`,
    );
    if (outcome.ok) return outcome.key;
    if (outcome.error === FCM_ERRORS.notFound) return null;
    return failure('lookup', outcome.error);
  }

  const post = (
    signal: AbortSignal,
    operation: string,
    name: string,
    key: string | null,
    ids: readonly string[],
  ) =>
    call(signal, 'POST', '', {
      operation,
      notification_key_name: name,
      ...(key ? {notification_key: key} : {}),
      registration_ids: ids,
    });

  async function addWithKey(
    signal: AbortSignal,
    name: string,
    key: string,
    tokens: readonly string[],
  ): Promise<string | null> {
    const outcome = await post(signal, 'add', name, key, tokens);
    if (outcome.ok) return outcome.key;
    if (
      outcome.error === FCM_ERRORS.notFound ||
      outcome.error === FCM_ERRORS.nameMismatch
    )
      return null;
    return failure('add', outcome.error);
  }

  async function create(
    signal: AbortSignal,
    name: string,
    tokens: readonly string[],
  ): Promise<string> {
    const created = await post(signal, 'create', name, null, tokens);
    if (created.ok) return created.key;
    if (created.error !== FCM_ERRORS.alreadyExists)
      return failure('create', created.error);
    // The group exists although we hold no (valid) key for it: fetch the key and add.
    const key = await lookup(signal, name);
    const added = key ? await addWithKey(signal, name, key, tokens) : null;
    if (added) return added;
    return failure('create', 'the group exists but its key could not be used');
  }

  return {
    lookup: (name, signal) => lookup(signal, name),

    async add(name, knownKey, tokens, signal) {
      if (knownKey) {
        const key = await addWithKey(signal, name, knownKey, tokens);
        if (key) return key;
        // The stored key is gone (the group emptied) or stale: look the group up by name.
        const current = await lookup(signal, name);
        if (current && current !== knownKey) {
          const added = await addWithKey(signal, name, current, tokens);
          if (added) return added;
        }
      }
      return create(signal, name, tokens);
    },

    async remove(name, knownKey, tokens, signal) {
      if (tokens.length === 0) return;
      const key = knownKey ?? (await lookup(signal, name));
      if (!key) return;
      let outcome = await post(signal, 'remove', name, key, tokens);
      if (
        !outcome.ok &&
        knownKey &&
        (outcome.error === FCM_ERRORS.notFound ||
          outcome.error === FCM_ERRORS.nameMismatch)
      ) {
        // The stored key may be stale: the group by that name is the one that counts.
        const current = await lookup(signal, name);
        if (!current || current === key) return;
        outcome = await post(signal, 'remove', name, current, tokens);
      }
      if (
        outcome.ok ||
        outcome.error === FCM_ERRORS.notFound ||
        outcome.error === FCM_ERRORS.noValidIds
      )
        return;
      failure('remove', outcome.error);
    },
  };
}
