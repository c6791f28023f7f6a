/**
 * The importer's per-user rules (plan-user.ts, plan-tokens.ts), from what Firestore holds:
 * Laravel is the source only for what the new app has not touched since the last import.
 * Pure: Firestore is a map of documents here; the integration tests run the same rules
 * against MariaDB and the emulator.
 */
import {emailId, tokenId} from '../../../shared/firestore/collections';
import {Found} from '../../../tools/import-laravel/found';
import {planUser, type UserPlan} from '../../../tools/import-laravel/plan-user';
import {tokenHash, userHash} from '../../../tools/import-laravel/provenance';
import type {SourceToken} from '../../../tools/import-laravel/rows';
import {DELETE, type Write} from '../../../tools/import-laravel/writes';

const at = (iso: string) => ({toMillis: () => Date.parse(iso)});
const HASH = '$2y$10$hash-of-alice';
const USER = {
  id: '1',
  name: 'Alice',
  email: 'Alice@Example.com',
  password: HASH,
  fcmNotificationKey: null,
  updatedAt: '2024-01-01 00:00:00',
};
const ROW: SourceToken = {
  userId: '1',
  registrationId: 'phone',
  createdAt: '2024-01-01 08:00:00',
  updatedAt: '2024-02-01 08:00:00',
  pos: 1,
};
const USER_FIELDS = {email: 'alice@example.com', password: HASH, name: 'Alice'};
const TOKEN_FIELDS = {
  user_id: '1',
  registration_id: 'phone',
  created_at: Date.parse('2024-01-01T08:00:00Z'),
  updated_at: Date.parse('2024-02-01T08:00:00Z'),
};
/** The token document as the last import wrote it. */
const importedToken = (fields = TOKEN_FIELDS) => ({
  user_id: fields.user_id,
  registration_id: fields.registration_id,
  created_at: {toMillis: () => fields.created_at},
  updated_at: {toMillis: () => fields.updated_at},
  imported: {hash: tokenHash(fields)},
});
/** The user document as the last import wrote it, listing `devices`. */
const importedUser = (devices: Record<string, unknown> = {}) => ({
  ...USER_FIELDS,
  notification_key: null,
  devices,
  imported: {hash: userHash(USER_FIELDS)},
});
/** A document as the API or an import from before records wrote it: no `imported`. */
function withoutRecord<T extends {imported?: unknown}>(
  doc: T,
): Omit<T, 'imported'> {
  const copy = {...doc};
  delete copy.imported;
  return copy;
}
const phoneEntry = {
  [tokenId('phone')]: {
    registration_id: 'phone',
    updated_at: at('2024-02-01T08:00:00Z'),
  },
};

/** The plan of one user, whatever it says (skipped or imported). */
function planOf(docs: Record<string, Record<string, unknown>>): UserPlan {
  return planUser({
    user: USER,
    rows: [ROW],
    found: new Found(new Map(Object.entries(docs))),
    collisions: new Map(),
    lookedUpKey: undefined,
    maxDevices: 20,
    importTime: new Date('2025-06-01T00:00:00Z'),
    timeZone: 'UTC',
  });
}

function plan(
  docs: Record<string, Record<string, unknown>>,
  options: {
    rows?: SourceToken[];
    user?: Partial<typeof USER>;
    max?: number;
  } = {},
): Extract<UserPlan, {kind: 'imported'}> {
  const result = planUser({
    user: {...USER, ...options.user},
    rows: options.rows ?? [ROW],
    found: new Found(new Map(Object.entries(docs))),
    collisions: new Map(),
    lookedUpKey: undefined,
    maxDevices: options.max ?? 20,
    importTime: new Date('2025-06-01T00:00:00Z'),
    timeZone: 'UTC',
  });
  if (result.kind !== 'imported')
    throw new Error(`skipped: ${result.skipped.reason}`);
  return result;
}
const targets = (writes: Write[]) =>
  writes.map(w => `${w.kind} ${w.collection}`);
