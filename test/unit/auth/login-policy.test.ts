/**
 * The throttle's rules (login-policy.ts): a table of the cases that matter, and properties
 * over every combination of counters.
 */
import fc from 'fast-check';
import {decide, type LoginLimits} from '../../../shared/auth/login-policy';

const LIMITS: LoginLimits = {
  maxFailuresPerEmailClient: 10,
  maxFailuresPerIp: 100,
  maxFailuresPerEmail: 50,
};
const counts = (
  email: number,
  emailClient: number,
  client: number,
  emailDevice = 0,
) => ({
  email,
  emailClient,
  client,
  emailDevice,
});

describe('decide', () => {
  it.each([
    // [counts, known device, decision]
    [counts(0, 0, 0), false, {kind: 'admitted', reserveOn: 'email', limit: 50}],
    [
      counts(49, 9, 99),
      false,
      {kind: 'admitted', reserveOn: 'email', limit: 50},
    ],
    [counts(10, 10, 10), false, {kind: 'throttled', by: 'email-client'}],
    [counts(10, 0, 100), false, {kind: 'throttled', by: 'client'}],
    [counts(50, 0, 0), false, {kind: 'throttled', by: 'email'}],
    // A registered device: only its own counter matters, and at zero it reserves nothing.
    [
      counts(500, 500, 5000, 0),
      true,
      {kind: 'admitted', reserveOn: null, limit: 10},
    ],
    [
      counts(500, 500, 5000, 9),
      true,
      {kind: 'admitted', reserveOn: 'email-device', limit: 10},
    ],
    [counts(0, 0, 0, 10), true, {kind: 'throttled', by: 'email-device'}],
  ])('%j (known device: %s) → %j', (given, known, decision) => {
    expect(decide(given, LIMITS, known)).toEqual(decision);
  });

  const arbitraryCounts = fc.record({
    email: fc.nat(200),
    emailClient: fc.nat(20),
    client: fc.nat(300),
    emailDevice: fc.nat(20),
  });

  it('never refuses a known device for what other clients did', () => {
    fc.assert(
      fc.property(arbitraryCounts, c => {
        const d = decide(c, LIMITS, true);
        return (
          (d.kind === 'admitted') ===
          c.emailDevice < LIMITS.maxFailuresPerEmailClient
        );
      }),
    );
  });

  it('refuses a client with no failures of its own only once the email budget is spent', () => {
    fc.assert(
      fc.property(arbitraryCounts, c => {
        const mine = {...c, emailClient: 0, client: 0};
        const d = decide(mine, LIMITS, false);
        return (
          (d.kind === 'throttled') === c.email >= LIMITS.maxFailuresPerEmail
        );
      }),
    );
  });

  it('admits an unknown client only within every limit, reserving on the email', () => {
    fc.assert(
      fc.property(arbitraryCounts, c => {
        const d = decide(c, LIMITS, false);
        const within =
          c.emailClient < LIMITS.maxFailuresPerEmailClient &&
          c.client < LIMITS.maxFailuresPerIp &&
          c.email < LIMITS.maxFailuresPerEmail;
        return d.kind === 'admitted'
          ? within && d.reserveOn === 'email'
          : !within;
      }),
    );
  });
});
