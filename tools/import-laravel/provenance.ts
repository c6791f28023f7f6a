/**
 * The import record (`imported: {hash, laravel_updated_at}`, ImportRecord in
 * shared/firestore/collections.ts): a hash over exactly the fields the importer wrote.
 * The hash of a document's current fields equals its record only while nothing else has
 * changed them: the user command rewrites email, password or name; the API sets a new
 * token document without the record (registration, move) or changes its `updated_at`
 * (refresh). A document whose fields no longer hash to its record was changed in the new
 * app, and no later import touches those fields again.
 */
import {createHash} from 'node:crypto';
import type {ExistingToken, ExistingUser, Instant} from './rows';

/** The fields of a user document that come from Laravel. */
export interface UserFields {
  email: unknown;
  password: unknown;
  /** null when the document has none. */
  name: unknown;
}

/** The fields of a token document that come from Laravel (timestamps in milliseconds). */
export interface TokenFields {
  user_id: unknown;
  registration_id: unknown;
  created_at: number | null;
  updated_at: number | null;
}

const digest = (values: unknown[]) =>
  createHash('sha256').update(JSON.stringify(values)).digest('base64url');

export const userHash = (f: UserFields) =>
  digest(['user', f.email, f.password, f.name]);

export const tokenHash = (f: TokenFields) =>
  digest(['token', f.user_id, f.registration_id, f.created_at, f.updated_at]);

export const millis = (value: Instant | undefined): number | null =>
  value && typeof value.toMillis === 'function' ? value.toMillis() : null;

/** The hash of a user document's current imported fields. */
export function currentUserHash(doc: ExistingUser): string {
  return userHash({
    email: doc.email ?? null,
    password: doc.password ?? null,
    name: doc.name ?? null,
  });
}

/** The hash of a token document's current imported fields. */
export function currentTokenHash(doc: ExistingToken): string {
  return tokenHash({
    user_id: doc.user_id ?? null,
    registration_id: doc.registration_id ?? null,
    created_at: millis(doc.created_at),
    updated_at: millis(doc.updated_at),
  });
}

/** What the last import wrote, when the document still says exactly that. */
export type Provenance =
  /** Written by an import and unchanged since: the hash it was written with. */
  | {kind: 'untouched'; hash: string}
  /** Written by an import, then changed in the new app. */
  | {kind: 'changed'}
  /** No record: not written by an import (or by one from before records existed). */
  | {kind: 'none'};

export function provenance(
  doc: {imported?: {hash?: unknown}},
  current: string,
): Provenance {
  const hash = doc.imported?.hash;
  if (typeof hash !== 'string') return {kind: 'none'};
  return hash === current ? {kind: 'untouched', hash} : {kind: 'changed'};
}
