/**
 * The public paths of the API. Each function accepts its path with or without the
 * Laravel `/api` prefix, because a function URL already names the function.
 */
const DEVICE_PATH = /^(?:\/api)?\/users\/([^/]+)\/fcm_registration_tokens$/;
const CRON_PATH = /^(?:\/api)?\/cron$/;

/** The `{user}` segment of a device path, percent-decoded, or null when the path is not ours. */
export function matchDevicePath(path: string): {userId: string} | null {
  const match = DEVICE_PATH.exec(path);
  if (!match) return null;
  try {
    return {userId: decodeURIComponent(match[1]!)};
  } catch {
    return null; // malformed percent-encoding
  }
}

/** True for `/cron`, `/api/cron` and `/` (the bare function URL). */
export function isCronPath(path: string): boolean {
  return path === '/' || CRON_PATH.test(path);
}
