/**
 * Unique emails against the real Firestore emulator: `user_emails/{emailId}` names the
 * one owner of each lower-cased email and is written in the user's transaction.
 */
import {Firestore} from 'firebase-admin/firestore';
import {upsertUser} from '../../../shared/auth/users';
import {
  USERS,
  USER_EMAILS,
  emailId,
} from '../../../shared/firestore/collections';
import {AppError} from '../../../shared/platform/errors';
import {
  describeWithFirestore,
  resetFirestore,
  uniqueProjectId,
} from '../../support/emulators';

describeWithFirestore('users: unique emails', () => {
  const projectId = uniqueProjectId();
  let db: Firestore;
  beforeAll(() => {
    db = new Firestore({projectId});
  });
  afterAll(() => db.terminate());
  beforeEach(() => resetFirestore(projectId));

  const user = (id: string, email: string) =>
    upsertUser(db, {id, email, passwordHash: `hash-of-${id}`});

  const owners = async () =>
    Object.fromEntries(
      (await db.collection(USER_EMAILS).get()).docs.map(doc => [
        doc.get('email'),
        doc.get('user_id'),
      ]),
    );
  const userIds = async () =>
    (await db.collection(USERS).get()).docs.map(doc => doc.id).sort();

  async function refusal(promise: Promise<unknown>): Promise<AppError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof AppError))
      throw new Error(`expected an AppError, got ${String(err)}`);
    return err;
  }

  it('claims the lower-cased email in the same write as the user', async () => {
    await user('1', 'Alice@Example.com');
    expect(await owners()).toEqual({'alice@example.com': '1'});
    const claim = await db
      .collection(USER_EMAILS)
      .doc(emailId('ALICE@example.com'))
      .get();
    expect(claim.data()).toEqual({user_id: '1', email: 'alice@example.com'});
    expect((await db.collection(USERS).doc('1').get()).data()).toEqual({
      email: 'alice@example.com',
      password: 'hash-of-1',
    });
  });

  it('refuses an email another user owns with 409, in any case, and writes nothing', async () => {
    await user('1', 'alice@example.com');
    const err = await refusal(user('2', 'ALICE@example.com'));
    expect(err.status).toBe(409);
    expect(err.code).toBe('conflict');
    expect(err.body).toEqual({
      message: 'The email alice@example.com is already taken.',
    });
    expect(await userIds()).toEqual(['1']);
    expect(await owners()).toEqual({'alice@example.com': '1'});
  });

  it('lets the owner update itself with its own email', async () => {
    await user('1', 'alice@example.com');
    await upsertUser(db, {
      id: '1',
      email: 'Alice@example.com',
      passwordHash: 'new',
      name: 'A',
    });
    expect((await db.collection(USERS).doc('1').get()).data()).toEqual({
      email: 'alice@example.com',
      password: 'new',
      name: 'A',
    });
    expect(await owners()).toEqual({'alice@example.com': '1'});
  });

  it('frees the old email when a user changes it', async () => {
    await user('1', 'alice@example.com');
    await user('1', 'alice@new.example.com');
    expect(await owners()).toEqual({'alice@new.example.com': '1'});
    await user('2', 'alice@example.com');
    expect(await owners()).toEqual({
      'alice@new.example.com': '1',
      'alice@example.com': '2',
    });
  });

  it('refuses the email of a user written before emails had owners', async () => {
    await db
      .collection(USERS)
      .doc('9')
      .set({email: 'legacy@example.com', password: 'h'});
    expect((await refusal(user('2', 'legacy@example.com'))).status).toBe(409);
    expect(await userIds()).toEqual(['9']);
  });

  it('lets exactly one of two racing creates of one email succeed', async () => {
    for (let round = 0; round < 2; round++) {
      const email = `race-${round}@example.com`;
      const results = await Promise.allSettled([
        user(`a${round}`, email),
        user(`b${round}`, email),
      ]);
      const won = results.flatMap((r, i) =>
        r.status === 'fulfilled' ? [i === 0 ? `a${round}` : `b${round}`] : [],
      );
      expect(won).toHaveLength(1);
      const lost = results.find(
        r => r.status === 'rejected',
      ) as PromiseRejectedResult;
      // Compared whole, so that a failure shows what the loser got instead.
      expect({
        type: (lost.reason as Error).constructor.name,
        message: String(lost.reason),
        status: (lost.reason as AppError).status,
      }).toEqual({
        type: 'AppError',
        message: `AppError: The email ${email} is already taken.`,
        status: 409,
      });
      expect((await owners())[email]).toBe(won[0]);
    }
    expect((await userIds()).length).toBe(2);
  });
});
