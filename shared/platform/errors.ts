/**
 * The application's one error type. Every failure that should reach a caller as a
 * specific HTTP answer is an AppError; anything else is a bug and answers a generic 500.
 */
export type ErrorCode =
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'bad-request'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'validation-failed'
  | 'conflict'
  | 'too-many-requests'
  | 'unavailable'
  | 'busy'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'bad-request': 400,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'validation-failed': 422,
  conflict: 409,
  'too-many-requests': 429,
  unavailable: 503,
  busy: 503,
  internal: 500,
};

export interface AppErrorOptions {
  /** Extra fields merged into the JSON body (for example Laravel's `errors` map). */
  body?: Record<string, unknown>;
  /** Response headers such as `WWW-Authenticate`, `Allow` or `Retry-After`. */
  headers?: Record<string, string>;
  /** The underlying error, for logs only: never sent to the caller. */
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, {cause: options.cause});
    this.name = 'AppError';
    this.code = code;
    this.status = STATUS[code];
    this.body = {message, ...options.body};
    this.headers = options.headers ?? {};
  }
}

/** True for errors meant for the caller; false for bugs and foreign errors. */
export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5;

/** A dependency (Firestore, FCM) failed: the request may be retried later. */
export function unavailable(what: string, cause?: unknown): AppError {
  return new AppError(
    'unavailable',
    `${what} is temporarily unavailable. Please retry.`,
    {
      headers: {'Retry-After': String(RETRY_AFTER_SECONDS)},
      cause,
    },
  );
}

/** Our own contention (a busy lease, too many waiters): 503 with Retry-After, never a 5xx bug. */
export function busy(
  message = "Too many concurrent changes to this user's devices. Please retry.",
): AppError {
  return new AppError('busy', message, {
    headers: {'Retry-After': String(RETRY_AFTER_SECONDS)},
  });
}
