/**
 * What notifyUser does before sending, in order: route (404/405), the caller's OIDC token
 * (500 when no allow-list is configured, 401, 403), the Idempotency-Key header (400), the
 * body (413/415/400/422).
 */
import type {Request} from '@google-cloud/functions-framework';
import {AppError} from '../platform/errors';
import type {Logger} from '../platform/logger';
import {readBodyObject} from '../http/body';
import {methodNotAllowed, notFound} from '../http/respond';
import {matchNotifyPath} from '../http/routes';
import type {NotifyAuth} from './auth';
import {parseNotificationMessage, type NotificationMessage} from './message';

export interface NotifyRequest {
  userId: string;
  /** The caller's service account, safe to log. */
  caller: string;
  message: NotificationMessage;
  idempotencyKey: string | undefined;
}

/** Printable ASCII, as the IETF Idempotency-Key draft's examples; long enough for a UUID and more. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

/** The Idempotency-Key header, checked for shape (400 otherwise); undefined when absent. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.header('idempotency-key')?.trim();
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new AppError(
      'bad-request',
      'The Idempotency-Key header must be 1 to 255 printable ASCII characters.',
    );
  }
  return key || undefined;
}

/** Document ids Firestore refuses name no user. */
export function isUserId(id: string): boolean {
  return (
    id !== '' &&
    id !== '.' &&
    id !== '..' &&
    !id.includes('/') &&
    !/^__.*__$/.test(id) &&
    Buffer.byteLength(id) <= 1500
  );
}

export async function parseNotifyRequest(
  req: Request,
  authorize: NotifyAuth,
  log: Logger,
): Promise<NotifyRequest> {
  const route = matchNotifyPath(req.path);
  if (!route) throw notFound();
  if (req.method !== 'POST') throw methodNotAllowed('POST');
  const caller = await authorize(req, log);
  const idempotencyKey = idempotencyKeyOf(req);
  if (!isUserId(route.userId)) throw notFound();
  const message = parseNotificationMessage(readBodyObject(req));
  return {userId: route.userId, caller, message, idempotencyKey};
}
