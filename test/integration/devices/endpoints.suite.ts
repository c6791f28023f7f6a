/**
 * addDevice and removeDevice over HTTP against the Firestore emulator and the FCM
 * emulator: statuses, exact bodies, and the state left in both stores. The same suite
 * runs against both backends (endpoints.test.ts, endpoints-firestore.test.ts): every
 * status, body and rule is the same; only where the group lives differs.
 */
import {describeWithFirestore} from '../../support/emulators';
import {
  basic,
  startDeviceStack,
  violations as storeViolations,
  type Backend,
  type DeviceStack,
  type StoresSnapshot,
} from '../../support/device-stack';
import {tokenId} from '../../../shared/firestore/collections';
import {tombstones} from '../../support/tombstones';

const PATH = '/api/users/1/fcm_registration_tokens';
const EMAIL = 'support@thinkbitsolutions.com';
const PASSWORD = 's3cRe+';
const TOKEN =
  'fIAe0YS9S1-FyQDlQ24Edu:APA91bF2NDdGgK8UR26uSFvXw2RSXGJ2A1o57f2yh_iDSQ8gYbszgPEcWnanlQCeYO7okp6XNqEVwtjMSVz8RQPNpMtzb4vseRKGov5Wm6PkpK5gDy30SkzrtnjIvCO4nHqTpfmjL2wo';
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const UNAUTHENTICATED = {message: 'Unauthenticated.'};
const FORBIDDEN = {message: 'This action is unauthorized.'};
const invalid = (message: string) => ({
  message: 'The given data was invalid.',
  errors: {registration_id: [message]},
});