const aliceClaim = {
  [`user_emails/${emailId('alice@example.com')}`]: {
    user_id: '1',
    email: 'alice@example.com',
  },
};
const tokenPath = `fcm_registration_tokens/${tokenId('phone')}`;
const imported = {
  'users/1': importedUser(phoneEntry),
  [tokenPath]: importedToken(),
  ...aliceClaim,
};

describe('the import of one user', () => {
  it('creates a user Firestore does not have, with its devices, key and import record', () => {
    const {writes, counts} = plan({});
    expect(targets(writes)).toEqual([
      'set fcm_registration_tokens',
      'set users',
      'set user_emails',
    ]);
    expect(writes[1]).toMatchObject({
      kind: 'set',
      data: {
        email: 'alice@example.com',
        devices: {[tokenId('phone')]: {registration_id: 'phone'}},
        imported: {hash: userHash(USER_FIELDS)},
      },
    });
    expect(counts.users.created).toBe(1);
    expect(counts.tokens.created).toBe(1);
  });

  it('writes nothing when neither side changed since the last import', () => {
    const {writes, counts} = plan(imported);
    expect(writes).toEqual([]);
    expect(counts.users.unchanged).toBe(1);
    expect(counts.tokens.unchanged).toBe(1);
    expect(counts.userEmails.unchanged).toBe(1);
  });

  it("brings over a password changed in Laravel when Firestore still holds the import's", () => {
    const {writes, counts} = plan(imported, {user: {password: '$2y$10$new'}});
    expect(writes).toEqual([
      {
        kind: 'update',
        collection: 'users',
        id: '1',
        fields: [
          [['email'], 'alice@example.com'],
          [['password'], '$2y$10$new'],
          [['name'], 'Alice'],
          [
            ['imported'],
            {
              hash: userHash({...USER_FIELDS, password: '$2y$10$new'}),
              laravel_updated_at: new Date('2024-01-01T00:00:00Z'),
            },
          ],
        ],
      },
    ]);
    expect(counts.users.updated).toBe(1);
  });

  it('keeps a password reset in the new app, whatever Laravel says', () => {
    const reset = {
      ...imported,
      'users/1': {...importedUser(phoneEntry), password: '$2a$10$reset'},
    };
    for (const password of [HASH, '$2y$10$laravel-changed-too']) {
      const {writes, counts} = plan(reset, {user: {password}});
      expect(writes).toEqual([]);
      expect(counts.users.keptChangedInNewApp).toBe(1);
    }
  });

  it('replaces a user document no import wrote (the demo user), and frees its email', () => {
    const demoEmail = 'support@thinkbitsolutions.com';
    const demo = {
      'users/1': {email: demoEmail, password: 'x'},
      [`user_emails/${emailId(demoEmail)}`]: {user_id: '1', email: demoEmail},
    };
    const {writes, counts} = plan(demo);
    expect(targets(writes)).toEqual([
      'set fcm_registration_tokens',
      'update users',
      'set user_emails',
      'delete user_emails',
    ]);
    expect(writes[3]).toMatchObject({id: emailId(demoEmail)});
    expect(counts.users.replaced).toBe(1);
    expect(counts.userEmails.freed).toBe(1);
  });

  it('leaves alone a user the new app created under the same id, with none of the Laravel devices', () => {
    const result = planOf({
      'users/1': {email: 'someone@example.com', password: 'x'},
    });
    expect(result).toMatchObject({
      kind: 'skipped',
      skipped: {id: '1', reason: 'id-taken-in-new-app'},
      writes: [],
    });
    expect(result.counts.users.skippedIdTakenInNewApp).toBe(1);
  });

  it('never recreates a user deleted in the new app, nor their devices', () => {
    const result = planOf({
      'user_tombstones/1': {removed_at: 1, expires_at: 2},
    });
    expect(result).toMatchObject({
      kind: 'skipped',
      skipped: {id: '1', reason: 'deleted-in-new-app'},
      writes: [],
    });
    expect(result.counts.users.keptDeletedInNewApp).toBe(1);
  });

  it('only records what an import from before records wrote, when it is still as in Laravel', () => {
    const oldUser = withoutRecord(importedUser(phoneEntry));
    const oldToken = withoutRecord(importedToken());
    const {writes, counts} = plan({
      ...aliceClaim,
      'users/1': oldUser,
      [tokenPath]: oldToken,
    });
    expect(targets(writes)).toEqual([
      'update fcm_registration_tokens',
      'update users',
    ]);
    expect(counts.users.recorded).toBe(1);
    expect(counts.tokens.recorded).toBe(1);
  });
});

