import fc from 'fast-check';
import {
  TALLY_FIELDS,
  batchState,
  isTransient,
  recipientOutcome,
  tally,
  type RecipientOutcome,
  type Tally,
} from '../../../../shared/notify/batch/outcome';

const DEVICE_OUTCOMES = [
  'sent',
  'removed',
  'kept-refreshed',
  'sender-id-mismatch',
  'unavailable',
  'quota-exceeded',
  'invalid-message',
  'failed',
  'interrupted',
];
const RECIPIENT_OUTCOMES: RecipientOutcome[] = [
  'sent',
  'failed',
  'removed',
  'no_devices',
  'unknown_user',
];

const sum = (tallies: Tally[]): Tally =>
  Object.fromEntries(
    TALLY_FIELDS.map(f => [f, tallies.reduce((n, t) => n + t[f], 0)]),
  ) as unknown as Tally;

describe('batch outcome rules', () => {
  it('retries QUOTA_EXCEEDED and UNAVAILABLE only', () => {
    expect(DEVICE_OUTCOMES.filter(isTransient)).toEqual([
      'unavailable',
      'quota-exceeded',
    ]);
  });

  it('a user is sent when any device was, removed when every device was, without devices when it has none, failed otherwise', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...DEVICE_OUTCOMES)), devices => {
        const outcome = recipientOutcome(devices);
        if (devices.length === 0) return outcome === 'no_devices';
        if (devices.includes('sent')) return outcome === 'sent';
        if (devices.every(d => d === 'removed')) return outcome === 'removed';
        return outcome === 'failed';
      }),
    );
  });

  it.each(RECIPIENT_OUTCOMES)(
    'the tally of %s is 1 in its own field and 0 in the others',
    outcome => {
      const t = tally(outcome);
      expect(TALLY_FIELDS.reduce((n, f) => n + t[f], 0)).toBe(1);
      expect(t[outcome === 'unknown_user' ? 'unknown_users' : outcome]).toBe(1);
    },
  );

  it('a batch is queued with no user finished, done with every user finished, sending in between', () => {
    fc.assert(
      fc.property(
        fc.integer({min: 1, max: 1000}),
        fc.array(fc.constantFrom(...RECIPIENT_OUTCOMES), {maxLength: 1000}),
        (users, finished) => {
          fc.pre(finished.length <= users);
          const counts = sum(finished.map(tally));
          const expected =
            finished.length === users
              ? 'done'
              : finished.length === 0
                ? 'queued'
                : 'sending';
          return (
            batchState(users, counts) === expected &&
            TALLY_FIELDS.reduce((n, f) => n + counts[f], 0) === finished.length
          );
        },
      ),
    );
  });
});
