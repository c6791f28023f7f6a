/**
 * What both device endpoints do around their effect, in the contract's order:
 * route (404/405), authentication (401), authorization (403), body validation
 * (413/415/400/422), then the effect.
 */
import type {Request} from '@google-cloud/functions-framework';
import type {Authenticate, AuthRequest} from '../auth/authenticator';
import type {Recognize} from '../auth/recognize';
import type {Admitted, Verified} from '../devices/devices';
import {AppError} from '../platform/errors';
import {tokenId} from '../firestore/collections';
import {parseRegistrationBody, type RegistrationBody} from './validation';
import {readBodyObject} from './body';
import {methodNotAllowed, notFound} from './respond';
import {matchDevicePath} from './routes';

/** What a device endpoint does: with a check its own transaction makes, or authenticated already. */
export interface DeviceEffect<T> {
  verified(
    userId: string,
    registrationId: string,
    options: Verified,
  ): Promise<Admitted<T>>;
  authenticated(userId: string, registrationId: string): Promise<T>;
}

/** The body, read once: valid, or the error the full way answers after authentication. */
type Body =
  {kind: 'valid'; body: RegistrationBody} | {kind: 'invalid'; error: unknown};

function readBody(req: Request): Body {
  try {
    return {kind: 'valid', body: parseRegistrationBody(readBodyObject(req))};
  } catch (error) {
    return {kind: 'invalid', error};
  }
}

function authRequest(req: Request, userId: string, body: Body): AuthRequest {
  return {
    authorization: req.headers.authorization,
    forwardedFor: req.headers['x-forwarded-for'],
    remoteAddress: req.socket.remoteAddress,
    userId,
    // Lets the throttle recognize a device the user registered before (login-policy.ts).
    ...(body.kind === 'valid'
      ? {deviceTokenId: tokenId(body.body.registration_id)}
      : {}),
  };
}

/**
 * Runs a device request: the route (404/405), then, in the contract's order, authentication
 * (401/429), authorization (403), the body (415/400/422) and the effect. The route is
 * matched and the body read once. A warm instance's common request goes the short way: its
 * credentials were verified here moments ago, so the effect checks them against the user
 * document its own transaction reads (auth/recognize.ts), and authentication costs no round
 * trip. A request the check does not admit, or with an invalid body, goes the full way. Both
 * ways give the same answers.
 */
export async function runDeviceRequest<T>(
  req: Request,
  method: 'POST' | 'DELETE',
  auth: {authenticate: Authenticate; recognize: Recognize},
  effect: DeviceEffect<T>,
): Promise<{userId: string; registrationId: string; result: T}> {
  const route = matchDevicePath(req.path);
  if (!route) throw notFound();
  if (req.method !== method) throw methodNotAllowed(method);
  const body = readBody(req);
  const request = authRequest(req, route.userId, body);
  if (body.kind === 'valid') {
    const verify = auth.recognize(request);
    const registrationId = body.body.registration_id;
    if (verify) {
      const outcome = await effect.verified(route.userId, registrationId, {
        verify,
      });
      if (outcome.kind === 'admitted')
        return {userId: route.userId, registrationId, result: outcome.result};
    }
  }
  const user = await auth.authenticate(request);
  if (user.id !== route.userId)
    throw new AppError('forbidden', 'This action is unauthorized.');
  if (body.kind === 'invalid') throw body.error;
  const registrationId = body.body.registration_id;
  return {
    userId: user.id,
    registrationId,
    result: await effect.authenticated(user.id, registrationId),
  };
}
