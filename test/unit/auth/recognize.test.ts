/** The read-free authentication of recognized credentials (no emulator: a real cache). */
import {makeRecognizer} from '../../../shared/auth/recognize';
import {createVerificationCache} from '../../../shared/auth/verification-cache';

const basic = (email: string, password: string) =>
  `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
const request = (
  authorization: string | undefined,
  userId = '7',
  remoteAddress = '127.0.0.1',
) => ({
  authorization,
  userId,
  forwardedFor: undefined,
  remoteAddress,
});

describe('makeRecognizer', () => {
  const cache = createVerificationCache(60_000, 10)!;
  cache.remember('7', 'pw', '127.0.0.1', 'hash-1');
  const recognize = makeRecognizer(cache, 1);

  it('admits the verified credentials on a user document with the same email and hash', () => {
    const admit = recognize(request(basic('U1@Example.com ', 'pw')))!;
    expect(admit({email: 'u1@example.com', password: 'hash-1'})).toBe(true);
  });

  it('does not admit a changed hash, another email, or no document', () => {
    const admit = recognize(request(basic('u1@example.com', 'pw')))!;
    expect(admit({email: 'u1@example.com', password: 'hash-2'})).toBe(false);
    expect(admit({email: 'u2@example.com', password: 'hash-1'})).toBe(false);
    expect(admit(undefined)).toBe(false);
  });

  it('does not recognize other passwords, other users, or no credentials', () => {
    expect(recognize(request(basic('u1@example.com', 'other')))).toBeNull();
    expect(recognize(request(basic('u1@example.com', 'pw'), '8'))).toBeNull();
    expect(recognize(request(undefined))).toBeNull();
    expect(recognize(request('Basic !!!'))).toBeNull();
  });

  it('does not recognize the right credentials from another client', () => {
    expect(
      recognize(request(basic('u1@example.com', 'pw'), '7', '198.51.100.9')),
    ).toBeNull();
  });

  it('recognizes nothing with the cache off', () => {
    expect(
      makeRecognizer(null, 1)(request(basic('u1@example.com', 'pw'))),
    ).toBeNull();
  });
});
