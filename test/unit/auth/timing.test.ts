/**
 * An unknown email must cost what a wrong password costs, also for users hashed at a
 * higher cost than bcryptjs's default (Laravel 11 hashes at 12). Measured and printed;
 * the assertion is a generous ratio, never a tight timing.
 */
import bcrypt from 'bcryptjs';
import {makeAuthenticator} from '../../../shared/auth/authenticator';
import {dummyHash} from '../../../shared/auth/dummy-hash';
import type {UserRecord} from '../../../shared/auth/users';
import {createLogger} from '../../../shared/platform/logger';

const COST = 12;
const RUNS = 5;

const basic = (email: string, password: string) =>
  'Basic ' + Buffer.from(`${email}:${password}`).toString('base64');

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

jest.setTimeout(120_000);

describe('login timing', () => {
  it('takes as long for an unknown email as for a wrong password of a cost-12 user', async () => {
    const user: UserRecord = {
      id: '1',
      email: 'laravel@example.com',
      passwordHash: await bcrypt.hash('secret', COST),
      deviceIds: [],
    };
    const dummy = dummyHash(COST);
    const authenticate = makeAuthenticator({
      users: {
        get: async id => (id === user.id ? user : null),
        findByEmail: async email => (email === user.email ? user : null),
      },
      realm: 'test',
      throttle: {
        read: async () => ({
          email: 0,
          emailClient: 0,
          client: 0,
          emailDevice: 0,
        }),
        admit: async (keys, _, knownDevice) => ({
          kind: 'admitted',
          attempt: {keys, knownDevice, window: 0, reserved: null},
        }),
        settle: async () => undefined,
      },
      dummyHash: dummy,
      forwardedForHops: 1,
      log: createLogger('ERROR'),
    });
    expect((await dummy()).startsWith(`$2b$${COST}$`)).toBe(true);
    const time = async (email: string) => {
      const started = performance.now();
      await authenticate({
        authorization: basic(email, 'wrong'),
        userId: '1',
        forwardedFor: undefined,
        remoteAddress: '127.0.0.1',
      }).catch(() => undefined);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    // Interleaved, so a burst of load on the machine hits both series alike.
    for (let i = 0; i < RUNS; i++) {
      known.push(await time('laravel@example.com'));
      unknown.push(await time(`nobody-${i}@example.com`));
    }
    const ratio = median(unknown) / median(known);
    process.stderr.write(
      `login timing at cost ${COST}: wrong password median ${median(known).toFixed(0)} ms, ` +
        `unknown email median ${median(unknown).toFixed(0)} ms, ratio ${ratio.toFixed(2)}\n`,
    );
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2.0);
  });
});
