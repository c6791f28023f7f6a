/**
 * The demo user of the API reference, so its curl examples work as written.
 */
import bcrypt from 'bcryptjs';
import {Firestore} from 'firebase-admin/firestore';
import {upsertUser} from '../../shared/auth/users';

export const DEMO_USER = {
  id: '1',
  email: 'support@thinkbitsolutions.com',
  password: 's3cRe+',
} as const;

/** Creates or updates the demo user in the emulator named by FIRESTORE_EMULATOR_HOST. */
export async function seedDemoUser(projectId: string): Promise<void> {
  const db = new Firestore({projectId});
  try {
    await upsertUser(db, {
      id: DEMO_USER.id,
      email: DEMO_USER.email,
      passwordHash: await bcrypt.hash(DEMO_USER.password, 10),
    });
  } finally {
    await db.terminate();
  }
}
