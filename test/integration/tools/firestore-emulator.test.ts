/**
 * Proves the harness hands tests a real Cloud Firestore emulator over the wire: data round-trips,
 * transactions serialize, and resetFirestore empties exactly one project.
 */
import {Firestore} from '@google-cloud/firestore';
import {
  describeWithFirestore,
  resetFirestore,
  uniqueProjectId,
} from '../../support/emulators';
import {isContention} from '../../../shared/firestore/deadline';
import {rerunWhile} from '../../../shared/firestore/rerun';

describeWithFirestore('Firestore emulator from the test harness', () => {
  const projectId = uniqueProjectId('harness');
  const otherProjectId = uniqueProjectId('harness-other');
  let db: Firestore;
  let otherDb: Firestore;

  beforeAll(() => {
    // FIRESTORE_EMULATOR_HOST (set by global-setup) makes the client talk plaintext to the emulator.
    db = new Firestore({projectId});
    otherDb = new Firestore({projectId: otherProjectId});
  });
  afterAll(async () => {
    await Promise.all([db.terminate(), otherDb.terminate()]);
  });

  it('reads back a document it wrote', async () => {
    const ref = db.doc('devices/d1');
    await ref.set({token: 'tok-1', userId: 7});
    const snap = await ref.get();
    expect(snap.exists).toBe(true);
    expect(snap.data()).toEqual({token: 'tok-1', userId: 7});
  });

  it('serializes 10 concurrent transactions incrementing one document to exactly 10', async () => {
    const ref = db.doc('counters/c1');
    await ref.set({n: 0});
    // The emulator is correct but slow under contention: more attempts than the default 5
    // (the SDK's backoff allows 11), and whole reruns of what it gives up, as the code does.
    await Promise.all(
      Array.from({length: 10}, () =>
        rerunWhile(
          () =>
            db.runTransaction(
              async tx => {
                const snap = await tx.get(ref);
                tx.update(ref, {n: (snap.get('n') as number) + 1});
              },
              {maxAttempts: 11},
            ),
          isContention,
          5,
        ),
      ),
    );
    expect((await ref.get()).get('n')).toBe(10);
  });

  it('resetFirestore deletes every document of its project and none of another', async () => {
    await Promise.all([
      db.doc('users/u1').set({name: 'a'}),
      db.doc('users/u1/devices/d1').set({token: 't'}),
      db.doc('groups/g1').set({key: 'k'}),
      otherDb.doc('users/u1').set({name: 'kept'}),
    ]);

    await resetFirestore(projectId);

    const [users, devices, groups, others] = await Promise.all([
      db.collection('users').get(),
      db.collectionGroup('devices').get(),
      db.collection('groups').get(),
      otherDb.collection('users').get(),
    ]);
    expect(users.size).toBe(0);
    expect(devices.size).toBe(0);
    expect(groups.size).toBe(0);
    expect(others.docs.map(d => d.data())).toEqual([{name: 'kept'}]);
  });
});
