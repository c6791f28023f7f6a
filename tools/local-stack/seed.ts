/**
 * The demo user of the API reference, so its curl examples work as written.
 */
import bcrypt from 'bcryptjs';
import {Firestore} from 'firebase-admin/firestore';
import {upsertUser} from '../../shared/auth/users';
import {USERS} from '../../shared/firestore/collections';

import {DEMO_USER} from './demo-user';

export {DEMO_USER};

export type SeedResult = {kind: 'created'} | {kind: 'kept'};

/**
 * Creates the demo user in the emulator named by FIRESTORE_EMULATOR_HOST, unless a user 1
 * exists already (kept data, or a user made with `npm run user`): that one is left as it is.
 */
export async function seedDemoUser(projectId: string): Promise<SeedResult> {
  const db = new Firestore({projectId});
  // Hashed while the emulator answers its first (slow) request; unused when user 1 exists.
  const passwordHash = bcrypt.hash(DEMO_USER.password, 10);
  passwordHash.catch(() => undefined);
  try {
    if ((await db.collection(USERS).doc(DEMO_USER.id).get()).exists)
      return {kind: 'kept'};
    await upsertUser(db, {
      id: DEMO_USER.id,
      email: DEMO_USER.email,
      passwordHash: await passwordHash,
    });
    return {kind: 'created'};
  } finally {
    await db.terminate();
  }
}
