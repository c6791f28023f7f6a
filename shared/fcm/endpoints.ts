/**
 * Where FCM is, and what of its answers may be logged: shared by the HTTP v1 sender
 * (notify/) and the device-group client (devices/fcm-groups/).
 */

/** Production base URL of FCM's APIs. */
export const FCM_BASE_URL = 'https://fcm.googleapis.com';

/** The base URL to use for `FCM_EMULATOR_HOST`, if set. */
export function fcmBaseUrl(emulatorHost: string | undefined): string {
  return emulatorHost ? `http://${emulatorHost}` : FCM_BASE_URL;
}

/** Token-like runs in a remote text, which must never reach the logs whole. */
const TOKEN_LIKE = /[A-Za-z0-9_:-]{24,}/g;

/** A remote text safe to log: anything token-shaped is cut to its first 6 characters. */
export function redactTokens(text: string): string {
  return text.replace(TOKEN_LIKE, run => `${run.slice(0, 6)}…[redacted]`);
}
