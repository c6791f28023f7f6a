/**
 * The writes a plan asks for, as plain data (the plans stay pure): writer.ts turns them
 * into transaction writes. A user document that exists is changed field by field, and its
 * `devices` map entry by entry, so that no write replaces what another writer put there.
 */

/** A field to delete (FieldValue.delete() once written). */
export const DELETE = Symbol('delete');

export type Collection = 'users' | 'fcm_registration_tokens' | 'user_emails';

export type Write =
  /** The whole document (a new one, or one the import owns entirely). */
  | {
      kind: 'set';
      collection: Collection;
      id: string;
      data: Record<string, unknown>;
    }
  /** Fields of an existing document, each by its path (`['devices', tokenId]`). */
  | {
      kind: 'update';
      collection: Collection;
      id: string;
      fields: Array<[path: string[], value: unknown]>;
    }
  | {kind: 'delete'; collection: Collection; id: string};
