/**
 * `npm start`'s stack answers the API reference's curl examples as documented.
 */
import {describeWithFirestore, resetFirestore} from '../../support/emulators';
import {
  startLocalStack,
  type LocalStack,
} from '../../../tools/local-stack/main';

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
    stack = await startLocalStack(0);
  });
  afterAll(async () => stack.stop());

  it('uses the emulators the environment names instead of starting its own', () => {
    expect(stack.emulators).toMatchObject({
      firestoreKind: 'external',
      fcmKind: 'external',
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

  it('answers unknown paths with a JSON 404', async () => {
    const reply = await fetch(`${stack.url}/api/nothing`);
    expect(reply.status).toBe(404);
    expect(await reply.json()).toEqual({message: 'Not Found.'});
  });
});
