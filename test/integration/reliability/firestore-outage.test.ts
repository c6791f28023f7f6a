/**
 * Firestore becoming unreachable mid-run, under mixed concurrent load: its own official
 * emulator is frozen (SIGSTOP: it keeps its data but answers nothing) and thawed again.
 * Every request either succeeds or answers 503 with Retry-After, within the deadline and
 * never with another 5xx; once Firestore is back and each user's lease has been repaired,
 * Firestore and FCM agree and no token a client was told was stored is missing.
 */
import {locateFirestoreEmulator} from '../../../tools/firestore-emulator/locate';
import {
  startFirestoreEmulator,
  type RunningFirestore,
} from '../../../tools/firestore-emulator/start';
import {describeWithFirestore} from '../../support/emulators';
import {
  startDeviceStack,
  violations,
  type DeviceStack,
  type Reply,
} from '../../support/device-stack';

const USERS = ['1', '2', '3', '4'];
const path = (user: string) => `/api/users/${user}/fcm_registration_tokens`;
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

describeWithFirestore('device endpoints while Firestore is unreachable', () => {
  let emulator: RunningFirestore;
  let stack: DeviceStack;
  const auth: Record<string, string> = {};

  beforeAll(async () => {
    const write = process.stdout.write.bind(process.stdout);
    jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) =>
        String(chunk).includes('Firestore did not answer')
          ? true
          : write(chunk),
      ); // expected 503 logs
    const located = locateFirestoreEmulator();
    if (!('command' in located)) throw new Error(located.missing);
    emulator = await startFirestoreEmulator({command: located.command});
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
    stack = await startDeviceStack({
      FIRESTORE_TIMEOUT_MS: '1500',
      // LOCK_TTL_MS must hold six FCM calls and the commit (see the config parser).
      FCM_TIMEOUT_MS: '400',
      LOCK_TTL_MS: '4000',
      LOCK_WAIT_MS: '3000',
    });
    for (const id of USERS)
      auth[id] = await stack.seedUser(id, `user${id}@example.com`, `pw-${id}`);
  }, 60_000);
  afterAll(async () => {
    emulator?.resume?.();
    await stack?.close();
    await emulator?.stop();
    jest.restoreAllMocks();
  });

  it('answers successes or 503 + Retry-After, and repairs to agreement afterwards', async () => {
    const unclean: string[] = [];
    const last = new Map<string, 'stored' | 'gone' | 'unknown'>(); // per `${user}|${token}`
    let outageAnswers = 0;
    let paused = false;
    const record = (
      user: string,
      token: string,
      reply: Reply,
      op: 'add' | 'remove',
      elapsedMs: number,
    ) => {
      const ok = [200, 201, 204].includes(reply.status);
      const unavailable =
        reply.status === 503 && reply.headers.get('retry-after') === '5';
      if (!ok && !unavailable)
        unclean.push(
          `${op} ${user} ${token}: ${reply.status} ${reply.text.slice(0, 120)}`,
        );
      if (elapsedMs > 12_000)
        unclean.push(`${op} ${user} ${token} took ${elapsedMs} ms`);
      if (paused && unavailable) outageAnswers++;
      last.set(
        `${user}|${token}`,
        unavailable ? 'unknown' : op === 'add' ? 'stored' : 'gone',
      );
    };
    const outage = (async () => {
      await sleep(800);
      emulator.pause!();
      paused = true;
      await sleep(3500);
      paused = false;
      emulator.resume!();
    })();

    const started = Date.now();
    await Promise.all(
      USERS.map(async user => {
        const mine: string[] = [];
        for (let step = 0; Date.now() - started < 7000 && step < 24; step++) {
          const remove = step % 3 === 2 && mine.length > 0;
          const token = remove ? mine.shift()! : `u${user}-${step}`;
          if (!remove) mine.push(token);
          const t0 = Date.now();
          const reply = await stack.send(
            remove ? 'DELETE' : 'POST',
            path(user),
            {
              auth: auth[user],
              body: {registration_id: token},
            },
          );
          record(
            user,
            token,
            reply,
            remove ? 'remove' : 'add',
            Date.now() - t0,
          );
          await sleep(50);
        }
      }),
    );
    await outage;
    expect(unclean).toEqual([]);
    expect(outageAnswers).toBeGreaterThan(0); // the outage did hit requests

    // Leases taken while Firestore was away may still be held: they expire (LOCK_TTL_MS),
    // then one request per user takes the lease over and reconciles.
    await sleep(4500);
    for (const user of USERS) {
      const reply = await stack.send('POST', path(user), {
        auth: auth[user],
        body: {registration_id: `repair-${user}`},
      });
      expect(`${reply.status} ${reply.text}`).toBe(`201 ${reply.text}`);
    }
    const state = await stack.snapshot();
    expect(violations(state)).toEqual([]);
    const lost: string[] = [];
    for (const [key, outcome] of last) {
      const [user, token] = key.split('|') as [string, string];
      const has = (state.tokens[user] ?? []).includes(token);
      if (outcome === 'stored' && !has)
        lost.push(`${token} (answered stored) is missing`);
      if (outcome === 'gone' && has)
        lost.push(`${token} (answered removed) is still there`);
    }
    expect(lost).toEqual([]);
  }, 60_000);
});
