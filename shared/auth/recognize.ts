/**
 * Authentication without a read of its own, for a warm instance's common request: the
 * credentials are ones this instance verified moments ago (verification-cache.ts), so
 * all that is left to check is that the path user's document still has that email and
 * that hash. The device operation reads that document anyway, in its own transaction,
 * and applies the check there (devices.ts `Admit`); so a request pays no round trip for
 * authentication. Anything else (credentials not known here, a changed password or
 * email, another user's credentials) is not admitted, and the request takes the full
 * way through authenticator.ts, which gives the 401, 403 or 429.
 */
import {normalizeEmail, type UserDoc} from '../firestore/collections';
import type {Admit} from './admit';
import {parseBasicAuth} from './basic-auth';
import {clientIp} from './client-ip';
import type {AuthRequest} from './authenticator';
import type {VerificationCache} from './verification-cache';

/** The check that admits `request` on the path user's document; null when its credentials are not known here. */
export type Recognize = (request: AuthRequest) => Admit | null;

export function makeRecognizer(
  cache: VerificationCache | null,
  forwardedForHops: number,
): Recognize {
  return request => {
    if (!cache) return null;
    const credentials = parseBasicAuth(request.authorization);
    if (!credentials) return null;
    const hash = cache.verifiedHash(
      request.userId,
      credentials.password,
      clientIp(request, forwardedForHops),
    );
    if (hash === undefined) return null;
    const email = normalizeEmail(credentials.email);
    return (user: UserDoc | undefined) =>
      user !== undefined &&
      user.password === hash &&
      typeof user.email === 'string' &&
      normalizeEmail(user.email) === email;
  };
}
