/**
 * The device handlers with fakes of our own interfaces (no emulator): they only translate
 * HTTP, so what they answer follows from what the registry and the authenticator say.
 */
import type {AddressInfo} from 'node:net';
import * as functions from '@google-cloud/functions-framework';
import {getTestServer} from '@google-cloud/functions-framework/testing';
import {Timestamp} from 'firebase-admin/firestore';
import {
  makeAddDevice,
  type AddDeviceRuntime,
} from '../../../functions/add-device';
import {
  makeRemoveDevice,
  type RemoveDeviceRuntime,
} from '../../../functions/remove-device';
import {parseConfig} from '../../../shared/platform/config';
import {unauthenticated} from '../../../shared/auth/authenticator';
import {unavailable} from '../../../shared/platform/errors';
import {createLogger} from '../../../shared/platform/logger';
import type {
  Admitted,
  AddResult,
  Devices,
  Verified,
} from '../../../shared/devices/devices';
import type {UserDoc} from '../../../shared/firestore/collections';

const at = Timestamp.fromDate(new Date('2020-03-18T06:35:22Z'));
const calls: string[] = [];
let registryFails = false;
/** Whether the fake recognizes the credentials, and what the "stored" user document says. */
let recognized = false;
let storedUser: UserDoc | undefined = {email: 'u1', password: 'x'};

const added = async (userId: string, token: string) => {
  if (registryFails) throw unavailable('Firebase Cloud Messaging');
  const created = token !== 'known';
  return {
    created,
    token: {
      id: 'id-1',
      user_id: userId,
      registration_id: token,
      created_at: at,
      updated_at: at,
    },
  };
};

/** The devices backend as the handlers see it: calls recorded, `verify` applied to `storedUser`. */
class FakeDevices implements Pick<Devices, 'add' | 'remove'> {
  add(userId: string, token: string): Promise<AddResult>;
  add(
    userId: string,
    token: string,
    options: Verified,
  ): Promise<Admitted<AddResult>>;
  async add(
    userId: string,
    token: string,
    options?: Verified,
  ): Promise<AddResult | Admitted<AddResult>> {
    calls.push(`add ${userId} ${token}${options ? ' verified' : ''}`);
    if (options && !options.verify(storedUser))
      return {kind: 'not-admitted' as const};
    const result = await added(userId, token);
    return options ? {kind: 'admitted' as const, result} : result;
  }

  remove(userId: string, token: string): Promise<boolean>;
  remove(
    userId: string,
    token: string,
    options: Verified,
  ): Promise<Admitted<boolean>>;
  async remove(
    userId: string,
    token: string,
    options?: Verified,
  ): Promise<boolean | Admitted<boolean>> {
    calls.push(`remove ${userId} ${token}${options ? ' verified' : ''}`);
    if (options && !options.verify(storedUser))
      return {kind: 'not-admitted' as const};
    return options ? {kind: 'admitted' as const, result: true} : true;
  }
}

const fakeRuntime = {
  config: parseConfig({FCM_EMULATOR_HOST: '127.0.0.1:1'}),
  log: createLogger('ERROR'),
  authenticate: async ({authorization}: {authorization?: string}) => {
    calls.push('authenticate');
    if (authorization !== 'Basic dTE6cHc=') throw unauthenticated('test'); // u1:pw
    return {id: '7', email: 'u1', passwordHash: 'x', deviceIds: []};
  },
  recognize: ({authorization}: {authorization?: string}) =>
    recognized && authorization === 'Basic dTE6cHc='
      ? (user: UserDoc | undefined) => user?.password === 'x'
      : null,
  devices: new FakeDevices(),
} satisfies AddDeviceRuntime & RemoveDeviceRuntime;

functions.http(
  'addDeviceUnit',
  makeAddDevice(() => fakeRuntime),
);
functions.http(
  'removeDeviceUnit',
  makeRemoveDevice(() => fakeRuntime),
);

