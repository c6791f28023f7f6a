/**
 * The Postman collection: v2.1, Basic auth from variables, a baseUrl defaulting to the local
 * stack, and one request per documented example, each testing its documented status.
 */
import {buildOpenApi} from '../../../tools/docs/openapi';
import {
  buildPostmanCollection,
  POSTMAN_SCHEMA,
} from '../../../tools/docs/postman';

interface Item {
  name: string;
  event: Array<{listen: string; script: {exec: string[]}}>;
  request: {
    method: string;
    url: {raw: string};
    auth?: {type: string};
    header: Array<{key: string; value: string}>;
    body?: {raw: string};
  };
  response: Array<{code: number}>;
}

const collection = buildPostmanCollection(buildOpenApi()) as {
  info: {schema: string};
  auth: unknown;
  variable: Array<{key: string; value: string}>;
  item: Array<{name: string; item: Item[]}>;
};
const items = collection.item.flatMap(folder => folder.item);

describe('Postman collection', () => {
  it('is a v2.1 collection with collection-level Basic auth from the email and password variables', () => {
    expect(collection.info.schema).toBe(POSTMAN_SCHEMA);
    expect(collection.auth).toEqual({
      type: 'basic',
      basic: [
        {key: 'username', value: '{{email}}', type: 'string'},
        {key: 'password', value: '{{password}}', type: 'string'},
      ],
    });
    expect(
      Object.fromEntries(collection.variable.map(v => [v.key, v.value])),
    ).toEqual({
      baseUrl: 'http://localhost:40020',
      email: 'support@thinkbitsolutions.com',
      notifyIdToken: '',
      password: 's3cRe+',
    });
  });

  it('has the folders of the reference, and the reference requests first in each', () => {
    expect(collection.item.map(f => f.name)).toEqual([
      'Core',
      'Users > FCM Registration Tokens',
      'Notifications',
    ]);
    expect(items.map(i => `${i.request.method} ${i.request.url.raw}`)).toEqual([
      'GET {{baseUrl}}/api/cron',
      'GET {{baseUrl}}/api/cron',
      'GET {{baseUrl}}/api/cron',
      'POST {{baseUrl}}/api/users/:user/fcm_registration_tokens',
      'POST {{baseUrl}}/api/users/:user/fcm_registration_tokens',
      'POST {{baseUrl}}/api/users/:user/fcm_registration_tokens',
      'DELETE {{baseUrl}}/api/users/:user/fcm_registration_tokens',
      'DELETE {{baseUrl}}/api/users/:user/fcm_registration_tokens',
      'POST {{baseUrl}}/api/users/:user/notifications',
      'POST {{baseUrl}}/api/notifications',
      'GET {{baseUrl}}/api/notifications/:batch',
    ]);
    expect(items[0]!.request.header).toEqual(
      expect.arrayContaining([
        {key: 'X-Appengine-Cron', value: 'true'},
        {key: 'X-Forwarded-For', value: '10.0.0.1'},
      ]),
    );
    expect(JSON.parse(items[3]!.request.body!.raw)).toEqual({
      registration_id: expect.stringMatching(/^fIAe0YS9S1-/),
    });
  });

  it('sends Basic credentials to the device endpoints only', () => {
    expect(items.map(i => i.request.auth?.type ?? 'inherit')).toEqual([
      'noauth',
      'noauth',
      'noauth',
      'inherit',
      'inherit',
      'inherit',
      'inherit',
      'inherit',
      'bearer',
      'bearer',
      'bearer',
    ]);
  });

  it('tests each request for the status of its saved example response', () => {
    for (const item of items) {
      const code = item.response[0]!.code;
      expect(item.event).toEqual([
        {
          listen: 'test',
          script: expect.objectContaining({
            exec: expect.arrayContaining([
              `    pm.response.to.have.status(${code});`,
            ]),
          }),
        },
      ]);
    }
    expect(items.map(i => i.response[0]!.code)).toEqual([
      204, 401, 403, 201, 200, 422, 204, 422, 500, 500, 500,
    ]);
  });
});
