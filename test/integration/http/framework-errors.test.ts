/**
 * Body-parser failures inside the Functions Framework's own server answer JSON, not
 * the framework's HTML page: pins shared/http/framework-errors.ts to the installed
 * framework version.
 */
import type {AddressInfo} from 'node:net';
import {getTestServer} from '@google-cloud/functions-framework/testing';
import '../../../functions/index';

describe('Functions Framework body errors', () => {
  const server = getTestServer('addDevice');
  let url: string;
  beforeAll(async () => {
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/users/1/fcm_registration_tokens`;
  });
  afterAll(() => new Promise<void>(resolve => server.close(() => resolve())));

  it.each([
    [
      'truncated JSON',
      'application/json',
      '{"registration_id":',
      400,
      'The request body is not valid JSON.',
    ],
    [
      'a JSON string',
      'application/json',
      '"token"',
      400,
      'The request body is not valid JSON.',
    ],
    [
      'an unsupported charset',
      'application/json; charset=latin1',
      '{}',
      415,
      'The request body uses an unsupported charset.',
    ],
  ])('%s answers %i JSON', async (_case, type, body, status, message) => {
    const reply = await fetch(url, {
      method: 'POST',
      headers: {'Content-Type': type},
      body,
    });
    expect(reply.status).toBe(status);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await reply.json()).toEqual({message});
  });
});
