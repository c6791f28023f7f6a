/**
 * Parsing of `Authorization: Basic …` headers. Anything malformed yields null, so the
 * caller answers one uniform 401 and never a 500.
 */
export interface BasicCredentials {
  email: string;
  password: string;
}

/** bcrypt only looks at the first 72 bytes; longer passwords are refused, not truncated. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', {fatal: true});

/** Returns the credentials of a well-formed Basic header, or null. */
export function parseBasicAuth(
  header: string | undefined,
): BasicCredentials | null {
  if (typeof header !== 'string') return null;
  const match = /^Basic +(\S+) *$/i.exec(header);
  if (!match) return null;
  const encoded = match[1]!;
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) return null;
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    return null; // not UTF-8
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  const email = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (
    password.length === 0 ||
    Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_PASSWORD_BYTES
  )
    return null;
  // Control characters never belong in an email address or a typed password.
  // eslint-disable-next-line no-control-regex -- matching them is the point
  if (/[\u0000-\u001f\u007f]/.test(decoded)) return null;
  return {email, password};
}
