import {createVerificationCache} from '../../../shared/auth/verification-cache';

describe('verification cache', () => {
  let now = 0;
  const clock = () => now;

  it('is off with a zero TTL', () => {
    expect(createVerificationCache(0, 10)).toBeNull();
  });

  it('remembers a verification for the TTL only', () => {
    const cache = createVerificationCache(1000, 10, clock)!;
    cache.remember('a@b.c', 'pw', 'hash1');
    expect(cache.has('a@b.c', 'pw', 'hash1')).toBe(true);
    now += 1000;
    expect(cache.has('a@b.c', 'pw', 'hash1')).toBe(false);
  });

  it('forgets when the stored hash changes or the password differs', () => {
    const cache = createVerificationCache(1000, 10, clock)!;
    cache.remember('a@b.c', 'pw', 'hash1');
    expect(cache.has('a@b.c', 'other', 'hash1')).toBe(false);
    expect(cache.has('a@b.c', 'pw', 'hash2')).toBe(false);
    expect(cache.has('a@b.c', 'pw', 'hash1')).toBe(false); // dropped by the mismatch
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const cache = createVerificationCache(1000, 2, clock)!;
    cache.remember('1', 'pw', 'h');
    cache.remember('2', 'pw', 'h');
    cache.remember('3', 'pw', 'h');
    expect(['1', '2', '3'].map(e => cache.has(e, 'pw', 'h'))).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('does not confuse email/password splits', () => {
    const cache = createVerificationCache(1000, 10, clock)!;
    cache.remember('ab', 'c', 'h');
    expect(cache.has('a', 'bc', 'h')).toBe(false);
  });
});
