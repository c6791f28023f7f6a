import {randomBytes} from 'node:crypto';

/** FCM notification keys start with this prefix; clients sometimes sanity-check it. */
export const NOTIFICATION_KEY_PREFIX = 'APA91b';

/** Total length of a generated key, in the range real FCM keys have. */
export const NOTIFICATION_KEY_LENGTH = 140;

/**
 * Makes a new notification key shaped like FCM's: the `APA91b` prefix followed by URL-safe
 * random characters. 100+ random bytes make collisions practically impossible; the store still
 * checks, so a key is never handed out twice.
 */
export function newNotificationKey(): string {
  const randomLength = NOTIFICATION_KEY_LENGTH - NOTIFICATION_KEY_PREFIX.length;
  // base64url yields 4 characters per 3 bytes; ask for enough bytes, then trim.
  const random = randomBytes(Math.ceil((randomLength * 3) / 4)).toString(
    'base64url',
  );
  return NOTIFICATION_KEY_PREFIX + random.slice(0, randomLength);
}