describe('device handlers with fake dependencies', () => {
  const servers = [
    getTestServer('addDeviceUnit'),
    getTestServer('removeDeviceUnit'),
  ];
  const urls: string[] = [];
  beforeAll(async () => {
    for (const server of servers) {
      await new Promise<void>(resolve =>
        server.listen(0, '127.0.0.1', resolve),
      );
      urls.push(
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/users/7/fcm_registration_tokens`,
      );
    }
  });
  afterAll(async () =>
    Promise.all(servers.map(s => new Promise(resolve => s.close(resolve)))),
  );
  beforeEach(() => {
    calls.length = 0;
    registryFails = false;
    recognized = false;
    storedUser = {email: 'u1', password: 'x'};
  });

  const send = (
    i: number,
    method: string,
    body: unknown,
    auth = 'Basic dTE6cHc=',
  ) =>
    fetch(urls[i]!, {
      method,
      headers: {Authorization: auth, 'Content-Type': 'application/json'},
      body: JSON.stringify(body),
    });

  it('answers 201 for a new device and 200 for a known one, in the Laravel shape', async () => {
    const created = await send(0, 'POST', {registration_id: 'new'});
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({
      id: 'id-1',
      user_id: 7,
      registration_id: 'new',
      created_at: '2020-03-18 06:35:22',
      updated_at: '2020-03-18 06:35:22',
    });
    expect((await send(0, 'POST', {registration_id: 'known'})).status).toBe(
      200,
    );
    expect(calls).toEqual([
      'authenticate',
      'add 7 new',
      'authenticate',
      'add 7 known',
    ]);
  });

  it('answers 204 with no body for a removal', async () => {
    const reply = await send(1, 'DELETE', {registration_id: 'gone'});
    expect(reply.status).toBe(204);
    expect(await reply.text()).toBe('');
    expect(calls).toEqual(['authenticate', 'remove 7 gone']);
  });

  it('takes the short way for recognized credentials: the effect checks them, no authentication call', async () => {
    recognized = true;
    const created = await send(0, 'POST', {registration_id: 'new'});
    expect(created.status).toBe(201);
    expect(
      ((await created.json()) as {registration_id: string}).registration_id,
    ).toBe('new');
    const removed = await send(1, 'DELETE', {registration_id: 'gone'});
    expect(removed.status).toBe(204);
    expect(calls).toEqual(['add 7 new verified', 'remove 7 gone verified']);
  });

  it('goes the full way when the stored user no longer admits the recognized credentials', async () => {
    recognized = true;
    storedUser = {email: 'u1', password: 'changed'};
    const reply = await send(0, 'POST', {registration_id: 'new'});
    expect(reply.status).toBe(201);
    expect(calls).toEqual(['add 7 new verified', 'authenticate', 'add 7 new']);
  });

  it('keeps the contract order on the short way: a bad body is refused after authentication', async () => {
    recognized = true;
    const reply = await send(0, 'POST', {registration_id: ''});
    expect(reply.status).toBe(422);
    expect(calls).toEqual(['authenticate']);
    const wrong = await send(0, 'POST', {}, 'Basic bad');
    expect(wrong.status).toBe(401);
  });

  it('does not reach the registry when authentication or validation fails', async () => {
    expect(
      (await send(0, 'POST', {registration_id: 'x'}, 'Basic bad')).status,
    ).toBe(401);
    expect((await send(0, 'POST', {})).status).toBe(422);
    expect((await send(1, 'POST', {registration_id: 'x'})).status).toBe(405);
    expect(calls).toEqual(['authenticate', 'authenticate']);
  });

  it("passes the registry's 503 through with Retry-After", async () => {
    registryFails = true;
    const reply = await send(0, 'POST', {registration_id: 'x'});
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(await reply.json()).toEqual({
      message:
        'Firebase Cloud Messaging is temporarily unavailable. Please retry.',
    });
  });
});
