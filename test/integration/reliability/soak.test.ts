/**
 * A bounded soak on loopback: 50 clients (one user each, so no request waits for a lease)
 * send mixed traffic for 20 s (new tokens, repeat registrations, removals), while the
 * server process's memory is sampled each second. No request fails, and memory shows no
 * growth trend: the last third of the run does not sit clearly above the middle third.
 * (The server runs in this test's process, so the sample also holds the clients' memory.)
 */
import {describeWithFirestore} from '../../support/emulators';
import {
  startDeviceStack,
  violations,
  type DeviceStack,
} from '../../support/device-stack';

const CLIENTS = 50;
const MIN_STEPS = 6;
const DURATION_MS = 20_000;
const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describeWithFirestore('soak: mixed traffic from 50 clients', () => {
  let stack: DeviceStack;
  const auth: string[] = [];

  beforeAll(async () => {
    stack = await startDeviceStack({AUTH_CACHE_TTL_MS: '60000'});
    await stack.reset();
    const bcrypt = await import('bcryptjs');
    const hash = await bcrypt.hash('soak-password', 4);
    const batch = stack.db.batch();
    for (let i = 0; i < CLIENTS; i++) {
      batch.set(stack.db.collection('users').doc(`soak${i}`), {
        email: `soak${i}@example.com`,
        password: hash,
      });
      auth.push(
        'Basic ' +
          Buffer.from(`soak${i}@example.com:soak-password`).toString('base64'),
      );
    }
    await batch.commit();
  });
  afterAll(async () => stack.close());

  it('answers every request successfully with no memory growth trend', async () => {
    const heap: number[] = [];
    const rss: number[] = [];
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      heap.push(m.heapUsed);
      rss.push(m.rss);
    }, 1000);
    const failures: string[] = [];
    let answered = 0;
    const end = Date.now() + DURATION_MS;
    await Promise.all(
      Array.from({length: CLIENTS}, async (_, i) => {
        const path = `/api/users/soak${i}/fcm_registration_tokens`;
        const mine: string[] = [];
        // At least MIN_STEPS each, however slow the machine, so the memory trend has
        // enough traffic behind it without a throughput assertion.
        for (let step = 0; step < MIN_STEPS || Date.now() < end; step++) {
          let reply;
          if (step % 4 === 3 && mine.length > 0) {
            reply = await stack.send('DELETE', path, {
              auth: auth[i],
              body: {registration_id: mine.shift()},
            });
          } else if (step % 4 === 2 && mine.length > 0) {
            reply = await stack.send('POST', path, {
              auth: auth[i],
              body: {registration_id: mine[0]},
            });
          } else {
            const token = `soak-${i}-${step}-${'t'.repeat(100)}`;
            mine.push(token);
            reply = await stack.send('POST', path, {
              auth: auth[i],
              body: {registration_id: token},
            });
          }
          answered++;
          if (![200, 201, 204].includes(reply.status))
            failures.push(`${reply.status} ${reply.text.slice(0, 120)}`);
        }
      }),
    );
    clearInterval(sampler);
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThanOrEqual(CLIENTS * MIN_STEPS);

    const third = Math.floor(heap.length / 3);
    const middle = (xs: number[]) => median(xs.slice(third, 2 * third));
    const last = (xs: number[]) => median(xs.slice(2 * third));
    const MiB = 2 ** 20;
    expect(last(heap)).toBeLessThan(middle(heap) * 1.5 + 16 * MiB);
    expect(last(rss)).toBeLessThan(middle(rss) * 1.3 + 32 * MiB);
    expect(violations(await stack.snapshot())).toEqual([]);
  });
});
