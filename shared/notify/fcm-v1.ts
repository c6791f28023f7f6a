/**
 * One FCM HTTP v1 send (`POST /v1/projects/{project}/messages:send`), one attempt. FCM's
 * answer is turned into an outcome at this boundary: the error code of the `FcmError`
 * detail (or the `google.rpc.Status` when there is none), whether an INVALID_ARGUMENT is
 * about the token rather than the payload, and `Retry-After`. A network failure or a
 * time-out is UNAVAILABLE, so it is retried like FCM's own.
 */
import type {AccessTokenSource} from '../fcm/access-token';
import {redactTokens} from '../fcm/endpoints';
import type {NotificationMessage} from './message';

/** FCM's documented v1 error codes (FcmError.errorCode), plus what an unknown answer becomes. */
export type SendErrorCode =
  | 'UNREGISTERED'
  | 'INVALID_ARGUMENT'
  | 'SENDER_ID_MISMATCH'
  | 'QUOTA_EXCEEDED'
  | 'UNAVAILABLE'
  | 'INTERNAL'
  | 'THIRD_PARTY_AUTH_ERROR'
  | 'UNSPECIFIED_ERROR';

export type SendAttempt =
  | {kind: 'sent'; name: string}
  | {
      kind: 'failed';
      code: SendErrorCode;
      /** HTTP status, or 0 when no answer came. */
      status: number;
      /** True for INVALID_ARGUMENT about the registration token itself (not the payload). */
      badToken: boolean;
      /** From `Retry-After`, when FCM sent one. */
      retryAfterMs: number | undefined;
      /** FCM's message, safe to log (token-shaped runs redacted). */
      detail: string;
    };

/** Sends `message` to `target` (a registration token or a notification key); never throws. */
export type SendOnce = (
  target: string,
  message: NotificationMessage,
  signal: AbortSignal,
) => Promise<SendAttempt>;

export interface FcmV1Options {
  /** `https://fcm.googleapis.com` in production, `http://host:port` for the emulator. */
  baseUrl: string;
  /** The `{project}` of the send URL. */
  projectId: string;
  accessToken: AccessTokenSource;
  fetch?: typeof fetch;
}

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';

const KNOWN_CODES: readonly SendErrorCode[] = [
  'UNREGISTERED',
  'INVALID_ARGUMENT',
  'SENDER_ID_MISMATCH',
  'QUOTA_EXCEEDED',
  'UNAVAILABLE',
  'INTERNAL',
  'THIRD_PARTY_AUTH_ERROR',
];

/** The `google.rpc.Status` statuses FCM answers without an FcmError detail. */
const BY_STATUS: Record<string, SendErrorCode> = {
  NOT_FOUND: 'UNREGISTERED',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  PERMISSION_DENIED: 'SENDER_ID_MISMATCH',
  RESOURCE_EXHAUSTED: 'QUOTA_EXCEEDED',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
};

interface RpcStatus {
  status?: unknown;
  message?: unknown;
  details?: unknown;
}

type Detail = {
  '@type'?: unknown;
  errorCode?: unknown;
  fieldViolations?: unknown;
};

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now. */
export function retryAfterMs(
  header: string | null,
  now: number = Date.now(),
): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function classify(status: number, error: RpcStatus | undefined) {
  const details = Array.isArray(error?.details)
    ? (error.details as Detail[])
    : [];
  const fcmCode = details.find(d => d['@type'] === FCM_ERROR_TYPE)?.errorCode;
  const code: SendErrorCode = KNOWN_CODES.includes(fcmCode as SendErrorCode)
    ? (fcmCode as SendErrorCode)
    : (BY_STATUS[String(error?.status)] ??
      (status >= 500 ? 'UNAVAILABLE' : 'UNSPECIFIED_ERROR'));
  const message = typeof error?.message === 'string' ? error.message : '';
  // FCM says which it is in words, and (in production) with a BadRequest on message.token.
  const tokenViolation = details.some(
    d =>
      d['@type'] === BAD_REQUEST_TYPE &&
      Array.isArray(d.fieldViolations) &&
      (d.fieldViolations as Array<{field?: unknown}>).some(
        v => v.field === 'message.token',
      ),
  );
  const badToken =
    code === 'INVALID_ARGUMENT' &&
    (tokenViolation || /registration token/i.test(message));
  return {code, badToken, detail: redactTokens(message.slice(0, 200))};
}

/** A SendOnce over HTTP v1. */
export function createFcmV1(options: FcmV1Options): SendOnce {
  const url = `${options.baseUrl}/v1/projects/${encodeURIComponent(options.projectId)}/messages:send`;
  const doFetch = options.fetch ?? fetch;
  return async (target, message, signal) => {
    let response: Response;
    let text: string;
    try {
      const token = await options.accessToken(signal);
      response = await doFetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({message: {...message, token: target}}),
        signal,
      });
      text = await response.text();
    } catch (cause) {
      return {
        kind: 'failed',
        code: 'UNAVAILABLE',
        status: 0,
        badToken: false,
        retryAfterMs: undefined,
        detail: String(cause).slice(0, 200),
      };
    }
    let parsed: {name?: unknown; error?: RpcStatus} = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      // an answer that is not JSON (a proxy's error page): classified by its status
    }
    if (response.status === 200 && typeof parsed.name === 'string')
      return {kind: 'sent', name: parsed.name};
    return {
      kind: 'failed',
      status: response.status,
      retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
      ...classify(response.status, parsed.error),
    };
  };
}
