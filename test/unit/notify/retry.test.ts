import type {SendAttempt} from '../../../shared/notify/fcm-v1';
import {retryAfterMs} from '../../../shared/notify/fcm-v1';
import {
  backoffMs,
  withRetries,
  type RetryDeps,
} from '../../../shared/notify/retry';

const POLICY = {
  budgetMs: 10_000,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  attemptTimeoutMs: 1000,
};

const failed = (code: string, retryAfter?: number): SendAttempt => ({
  kind: 'failed',
  code: code as 'UNAVAILABLE',
  status: 503,
  badToken: false,
  retryAfterMs: retryAfter,
  detail: '',
});

/** A clock that only moves when the retry loop sleeps. */
function fakeWorld(random = 1): RetryDeps & {slept: number[]} {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    random: () => random,
    sleep: async ms => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe('send retries', () => {
  it('backs off exponentially with full jitter, capped, never before Retry-After', () => {
    expect(
      [0, 1, 2, 3, 4, 5].map(n => backoffMs(POLICY, n, undefined, () => 0.999)),
    ).toEqual([499, 999, 1998, 3996, 7992, 7992]);
    expect(backoffMs(POLICY, 0, 3000, () => 0.5)).toBe(3000);
    expect(backoffMs(POLICY, 0, undefined, () => 0)).toBe(0);
  });

  it.each(['UNAVAILABLE', 'INTERNAL'])(
    'retries %s until it is sent',
    async code => {
      const answers = [
        failed(code),
        failed(code, 2000),
        {kind: 'sent', name: 'n'} as const,
      ];
      const world = fakeWorld(0.5);
      const {last, attempts} = await withRetries(
        async () => answers.shift()!,
        POLICY,
        world,
      );
      expect(last).toEqual({kind: 'sent', name: 'n'});
      expect(attempts).toBe(3);
      expect(world.slept).toEqual([250, 2000]);
    },
  );

  it.each([
    'QUOTA_EXCEEDED',
    'UNREGISTERED',
    'INVALID_ARGUMENT',
    'SENDER_ID_MISMATCH',
  ])('does not retry %s', async code => {
    const world = fakeWorld();
    const {attempts} = await withRetries(
      async () => failed(code, 1000),
      POLICY,
      world,
    );
    expect(attempts).toBe(1);
    expect(world.slept).toEqual([]);
  });

  it('stops when the next wait would end past the budget', async () => {
    const world = fakeWorld();
    const {last, attempts} = await withRetries(
      async () => failed('UNAVAILABLE', 4000),
      {...POLICY, budgetMs: 9000},
      world,
    );
    expect(last.kind).toBe('failed');
    expect(world.slept).toEqual([4000, 4000]);
    expect(attempts).toBe(3);
  });

  it('reads Retry-After in seconds or as a date', () => {
    expect(retryAfterMs('30')).toBe(30_000);
    expect(retryAfterMs(new Date(61_000).toUTCString(), 1000)).toBe(60_000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
