/**
 * A bounded, short-lived memory of successful password verifications, so a warm
 * instance does not pay bcrypt on every request of the same client. Keys are an HMAC of
 * the user id and the password under a random per-instance key (the password itself is
 * never kept). The user id, not the email as typed, keys an entry, so case variants of
 * one email cannot push other users out. An entry only counts while the stored hash is
 * the one it was verified against, so changing a password invalidates it at once.
 */
import {createHmac, randomBytes} from 'node:crypto';

export interface VerificationCache {
  /** True when these credentials were verified against `passwordHash` within the TTL. */
  has(userId: string, password: string, passwordHash: string): boolean;
  /**
   * The stored hash these credentials were verified against within the TTL, if any (the
   * caller compares it with the hash it reads: see recognize.ts).
   */
  verifiedHash(userId: string, password: string): string | undefined;
  remember(userId: string, password: string, passwordHash: string): void;
}

export function createVerificationCache(
  ttlMs: number,
  maxEntries: number,
  now: () => number = Date.now,
): VerificationCache | null {
  if (ttlMs <= 0) return null;
  const secret = randomBytes(32);
  // A Map iterates in insertion order, which makes it a cheap LRU.
  const entries = new Map<string, {hash: string; expiresAt: number}>();
  const keyOf = (userId: string, password: string) =>
    createHmac('sha256', secret)
      .update(userId)
      .update('\0')
      .update(password)
      .digest('base64url');
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    has(userId, password, passwordHash) {
      const key = keyOf(userId, password);
      const entry = live(key);
      if (!entry) return false;
      if (entry.hash !== passwordHash) {
        entries.delete(key);
        return false;
      }
      return true;
    },
    verifiedHash(userId, password) {
      return live(keyOf(userId, password))?.hash;
    },
    remember(userId, password, passwordHash) {
      const key = keyOf(userId, password);
      entries.delete(key);
      entries.set(key, {hash: passwordHash, expiresAt: now() + ttlMs});
      while (entries.size > maxEntries)
        entries.delete(entries.keys().next().value as string);
    },
  };
}
