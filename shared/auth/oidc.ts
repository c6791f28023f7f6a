/**
 * Verification of Google-signed ID tokens (Cloud Scheduler's OIDC token) with
 * google-auth-library, loaded on first use. The signing certificates come from Google
 * unless a fetcher is injected (tests sign with a local key and never reach Google).
 */
import type {Certificates} from 'google-auth-library';
import {unavailable} from '../platform/errors';
import {lazy} from '../platform/lazy';

/** Key id to PEM certificate or public key, as Google publishes them. */
export type CertFetcher = () => Promise<Certificates>;

export interface IdTokenClaims {
  iss?: string;
  aud?: string | string[];
  sub?: string;
  email?: string;
  email_verified?: boolean;
}

/** Verifies signature, issuer, expiry and audience; resolves the claims or rejects with `InvalidIdToken`. */
export type VerifyIdToken = (
  token: string,
  audience: string,
) => Promise<IdTokenClaims>;

export const GOOGLE_ISSUERS = [
  'https://accounts.google.com',
  'accounts.google.com',
];

/** A token that failed verification. `reason` is safe to log (never contains the token). */
export class InvalidIdToken extends Error {
  constructor(readonly reason: string) {
    super(`invalid ID token: ${reason}`);
    this.name = 'InvalidIdToken';
  }
}

/** google-auth-library's messages quote the token or its payload after a colon: keep the part before. */
function safeReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split(':')[0]!.slice(0, 80);
}

export function googleIdTokenVerifier(fetchCerts?: CertFetcher): VerifyIdToken {
  const client = lazy(
    async () => new (await import('google-auth-library')).OAuth2Client(),
  );
  return async (token, audience) => {
    const oauth = await client();
    let certs: Certificates;
    try {
      certs = fetchCerts
        ? await fetchCerts()
        : (await oauth.getFederatedSignonCertsAsync()).certs;
    } catch (err) {
      throw unavailable("Google's token signing keys", err);
    }
    try {
      const ticket = await oauth.verifySignedJwtWithCertsAsync(
        token,
        certs,
        audience,
        GOOGLE_ISSUERS,
      );
      return (ticket.getPayload() ?? {}) as IdTokenClaims;
    } catch (err) {
      throw new InvalidIdToken(safeReason(err));
    }
  };
}
