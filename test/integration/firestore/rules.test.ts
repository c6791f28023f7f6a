/**
 * firestore.rules, as the official emulator enforces it: a client (the Firebase client SDKs
 * speak this REST API with an end user's token, or none) is refused every read and write,
 * while the server SDKs the functions use (which the emulator, like production, lets
 * bypass rules) keep full access.
 */
import {Firestore} from 'firebase-admin/firestore';
import {rulesFile} from '../../../tools/cli/repository';
import {
  startFirestoreEmulator,
  type RunningFirestore,
} from '../../../tools/firestore-emulator/start';
import {describeWithFirestore, uniqueProjectId} from '../../support/emulators';

describeWithFirestore('firestore.rules', () => {
  const projectId = uniqueProjectId();
  let host: string;
  let own: RunningFirestore | undefined;
  let db: Firestore;

  beforeAll(async () => {
    // The shared emulator loaded the rules when global-setup started it; one named from outside
    // may not have: then this file starts its own, so the rules are always what is tested.
    if (process.env.FIRESTORE_EMULATOR_RULES === rulesFile()) {
      host = process.env.FIRESTORE_EMULATOR_HOST!;
    } else {
      own = await startFirestoreEmulator({args: [`--rules=${rulesFile()}`]});
      host = own.host;
    }
    db = new Firestore({projectId, host, ssl: false});
    await db.collection('users').doc('1').set({
      email: 'support@thinkbitsolutions.com',
      password: '$2y$10$hash',
    });
  });
  afterAll(async () => {
    await db.terminate();
    await own?.stop();
  });

  const documentUrl = (path: string) =>
    `http://${host}/v1/projects/${projectId}/databases/(default)/documents/${path}`;

  it.each([
    ['without credentials', {}],
    [
      'with an end-user ID token',
      {Authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.'},
    ],
  ])('refuses a client read of users/1 %s with 403', async (_, headers) => {
    const res = await fetch(documentUrl('users/1'), {headers});
    expect(res.status).toBe(403);
    expect(((await res.json()) as {error: {status: string}}).error.status).toBe(
      'PERMISSION_DENIED',
    );
  });

  it('refuses a client write of users/1 with 403 and leaves the document as it was', async () => {
    const res = await fetch(
      documentUrl('users/1?updateMask.fieldPaths=password'),
      {
        method: 'PATCH',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({fields: {password: {stringValue: 'attacker'}}}),
      },
    );
    expect(res.status).toBe(403);
    expect((await db.collection('users').doc('1').get()).data()).toEqual({
      email: 'support@thinkbitsolutions.com',
      password: '$2y$10$hash',
    });
  });

  it('refuses a client listing of the tokens collection with 403', async () => {
    const res = await fetch(documentUrl('fcm_registration_tokens'));
    expect(res.status).toBe(403);
  });

  it("lets the server SDK read and write, as the functions' own access", async () => {
    await db.collection('users').doc('2').set({email: 'b@example.com'});
    expect((await db.collection('users').doc('2').get()).get('email')).toBe(
      'b@example.com',
    );
  });
});
