/**
 * `npm start`'s stack answers the API reference's curl examples as documented.
 */
import fs from 'node:fs';
import path from 'node:path';
import {Firestore} from '@google-cloud/firestore';
import {
  describeWithFirestore,
  resetFirestore,
  uniqueProjectId,
} from '../../support/emulators';
import {
  startLocalStack,
  type LocalStack,
} from '../../../tools/local-stack/stack';
import {seedDemoUser} from '../../../tools/local-stack/seed';

const CREDENTIALS = 'c3VwcG9ydEB0aGlua2JpdHNvbHV0aW9ucy5jb206czNjUmUr';
const TOKEN =
  'fIAe0YS9S1-FyQDlQ24Edu:APA91bF2NDdGgK8UR26uSFvXw2RSXGJ2A1o57f2yh_iDSQ8gYbszgPEcWnanlQCeYO7okp6XNqEVwtjMSVz8RQPNpMtzb4vseRKGov5Wm6PkpK5gDy30SkzrtnjIvCO4nHqTpfmjL2wo';
const headers = {
  'Content-Type': 'application/json',
  Accept: 'application/json',
  Authorization: `Basic ${CREDENTIALS}`,
};

describeWithFirestore('local stack (npm start)', () => {
  let stack: LocalStack;
  const project = `local-stack-${process.pid}`;

  beforeAll(async () => {
    process.env.GOOGLE_CLOUD_PROJECT = project;
    process.env.LOG_LEVEL = 'ERROR';
    await resetFirestore(project);
    stack = await startLocalStack({port: 0});
  });
  afterAll(async () => stack.stop());

  it('uses the emulators the environment names instead of starting its own', () => {
    expect(stack.emulators).toMatchObject({
      firestoreKind: 'external',
      fcmKind: 'external',
      pubsubKind: 'external',
    });
  });

  it("serves the reference's add and remove examples for the seeded demo user", async () => {
    const url = `${stack.url}/api/users/1/fcm_registration_tokens`;
    const body = JSON.stringify({registration_id: TOKEN});
    const added = await fetch(url, {method: 'POST', headers, body});
    expect(added.status).toBe(201);
    expect(Object.keys((await added.json()) as object)).toEqual([
      'id',
      'user_id',
      'registration_id',
      'created_at',
      'updated_at',
    ]);
    const removed = await fetch(url, {method: 'DELETE', headers, body});
    expect(removed.status).toBe(204);
    expect(await removed.text()).toBe('');
    const invalid = await fetch(url, {method: 'DELETE', headers, body: '{}'});
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toEqual({
      message: 'The given data was invalid.',
      errors: {registration_id: ['The registration id field is required.']},
    });
  });

  it('answers GET / with an index pointing to the docs and the endpoints', async () => {
    const reply = await fetch(`${stack.url}/`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe(
      'application/json; charset=utf-8',
    );
    const u = stack.url;
    expect(await reply.json()).toEqual({
      service: 'device-registration local stack',
      docs: `${u}/docs`,
      openapi: `${u}/docs/openapi.json`,
      postman_collection: `${u}/docs/collection.json`,
      endpoints: [
        {
          function: 'cron',
          method: 'GET',
          url: `${u}/api/cron`,
          summary: 'Run the scheduled tasks',
        },
        {
          function: 'addDevice',
          method: 'POST',
          url: `${u}/api/users/{user}/fcm_registration_tokens`,
          summary: 'Add a device',
        },
        {
          function: 'removeDevice',
          method: 'DELETE',
          url: `${u}/api/users/{user}/fcm_registration_tokens`,
          summary: 'Remove a device',
        },
        {
          function: 'notifyUser',
          method: 'POST',
          url: `${u}/api/users/{user}/notifications`,
          summary: "Send a notification to a user's devices",
        },
        {
          function: 'notifyUsers',
          method: 'POST',
          url: `${u}/api/notifications`,
          summary: 'Send a notification to many users, in the background',
        },
        {
          function: 'notifyUsers',
          method: 'GET',
          url: `${u}/api/notifications/{batch}`,
          summary: 'Follow the delivery of a batch',
        },
      ],
      data: 'in memory, reset on each start (keep it with `npm start -- --persist DIR`)',
    });
  });

  it('serves docs naming its real origin, while the committed files keep the documented one', async () => {
    expect(stack.url).not.toBe('http://localhost:40020');
    const root = path.resolve(__dirname, '..', '..', '..');
    for (const file of ['openapi.json', 'collection.json']) {
      const committed = fs.readFileSync(path.join(root, 'docs', file), 'utf8');
      const served = await (await fetch(`${stack.url}/docs/${file}`)).text();
      expect(served).not.toContain('http://localhost:40020');
      expect(served).toBe(
        committed.split('http://localhost:40020').join(stack.url),
      );
    }
    const openapi = (await (
      await fetch(`${stack.url}/docs/openapi.json`)
    ).json()) as {servers: Array<{url: string}>};
    expect(openapi.servers[0]!.url).toBe(stack.url);
    const collection = (await (
      await fetch(`${stack.url}/docs/collection.json`)
    ).json()) as {variable: Array<{key: string; value: string}>};
    expect(collection.variable.find(v => v.key === 'baseUrl')!.value).toBe(
      stack.url,
    );
  });

  it('answers unknown paths with a JSON 404', async () => {
    const reply = await fetch(`${stack.url}/api/nothing`);
    expect(reply.status).toBe(404);
    expect(await reply.json()).toEqual({message: 'Not Found.'});
  });
});

describeWithFirestore('local stack: the demo user', () => {
  const projectId = uniqueProjectId('seed');
  let db: Firestore;
  beforeAll(() => {
    db = new Firestore({projectId});
  });
  afterAll(async () => db.terminate());

  it('creates user 1 when it is missing, and leaves an existing user 1 as it is', async () => {
    expect(await seedDemoUser(projectId)).toEqual({kind: 'created'});
    expect((await db.doc('users/1').get()).get('email')).toBe(
      'support@thinkbitsolutions.com',
    );
    const mine = {email: 'me@example.com', password: '$2b$04$mine'};
    await db.doc('users/1').set(mine);
    expect(await seedDemoUser(projectId)).toEqual({kind: 'kept'});
    expect((await db.doc('users/1').get()).data()).toEqual(mine);
  });
});