describe('the import of one user: devices', () => {
  it('never brings back a device the new app removed (a tombstone)', () => {
    const {writes, counts} = plan({
      'users/1': importedUser(),
      ...aliceClaim,
      [`device_tombstones/${tokenId('phone')}`]: {reason: 'removed'},
    });
    expect(writes).toEqual([]);
    expect(counts.tokens.keptRemovedInNewApp).toBe(1);
  });

  it('keeps a device refreshed in the new app', () => {
    const refreshed = {
      ...importedToken(),
      updated_at: at('2025-05-01T00:00:00Z'),
    };
    const {writes, counts} = plan({
      ...imported,
      'users/1': importedUser({
        [tokenId('phone')]: {
          registration_id: 'phone',
          updated_at: at('2025-05-01T00:00:00Z'),
        },
      }),
      [tokenPath]: refreshed,
    });
    expect(writes).toEqual([]);
    expect(counts.tokens.keptChangedInNewApp).toBe(1);
  });

  it('deletes an imported device Laravel no longer lists, entry by entry, and names it for the group', () => {
    const result = plan(imported, {rows: []});
    expect(result.writes).toEqual([
      {
        kind: 'delete',
        collection: 'fcm_registration_tokens',
        id: tokenId('phone'),
      },
      {
        kind: 'update',
        collection: 'users',
        id: '1',
        fields: [[['devices', tokenId('phone')], DELETE]],
      },
    ]);
    expect(result.removed).toEqual(['phone']);
    expect(result.counts.tokens.removedInLaravel).toBe(1);
  });

  it('keeps a device registered in the new app, and drops a map entry without its token document', () => {
    const apiToken = withoutRecord(
      importedToken({...TOKEN_FIELDS, registration_id: 'tablet'}),
    );
    const {writes, counts} = plan({
      ...imported,
      'users/1': importedUser({
        ...phoneEntry,
        [tokenId('tablet')]: {
          registration_id: 'tablet',
          updated_at: at('2024-02-01T08:00:00Z'),
        },
        ghost: {
          registration_id: 'ghost',
          updated_at: at('2024-02-01T08:00:00Z'),
        },
      }),
      [`fcm_registration_tokens/${tokenId('tablet')}`]: apiToken,
    });
    expect(writes).toEqual([
      {
        kind: 'update',
        collection: 'users',
        id: '1',
        fields: [[['devices', 'ghost'], DELETE]],
      },
    ]);
    expect(counts.tokens.keptAddedInNewApp).toBe(1);
    expect(counts.ghostEntriesRemoved).toBe(1);
  });

  it('brings a new Laravel device only while the user has room under the maximum', () => {
    const apiToken = withoutRecord(importedToken());
    const {writes, counts} = plan(
      {
        ...aliceClaim,
        'users/1': importedUser(phoneEntry),
        [tokenPath]: apiToken,
      },
      {rows: [{...ROW, registrationId: 'laptop'}], max: 1},
    );
    expect(writes).toEqual([]);
    expect(counts.tokens.overLimitDropped).toBe(1);
    expect(counts.tokens.keptAddedInNewApp).toBe(1);
  });

  it('leaves a token Firestore holds for another user alone', () => {
    const {writes, counts} = plan({
      'users/1': importedUser(),
      ...aliceClaim,
      [tokenPath]: {...importedToken(), user_id: '2'},
    });
    expect(writes).toEqual([]);
    expect(counts.tokens.ownedByAnotherUserInFirestore).toBe(1);
  });
});
