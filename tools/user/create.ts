/**
 * `npm run user -- create`: creates or updates a user with a bcrypt-hashed password.
 */
import type {CreateUserArgs} from './args';
import {openFirestore, withDeadline, type KnownTarget} from './firestore';

/** Saves the user; `password` has passed checkPassword. */
export async function createUser(
  args: CreateUserArgs,
  password: string,
  target: KnownTarget,
): Promise<void> {
  const [{default: bcrypt}, {upsertUser}] = await Promise.all([
    import('bcryptjs'),
    import('../../shared/auth/users'),
  ]);
  const db = await openFirestore(target);
  try {
    await withDeadline(target, async () =>
      upsertUser(db, {
        id: args.id,
        email: args.email,
        name: args.name,
        passwordHash: await bcrypt.hash(password, args.cost),
      }),
    );
  } finally {
    void db.terminate();
  }
}
