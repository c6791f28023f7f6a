/**
 * A bounded, short-lived memory of successful password verifications, so a warm
 * instance does not pay bcrypt on every request of the same client. Keys are an HMAC of
 * the user id, the password and the client (its address key, client-ip.ts) under a random
 * per-instance key (the password itself is never kept). The user id, not the email as
 * typed, keys an entry, so case variants of one email cannot push other users out. An
 * entry only counts while the stored hash is the one it was verified against, so changing
 * a password invalidates it at once.
 *
 * The client is part of the key because a remembered password is an answer that costs no
 * bcrypt and passes no throttle: an entry made by the owner's phone must not tell a
 * guesser at another address which of its guesses is right. And a failed or throttled
 * sign-in for a user drops that user's entries in this instance (`forget`), so a guesser
 * sharing the owner's address loses the answer with its first wrong guess.
 */
import {createHmac, randomBytes} from 'node:crypto';

export interface VerificationCache {
  /** True when these credentials were verified from `client` against `passwordHash` within the TTL. */
  has(
    userId: string,
    password: string,
    client: string,
    passwordHash: string,
  ): boolean;
  /**
   * The stored hash these credentials were verified against from `client` within the TTL,
   * if any (the caller compares it with the hash it reads: see recognize.ts).
   */
  verifiedHash(
    userId: string,
    password: string,
    client: string,
  ): string | undefined;
  remember(
    userId: string,
    password: string,
    client: string,
    passwordHash: string,
  ): void;
  /** Drops every entry of `userId` (after a failed or throttled sign-in for that user). */
  forget(userId: string): void;
}

export function createVerificationCache(
  ttlMs: number,
  maxEntries: number,
  now: () => number = Date.now,
): VerificationCache | null {
  if (ttlMs <= 0) return null;
  const secret = randomBytes(32);
  // A Map iterates in insertion order, which makes it a cheap LRU.
  const entries = new Map<
    string,
    {userId: string; hash: string; expiresAt: number}
  >();
  const keyOf = (userId: string, password: string, client: string) =>
    createHmac('sha256', secret)
      .update(userId)
      .update('\0')
      .update(client)
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
    has(userId, password, client, passwordHash) {
      const key = keyOf(userId, password, client);
      const entry = live(key);
      if (!entry) return false;
      if (entry.hash !== passwordHash) {
        entries.delete(key);
        return false;
      }
      return true;
    },
    verifiedHash(userId, password, client) {
      return live(keyOf(userId, password, client))?.hash;
    },
    remember(userId, password, client, passwordHash) {
      const key = keyOf(userId, password, client);
      entries.delete(key);
      entries.set(key, {userId, hash: passwordHash, expiresAt: now() + ttlMs});
      while (entries.size > maxEntries)
        entries.delete(entries.keys().next().value as string);
    },
    forget(userId) {
      for (const [key, entry] of entries)
        if (entry.userId === userId) entries.delete(key);
    },
  };
}
