/**
 * What both device endpoints do around their effect, in the contract's order:
 * route (404/405), authentication (401), authorization (403), body validation
 * (413/415/400/422), then the effect.
 */
import type {Request} from '@google-cloud/functions-framework';
import type {Authenticate, AuthRequest} from '../auth/authenticator';
import type {Recognize} from '../auth/recognize';
import type {Admit, Admitted} from '../devices/devices';
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

/** What a device endpoint does, with and without an `Admit` check of its own (see runDeviceRequest). */
export interface DeviceEffect<T> {
  admitted(
    userId: string,
    registrationId: string,
    admit: Admit,
  ): Promise<Admitted<T>>;
  authenticated(userId: string, registrationId: string): Promise<T>;
}

function authRequest(req: Request, userId: string): AuthRequest {
  return {
    authorization: req.headers.authorization,
    forwardedFor: req.headers['x-forwarded-for'],
    remoteAddress: req.socket.remoteAddress,
    userId,
  };
}

/** The validated body, or null for one that the full way must refuse in its turn. */
function validBody(req: Request): RegistrationBody | null {
  try {
    return parseRegistrationBody(readBodyObject(req));
  } catch {
    return null;
  }
}

/**
 * Runs a device request. A warm instance's common request goes the short way: its
 * credentials were verified here moments ago, so the effect checks them against the user
 * document that its own transaction reads (auth/recognize.ts), and authentication costs
 * no round trip. Any other request, or one the check does not admit, goes the full way:
 * authenticate, authorize, validate, then the effect. Both ways give the same answers.
 */
export async function runDeviceRequest<T>(
  req: Request,
  method: 'POST' | 'DELETE',
  auth: {authenticate: Authenticate; recognize: Recognize},
  effect: DeviceEffect<T>,
): Promise<{userId: string; registrationId: string; result: T}> {
  const route = matchDevicePath(req.path);
  if (route && req.method === method) {
    const admit = auth.recognize(authRequest(req, route.userId));
    const body = admit && validBody(req);
    if (admit && body) {
      const outcome = await effect.admitted(
        route.userId,
        body.registration_id,
        admit,
      );
      if (outcome.kind === 'admitted') {
        return {
          userId: route.userId,
          registrationId: body.registration_id,
          result: outcome.result,
        };
      }
    }
  }
  const {user, body} = await parseDeviceRequest(req, method, auth.authenticate);
  return {
    userId: user.id,
    registrationId: body.registration_id,
    result: await effect.authenticated(user.id, body.registration_id),
  };
}

/** Checks a device request and returns the authenticated user and the validated body. */
export async function parseDeviceRequest(
  req: Request,
  method: 'POST' | 'DELETE',
  authenticate: Authenticate,
): Promise<DeviceRequest> {
  const route = matchDevicePath(req.path);
  if (!route) throw notFound();
  if (req.method !== method) throw methodNotAllowed(method);
  const user = await authenticate(authRequest(req, route.userId));
  if (user.id !== route.userId)
    throw new AppError('forbidden', 'This action is unauthorized.');
  const body = parseRegistrationBody(readBodyObject(req));
  return {user, body};
}
