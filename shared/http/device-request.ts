/**
 * What both device endpoints do before their effect, in the contract's order:
 * route (404/405), authentication (401), authorization (403), body validation
 * (413/415/400/422).
 */
import type {Request} from '@google-cloud/functions-framework';
import type {Authenticate} from '../auth/authenticator';
import {AppError} from '../platform/errors';
import type {UserRecord} from '../auth/users';
import {parseRegistrationBody, type RegistrationBody} from './validation';
import {readBodyObject} from './body';
import {matchDevicePath} from './routes';

export interface DeviceRequest {
  user: UserRecord;
  body: RegistrationBody;
}

export function methodNotAllowed(allowed: string): AppError {
  return new AppError(
    'method-not-allowed',
    'The method is not supported for this route.',
    {
      headers: {Allow: allowed},
    },
  );
}

export const notFound = () => new AppError('not-found', 'Not Found.');

/** Checks a device request and returns the authenticated user and the validated body. */
export async function parseDeviceRequest(
  req: Request,
  method: 'POST' | 'DELETE',
  authenticate: Authenticate,
): Promise<DeviceRequest> {
  const route = matchDevicePath(req.path);
  if (!route) throw notFound();
  if (req.method !== method) throw methodNotAllowed(method);
  const user = await authenticate({
    authorization: req.headers.authorization,
    forwardedFor: req.headers['x-forwarded-for'],
    remoteAddress: req.socket.remoteAddress,
    userId: route.userId,
  });
  if (user.id !== route.userId)
    throw new AppError('forbidden', 'This action is unauthorized.');
  const body = parseRegistrationBody(readBodyObject(req));
  return {user, body};
}
