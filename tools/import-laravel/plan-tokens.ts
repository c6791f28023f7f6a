/**
 * Decides, for one user, what happens to each device: pure, from the user's Laravel rows
 * and what Firestore holds (found.ts). Laravel is the source only for what the new app has
 * not touched since the last import (provenance.ts):
 * - a token the new app removed (a tombstone) is never brought back;
 * - a token registered, refreshed or moved in the new app is left as it is;
 * - a token the import wrote and nothing changed since follows Laravel: updated when its
 *   row changed, deleted when the row is gone;
 * - a new Laravel token is created while the user has room under MAX_DEVICES_PER_USER.
 */
import {hasRoom, isListedAs} from '../../shared/devices/rules';
import {tokenId, TOKENS} from '../../shared/firestore/collections';
import {currentTokenHash, millis, provenance, tokenHash} from './provenance';
import type {Counts} from './report';
import type {Found} from './found';
import type {ExistingToken, ExistingUser, SourceToken} from './rows';
import {wallClockToDate} from './wall-clock';
import {DELETE, type Write} from './writes';

export interface TokenInput {
  userId: string;
  /** The user's winning Laravel rows, most recently updated first, at most the limit. */
  rows: readonly SourceToken[];
  before: ExistingUser | undefined;
  found: Found;
  maxDevices: number;
  importTime: Date;
  timeZone: string;
}

/** An entry of the user's `devices` map. */
export interface MapEntry {
  registration_id: string;
  updated_at: Date;
}

export interface TokenPlan {
  /** Token documents to write or delete. */
  writes: Write[];
  /** `devices` entries to set, or to delete. */
  entries: Array<[id: string, entry: MapEntry | typeof DELETE]>;
  /** The user's devices once the writes are done. */
  devices: number;
  /** Registration ids of the token documents deleted because Laravel deleted their rows. */
  removed: string[];
}

const entryOf = (doc: ExistingToken): MapEntry => ({
  registration_id: String(doc.registration_id),
  updated_at: new Date(millis(doc.updated_at) ?? 0),
});

const sameEntry = (
  listed: {registration_id?: unknown; updated_at?: {toMillis(): number}},
  entry: MapEntry,
) => isListedAs(listed, entry.registration_id, entry.updated_at.getTime());

/** A token the import wrote and nothing changed since (its fields hash to its record). */
const untouchedImport = (doc: ExistingToken) =>
  provenance(doc, currentTokenHash(doc)).kind === 'untouched';

export function planTokens(input: TokenInput, counts: Counts): TokenPlan {
  const {userId, found} = input;
  const plan: TokenPlan = {writes: [], entries: [], devices: 0, removed: []};
  const listed = input.before?.devices ?? {};
  const fromLaravel = new Set(input.rows.map(r => tokenId(r.registrationId)));

  // Devices Firestore lists that Laravel does not (for this user, within the limit).
  for (const [id, entry] of Object.entries(listed)) {
    if (fromLaravel.has(id)) continue;
    const doc = found.token(id);
    if (!doc || doc.user_id !== userId) {
      plan.entries.push([id, DELETE]);
      counts.ghostEntriesRemoved++;
    } else if (untouchedImport(doc)) {
      plan.writes.push({kind: 'delete', collection: TOKENS, id});
      plan.entries.push([id, DELETE]);
      plan.removed.push(String(doc.registration_id));
      counts.tokens.removedInLaravel++;
    } else {
      plan.devices++;
      counts.tokens.keptAddedInNewApp++;
      if (!sameEntry(entry, entryOf(doc)))
        plan.entries.push([id, entryOf(doc)]);
    }
  }

  for (const row of input.rows) {
    const id = tokenId(row.registrationId);
    const doc = found.token(id);
    if (doc && doc.user_id !== userId) {
      counts.tokens.ownedByAnotherUserInFirestore++;
      continue;
    }
    if (!doc && found.tombstone(id)) {
      counts.tokens.keptRemovedInNewApp++;
      continue;
    }
    // An import never evicts: what the new app keeps comes first, Laravel's fill the room.
    if (!doc && !hasRoom(plan.devices, input.maxDevices)) {
      counts.tokens.overLimitDropped++;
      continue;
    }
    plan.devices++;
    const final = planToken(input, row, id, doc, counts, plan.writes);
    if (!listed[id] || !sameEntry(listed[id], final))
      plan.entries.push([id, final]);
  }
  return plan;
}

/** Plans one Laravel row whose document is absent or the user's; returns the device entry. */
function planToken(
  input: TokenInput,
  row: SourceToken,
  id: string,
  doc: ExistingToken | undefined,
  counts: Counts,
  writes: Write[],
): MapEntry {
  // NULL timestamps: what Firestore has, else the import time.
  const stamp = (text: string | null, kept: number | null): Date => {
    const date = wallClockToDate(text, input.timeZone);
    if (date) return date;
    if (kept !== null) return new Date(kept);
    counts.nullTimestampsFilled++;
    return input.importTime;
  };
  const fields = {
    user_id: input.userId,
    registration_id: row.registrationId,
    created_at: stamp(row.createdAt, millis(doc?.created_at)),
    updated_at: stamp(row.updatedAt, millis(doc?.updated_at)),
  };
  const hash = tokenHash({
    ...fields,
    created_at: fields.created_at.getTime(),
    updated_at: fields.updated_at.getTime(),
  });
  const imported = {
    hash,
    laravel_updated_at: wallClockToDate(row.updatedAt, input.timeZone),
  };
  const current = doc ? currentTokenHash(doc) : null;
  const origin = doc ? provenance(doc, current!) : null;
  // New, or written by the last import, untouched since and changed in Laravel: Laravel's.
  if (!doc || (origin?.kind === 'untouched' && origin.hash !== hash)) {
    writes.push({
      kind: 'set',
      collection: TOKENS,
      id,
      data: {...fields, imported},
    });
    counts.tokens[doc ? 'updated' : 'created']++;
    return {registration_id: row.registrationId, updated_at: fields.updated_at};
  }
  if (origin!.kind === 'untouched') counts.tokens.unchanged++;
  else if (origin!.kind === 'none' && current === hash) {
    writes.push({
      kind: 'update',
      collection: TOKENS,
      id,
      fields: [[['imported'], imported]],
    });
    counts.tokens.recorded++;
  } else counts.tokens.keptChangedInNewApp++;
  return entryOf(doc);
}
