/**
 * Many requests for one user at once, and FCM failing: every request gets a correct
 * answer, and afterwards Firestore and the FCM groups agree. The races run against both
 * backends (concurrency.test.ts, concurrency-firestore.test.ts); FCM faults only concern
 * the `fcm` backend.
 */
import {describeWithFirestore} from '../../support/emulators';
import {
  startDeviceStack,
  violations as storeViolations,
  type Backend,
  type DeviceStack,
  type StoresSnapshot,
} from '../../support/device-stack';

const path = (user: string) => `/api/users/${user}/fcm_registration_tokens`;

/** The concurrency suite against the `backend` given (DEVICE_GROUPS). */
export function describeConcurrency(backend: Backend): void {
  describeWithFirestore(
    `device endpoints under concurrency (${backend} backend)`,
    () => {
      let stack: DeviceStack;
      const auth: Record<string, string> = {};

      beforeAll(async () => {
        // This suite is about serialization under contention, far past the production
        // waiter cap (LOCK_MAX_WAITERS), which test/integration/devices/leases.test.ts covers.
        stack = await startDeviceStack({
          DEVICE_GROUPS: backend,
          FCM_TIMEOUT_MS: '1000',
          LOCK_MAX_WAITERS: '100',
        });
      });
      const violations = (state: StoresSnapshot) =>
        storeViolations(state, 20, backend);
      afterAll(async () => stack.close());
      beforeEach(async () => {
        await stack.reset();
        for (const id of ['1', '2', '3'])
          auth[id] = await stack.seedUser(
            id,
            `user${id}@example.com`,
            `pw-${id}`,
          );
      });

      const add = (user: string, token: string, as = user) =>
        stack.send('POST', path(user), {
          auth: auth[as],
          body: {registration_id: token},
        });
      const remove = (user: string, token: string) =>
        stack.send('DELETE', path(user), {
          auth: auth[user],
          body: {registration_id: token},
        });

      it('30 concurrent adds for one user: all 201, the 20 kept are in the group, nothing else', async () => {
        const tokens = Array.from({length: 30}, (_, i) => `burst-${i}`);
        const replies = await Promise.all(tokens.map(t => add('1', t)));
        expect(replies.map(r => r.status)).toEqual(tokens.map(() => 201));
        const state = await stack.snapshot();
        expect(state.tokens['1']).toHaveLength(20);
        expect(violations(state)).toEqual([]);
      });

      it('client retries of the same token at once: one 201, the rest 200, one stored token', async () => {
        const replies = await Promise.all(
          Array.from({length: 10}, () => add('1', 'retried')),
        );
        const statuses = replies.map(r => r.status).sort();
        expect(statuses).toEqual([
          200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
        ]);
        const state = await stack.snapshot();
        expect(state.tokens).toEqual({'1': ['retried']});
        expect(violations(state)).toEqual([]);
      });

      it('three users racing for the same tokens and removing them: the stores agree, each token has one owner', async () => {
        const work = [];
        for (let i = 0; i < 8; i++) {
          for (const user of ['1', '2', '3'])
            work.push(add(user, `shared-${i % 4}`));
          work.push(remove(['1', '2', '3'][i % 3]!, `shared-${(i + 1) % 4}`));
        }
        const replies = await Promise.all(work);
        for (const reply of replies)
          expect([200, 201, 204]).toContain(reply.status);
        expect(violations(await stack.snapshot())).toEqual([]);
      });

      it('two users registering the same new token at the same moment: both succeed, one owns it', async () => {
        for (let round = 0; round < 6; round++) {
          const token = `contested-${round}`;
          const replies = await Promise.all([add('1', token), add('2', token)]);
          expect(replies.map(r => r.status).sort()).toEqual([201, 201]);
          const state = await stack.snapshot();
          const owners = ['1', '2'].filter(u =>
            (state.tokens[u] ?? []).includes(token),
          );
          expect(owners).toHaveLength(1);
          expect(violations(state)).toEqual([]);
        }
      });

      if (backend === 'firestore') return;

      it.each([
        ['a 500', {mode: 'http500' as const}],
        [
          'a 400 with an unknown text',
          {mode: 'http400' as const, error: 'something new'},
        ],
        ['a timeout', {mode: 'timeout' as const}],
        ['a closed connection', {mode: 'close' as const}],
      ])(
        'FCM failing with %s: 503 with Retry-After, and the stores still agree',
        async (_case, fault) => {
          await add('1', 'kept');
          await stack.fcm.injectFault({
            ...fault,
            project: stack.senderId,
            count: 1,
          });
          const reply = await add('1', 'new-device');
          expect(reply.status).toBe(503);
          expect(reply.headers.get('retry-after')).toBe('5');
          expect(reply.json).toEqual({
            message:
              'Firebase Cloud Messaging is temporarily unavailable. Please retry.',
          });
          const state = await stack.snapshot();
          expect(state.tokens).toEqual({'1': ['kept']});
          expect(state.groups.map(g => g.registration_ids)).toEqual([['kept']]);
          // The failed operation stays pending on the lease, and the next request repairs it.
          expect((await add('1', 'new-device')).status).toBe(201);
          expect(violations(await stack.snapshot())).toEqual([]);
        },
      );

      it('an FCM answer lost after the group changed: the next request for the user reconciles', async () => {
        await add('1', 'kept');
        await stack.fcm.injectFault({
          mode: 'http500',
          afterApply: true,
          project: stack.senderId,
          count: 1,
        });
        expect((await add('1', 'lost-answer')).status).toBe(503);
        expect((await stack.snapshot()).groups[0]!.registration_ids).toEqual([
          'kept',
          'lost-answer',
        ]);
        expect((await remove('1', 'kept')).status).toBe(204);
        const state = await stack.snapshot();
        expect(state.tokens).toEqual({});
        expect(state.groups).toEqual([]);
        expect(violations(state)).toEqual([]);
      });

      it('a failed removal leaves the token registered in both stores', async () => {
        await add('1', 'a');
        await add('1', 'b');
        await stack.fcm.injectFault({
          mode: 'http503',
          project: stack.senderId,
          count: 1,
        });
        const reply = await remove('1', 'a');
        expect(reply.status).toBe(503);
        const state = await stack.snapshot();
        expect(state.tokens).toEqual({'1': ['a', 'b']});
        expect(state.groups[0]!.registration_ids).toEqual(['a', 'b']);
        expect((await remove('1', 'a')).status).toBe(204);
        expect(violations(await stack.snapshot())).toEqual([]);
      });
    },
  );
}