/** The device endpoints' suite, against the `backend` given (DEVICE_GROUPS). */
export function describeDeviceEndpoints(backend: Backend): void {
  describeWithFirestore(`device endpoints (${backend} backend)`, () => {
    let stack: DeviceStack;
    let auth: string;
    let auth2: string;

    beforeAll(async () => {
      stack = await startDeviceStack({DEVICE_GROUPS: backend});
    });
    const violations = (state: StoresSnapshot) =>
      storeViolations(state, 20, backend);
    /** The users' groups as the backend keeps them: FCM groups, or none at all. */
    const expectedGroups = (
      state: StoresSnapshot,
      groups: Array<[string, string[]]>,
    ) =>
      backend === 'firestore'
        ? []
        : groups.map(([user, tokens]) => ({
            notification_key_name: `test_users-${user}`,
            notification_key: state.keys[user],
            registration_ids: tokens,
          }));
    afterAll(async () => stack.close());
    beforeEach(async () => {
      await stack.reset();
      auth = await stack.seedUser('1', EMAIL, PASSWORD);
      auth2 = await stack.seedUser('2', 'someone@example.com', 'secret');
    });

    const add = (token: unknown, authorization = auth, path = PATH) =>
      stack.send('POST', path, {
        auth: authorization,
        body: {registration_id: token},
      });
    const remove = (token: unknown, authorization = auth, path = PATH) =>
      stack.send('DELETE', path, {
        auth: authorization,
        body: {registration_id: token},
      });

    async function expectUnchanged(
      before: Awaited<ReturnType<DeviceStack['snapshot']>>,
    ) {
      expect(await stack.snapshot()).toEqual(before);
    }

    describe('a warm instance (credentials verified moments ago)', () => {
      it('refuses the old password at once after a change, and takes the new one', async () => {
        expect((await add(TOKEN)).status).toBe(201);
        expect((await add(TOKEN)).status).toBe(200);
        const changed = await stack.seedUser('1', EMAIL, 'n3w-pass');
        const before = await stack.snapshot();
        const refused = await add(TOKEN);
        expect(refused.status).toBe(401);
        expect(refused.json).toEqual(UNAUTHENTICATED);
        expect((await remove(TOKEN)).status).toBe(401);
        await expectUnchanged(before);
        expect((await add(TOKEN, changed)).status).toBe(200);
      });

      it("answers 403 for another user's verified credentials, every time, and changes nothing", async () => {
        expect(
          (await add('theirs', auth2, '/api/users/2/fcm_registration_tokens'))
            .status,
        ).toBe(201);
        const before = await stack.snapshot();
        for (let i = 0; i < 2; i++) {
          const reply = await add(TOKEN, auth2);
          expect(reply.status).toBe(403);
          expect(reply.json).toEqual(FORBIDDEN);
          expect((await remove('theirs', auth2)).status).toBe(403);
        }
        await expectUnchanged(before);
      });

      it('refuses the old email after it changed', async () => {
        expect((await add(TOKEN)).status).toBe(201);
        await stack.seedUser('1', 'moved@example.com', PASSWORD);
        const before = await stack.snapshot();
        expect((await add(TOKEN)).status).toBe(401);
        await expectUnchanged(before);
      });
    });

    describe('addDevice', () => {
      it('registers a token: 201 with the Laravel body, stored in Firestore and in a new FCM group', async () => {
        const reply = await add(TOKEN);
        expect(reply.status).toBe(201);
        expect(reply.json).toEqual({
          id: tokenId(TOKEN),
          user_id: 1,
          registration_id: TOKEN,
          created_at: expect.stringMatching(TIMESTAMP),
          updated_at: expect.stringMatching(TIMESTAMP),
        });
        const state = await stack.snapshot();
        expect(state.tokens).toEqual({'1': [TOKEN]});
        expect(state.groups).toEqual(expectedGroups(state, [['1', [TOKEN]]]));
        expect(violations(state)).toEqual([]);
      });

      it('accepts the path without /api and a form-encoded body', async () => {
        const reply = await stack.send(
          'POST',
          '/users/1/fcm_registration_tokens',
          {
            auth,
            body: `registration_id=${encodeURIComponent(TOKEN)}`,
            headers: {'Content-Type': 'application/x-www-form-urlencoded'},
          },
        );
        expect(reply.status).toBe(201);
        expect((await stack.snapshot()).tokens).toEqual({'1': [TOKEN]});
      });

      it('answers 200 with the stored token and refreshes updated_at when the user already has it', async () => {
        const first = (await add(TOKEN)).json as Record<string, string>;
        const before = await stack.snapshot();
        await stack.db
          .collection('fcm_registration_tokens')
          .doc(tokenId(TOKEN))
          .update({updated_at: new Date('2020-03-18T06:35:22Z')});
        const again = await add(TOKEN);
        expect(again.status).toBe(200);
        expect(again.json).toEqual({
          ...first,
          updated_at: expect.stringMatching(TIMESTAMP),
        });
        expect((again.json as Record<string, string>).updated_at).not.toBe(
          '2020-03-18 06:35:22',
        );
        expect(await stack.snapshot()).toEqual(before);
      });

      it('drops the least recently registered device at the maximum of 20', async () => {
        for (let i = 0; i < 20; i++)
          expect(
            (await add(`token-${String(i).padStart(2, '0')}`)).status,
          ).toBe(201);
        expect((await add('token-00')).status).toBe(200); // refreshed: now the most recent
        expect((await add('token-20')).status).toBe(201);
        const state = await stack.snapshot();
        expect(state.tokens['1']).toHaveLength(20);
        expect(state.tokens['1']).not.toContain('token-01');
        expect(state.tokens['1']).toContain('token-00');
        expect(state.tokens['1']).toContain('token-20');
        expect(violations(state)).toEqual([]);
        expect(await tombstones(stack.db)).toEqual({
          [tokenId('token-01')]: '1:evicted',
        });
      });

      it("moves a token registered to another user out of that user's group", async () => {
        expect(
          (await add(TOKEN, auth2, '/api/users/2/fcm_registration_tokens'))
            .status,
        ).toBe(201);
        expect(
          (
            await add(
              'other-device',
              auth2,
              '/api/users/2/fcm_registration_tokens',
            )
          ).status,
        ).toBe(201);
        const reply = await add(TOKEN);
        expect(reply.status).toBe(201);
        expect(reply.json).toMatchObject({user_id: 1, registration_id: TOKEN});
        const state = await stack.snapshot();
        expect(state.tokens).toEqual({'1': [TOKEN], '2': ['other-device']});
        expect(violations(state)).toEqual([]);
      });

      it("deletes the previous owner's group when the moved token was its last", async () => {
        await add(TOKEN, auth2, '/api/users/2/fcm_registration_tokens');
        expect((await add(TOKEN)).status).toBe(201);
        const state = await stack.snapshot();
        expect(state.groups).toEqual(expectedGroups(state, [['1', [TOKEN]]]));
        expect(state.keys['2']).toBeUndefined();
        expect(violations(state)).toEqual([]);
      });
    });

    describe('removeDevice', () => {
      it('removes the token: 204 with an empty body; the last one takes the group and the key with it', async () => {
        await add(TOKEN);
        await add('second');
        expect(await remove('second')).toMatchObject({status: 204, text: ''});
        let state = await stack.snapshot();
        expect(state.tokens).toEqual({'1': [TOKEN]});
        expect(violations(state)).toEqual([]);
        expect(await remove(TOKEN)).toMatchObject({status: 204, text: ''});
        state = await stack.snapshot();
        expect(state).toEqual({
          tokens: {},
          keys: {},
          devices: {},
          groups: [],
          locks: [],
        });
        expect(await tombstones(stack.db)).toEqual({
          [tokenId('second')]: '1:removed',
          [tokenId(TOKEN)]: '1:removed',
        });
      });

      it('registering a removed token again deletes its tombstone in the same write', async () => {
        await add(TOKEN);
        await add('second');
        expect((await remove(TOKEN)).status).toBe(204);
        expect(await tombstones(stack.db)).toEqual({
          [tokenId(TOKEN)]: '1:removed',
        });
        expect((await add(TOKEN)).status).toBe(201);
        expect(await tombstones(stack.db)).toEqual({});
        const state = await stack.snapshot();
        expect(state.tokens).toEqual({'1': ['second', TOKEN].sort()});
        expect(violations(state)).toEqual([]);
      });

      it("answers 204 and changes nothing for a token the user does not have, even another user's", async () => {
        await add(TOKEN, auth2, '/api/users/2/fcm_registration_tokens');
        const before = await stack.snapshot();
        expect((await remove(TOKEN)).status).toBe(204);
        expect((await remove('never-registered')).status).toBe(204);
        await expectUnchanged(before);
        expect(before.tokens).toEqual({'2': [TOKEN]});
        // Another user's token is left alone; a token nobody holds (a device Laravel alone
        // knew, signed out here) leaves a tombstone, so a re-import does not bring it back.
        expect(await tombstones(stack.db)).toEqual({
          [tokenId('never-registered')]: '1:removed',
        });
        // Signed out again: the first tombstone stays as it is.
        expect((await remove('never-registered')).status).toBe(204);
        expect(await tombstones(stack.db)).toEqual({
          [tokenId('never-registered')]: '1:removed',
        });
      });
    });

    describe.each([
      ['addDevice', 'POST'],
      ['removeDevice', 'DELETE'],
    ])('%s refuses bad requests and changes nothing', (_name, method) => {
      const send = (options: Parameters<DeviceStack['send']>[2], path = PATH) =>
        stack.send(method, path, options);
      let before: Awaited<ReturnType<DeviceStack['snapshot']>>;
      beforeEach(async () => {
        await add('existing');
        before = await stack.snapshot();
      });
      afterEach(async () => expectUnchanged(before));

      it.each([
        ['no Authorization header', undefined],
        ['a wrong password', basic(EMAIL, 'wrong')],
        ['an unknown email', basic('nobody@example.com', PASSWORD)],
        ['malformed base64', 'Basic !!!notbase64'],
        ['no colon', 'Basic ' + Buffer.from(EMAIL).toString('base64')],
        ['another scheme', 'Bearer abc'],
        ['a password over 72 bytes', basic(EMAIL, 'p'.repeat(73))],
      ])('401 for %s', async (_case, authorization) => {
        const reply = await send({
          auth: authorization,
          body: {registration_id: TOKEN},
        });
        expect(reply.status).toBe(401);
        expect(reply.json).toEqual(UNAUTHENTICATED);
        expect(reply.headers.get('www-authenticate')).toMatch(
          /^Basic realm="[^"]+"/,
        );
      });

      it.each([
        ['another user', '/api/users/2/fcm_registration_tokens'],
        [
          'a user that does not exist',
          '/api/users/999/fcm_registration_tokens',
        ],
        ['a differently spelled id', '/api/users/01/fcm_registration_tokens'],
      ])('403 for %s', async (_case, path) => {
        const reply = await send({auth, body: {registration_id: TOKEN}}, path);
        expect(reply.status).toBe(403);
        expect(reply.json).toEqual(FORBIDDEN);
      });

      it.each([
        ['a missing field', {}, 'The registration id field is required.'],
        [
          'an empty string',
          {registration_id: ''},
          'The registration id field is required.',
        ],
        [
          'whitespace',
          {registration_id: '   '},
          'The registration id field is required.',
        ],
        [
          'null',
          {registration_id: null},
          'The registration id field is required.',
        ],
        [
          'a number',
          {registration_id: 42},
          'The registration id must be a string.',
        ],
        [
          'an array',
          {registration_id: ['a']},
          'The registration id must be a string.',
        ],
        [
          'an object',
          {registration_id: {a: 1}},
          'The registration id must be a string.',
        ],
        [
          '4097 characters',
          {registration_id: 'a'.repeat(4097)},
          'The registration id may not be greater than 4096 characters.',
        ],
        [
          'a NUL byte',
          {registration_id: 'abc\u0000def'},
          'The registration id format is invalid.',
        ],
      ])('422 for %s', async (_case, body, message) => {
        const reply = await send({auth, body});
        expect(reply.status).toBe(422);
        expect(reply.json).toEqual(invalid(message));
      });

      it('400 for malformed JSON', async () => {
        const reply = await send({auth, body: '{"registration_id":'});
        expect(reply.status).toBe(400);
        expect(reply.json).toEqual({
          message: 'The request body is not valid JSON.',
        });
      });

      it('413 for a body over 64 KiB', async () => {
        const reply = await send({
          auth,
          body: {registration_id: 'a', pad: 'x'.repeat(64 * 1024)},
        });
        expect(reply.status).toBe(413);
        expect(reply.json).toEqual({
          message: 'The request body may not be larger than 65536 bytes.',
        });
      });

      it('415 for a body that is neither JSON nor a form', async () => {
        const reply = await send({
          auth,
          body: 'registration_id',
          headers: {'Content-Type': 'text/plain'},
        });
        expect(reply.status).toBe(415);
        expect(reply.json).toEqual({
          message:
            'The request body must be application/json or application/x-www-form-urlencoded.',
        });
      });

      it('404 for an unknown path', async () => {
        const reply = await send(
          {auth, body: {registration_id: TOKEN}},
          '/api/users/1/tokens',
        );
        expect(reply.status).toBe(404);
        expect(reply.json).toEqual({message: 'Not Found.'});
      });
    });

    it('405 with Allow for another method', async () => {
      const reply = await stack.send('PUT', PATH, {
        auth,
        body: {registration_id: TOKEN},
      });
      expect(reply.status).toBe(405);
      expect(reply.headers.get('allow')).toBe('POST, DELETE');
      expect(reply.json).toEqual({
        message: 'The method is not supported for this route.',
      });
    });

    if (backend === 'firestore') {
      it('makes no device-group call at all: add, refresh, evict, move and remove', async () => {
        for (let i = 0; i < 21; i++)
          expect((await add(`t-${i}`)).status).toBe(201);
        expect((await add('t-20')).status).toBe(200);
        expect(
          (await add('t-20', auth2, '/api/users/2/fcm_registration_tokens'))
            .status,
        ).toBe(201);
        expect((await remove('t-19')).status).toBe(204);
        expect(await stack.fcm.calls(stack.senderId)).toEqual([]);
        const state = await stack.snapshot();
        expect(state.tokens['1']).toHaveLength(18);
        expect(state.tokens['2']).toEqual(['t-20']);
        expect(violations(state)).toEqual([]);
      });
    }
  });
}
