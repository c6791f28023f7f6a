/**
 * OIDC for the notify row: notifyUser verifies Google-signed ID tokens, and nothing here
 * reaches Google. So the bench makes its own RSA key, signs Google-shaped ID tokens with
 * it, and the bench server (server.ts) gives notifyUser's verifier that key's public half,
 * the same injection the send tests use (RuntimeOverrides.fetchCerts). Everything else
 * on the request path is the production code.
 */
import {createSign, generateKeyPairSync} from 'node:crypto';

export const BENCH_KID = 'bench-key';
export const BENCH_AUDIENCE = 'https://bench.invalid/notifyUser';
export const BENCH_CALLER = 'bench@bench-project.iam.gserviceaccount.com';

const b64url = (value: object) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** A key pair: the PEM public key for the server, and a signer of ID tokens. */
export function benchOidc(): {publicKeyPem: string; idToken: () => string} {
  const {publicKey, privateKey} = generateKeyPairSync('rsa', {
    modulusLength: 2048,
  });
  return {
    publicKeyPem: publicKey.export({type: 'spki', format: 'pem'}).toString(),
    idToken() {
      const now = Math.floor(Date.now() / 1000);
      const signed = `${b64url({alg: 'RS256', kid: BENCH_KID, typ: 'JWT'})}.${b64url(
        {
          iss: 'https://accounts.google.com',
          aud: BENCH_AUDIENCE,
          sub: '1',
          email: BENCH_CALLER,
          email_verified: true,
          iat: now - 10,
          exp: now + 3590,
        },
      )}`;
      const signature = createSign('RSA-SHA256')
        .update(signed)
        .sign(privateKey)
        .toString('base64url');
      return `${signed}.${signature}`;
    },
  };
}
