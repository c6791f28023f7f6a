import {createVerificationCache} from '../../../shared/auth/verification-cache';

const HERE = '203.0.113.7';

describe('verification cache', () => {
  let now = 0;
  const clock = () => now;

  it('is off with a zero TTL', () => {
    expect(createVerificationCache(0, 10)).toBeNull();
  });

  it('remembers a verification for the TTL only', () => {
    const cache = createVerificationCache(1000, 10, clock)!;
    cache.remember('1', 'pw', HERE, 'hash1');
    expect(cache.has('1', 'pw', HERE, 'hash1')).toBe(true);
    now += 1000;
    expect(cache.has('1', 'pw', HERE, 'hash1')).toBe(false);
  });

  it('forgets when the stored hash changes or the password differs', () => {
    const cache = createVerificationCache(1000, 10, clock)!;
    cache.remember('1', 'pw', HERE, 'hash1');
    expect(cache.has('1', 'other', HERE, 'hash1')).toBe(false);
    expect(cache.has('1', 'pw', HERE, 'hash2')).toBe(false);
    expect(cache.has('1', 'pw', HERE, 'hash1')).toBe(false); // dropped by the mismatch
  });

  it('answers only the client that was verified: no oracle for a guesser elsewhere', () => {
    const cache = createVerificationCache(1000, 10, clock)!;
    cache.remember('1', 'pw', HERE, 'hash1');
    expect(cache.verifiedHash('1', 'pw', HERE)).toBe('hash1');
    expect(cache.verifiedHash('1', 'pw', '198.51.100.9')).toBeUndefined();
    expect(cache.has('1', 'pw', '2001:db8::/64', 'hash1')).toBe(false);
  });

  it("forgets every entry of a user, and only that user's", () => {
    const cache = createVerificationCache(1000, 10, clock)!;
    cache.remember('1', 'pw', HERE, 'h');
    cache.remember('1', 'pw', '198.51.100.9', 'h');
    cache.remember('2', 'pw', HERE, 'h');
    cache.forget('1');
    expect(cache.verifiedHash('1', 'pw', HERE)).toBeUndefined();
    expect(cache.verifiedHash('1', 'pw', '198.51.100.9')).toBeUndefined();
    expect(cache.verifiedHash('2', 'pw', HERE)).toBe('h');
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const cache = createVerificationCache(1000, 2, clock)!;
    cache.remember('1', 'pw', HERE, 'h');
    cache.remember('2', 'pw', HERE, 'h');
    cache.remember('3', 'pw', HERE, 'h');
    expect(['1', '2', '3'].map(e => cache.has(e, 'pw', HERE, 'h'))).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('does not confuse user/password splits', () => {
    const cache = createVerificationCache(1000, 10, clock)!;
    cache.remember('ab', 'c', HERE, 'h');
    expect(cache.has('a', 'bc', HERE, 'h')).toBe(false);
  });
});
