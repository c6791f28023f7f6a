/**
 * `npm start -- --persist DIR`: what is kept in DIR, and saving it when the stack stops. DIR
 * holds the Firestore export (`firestore/`, see ../firestore-emulator/export.ts) and the local
 * FCM emulator's state (`fcm-emulator.json`): Firestore stores the groups' notification keys,
 * so the groups are kept with it, or every key would name a group that no longer exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import {parseState, type FcmEmulatorState} from '../fcm-emulator/state';
import {exportFirestore} from '../firestore-emulator/export';

/** The FCM emulator's file inside the persistence directory. */
export const FCM_STATE_FILE = 'fcm-emulator.json';

export type LoadedFcmState =
  | {kind: 'none'}
  | {kind: 'loaded'; state: FcmEmulatorState}
  | {kind: 'invalid'; problem: string};

/** The FCM emulator state saved in `dir`, if any. */
export function loadFcmState(dir: string): LoadedFcmState {
  const file = path.join(path.resolve(dir), FCM_STATE_FILE);
  if (!fs.existsSync(file)) return {kind: 'none'};
  let parsed;
  try {
    parsed = parseState(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (err) {
    parsed = {ok: false as const, error: (err as Error).message};
  }
  return parsed.ok
    ? {kind: 'loaded', state: parsed.value}
    : {
        kind: 'invalid',
        problem: `${file} cannot be loaded (${parsed.error}): move it away to start the FCM emulator empty.`,
      };
}

/** Writes the state next to the Firestore export, replacing the old file only once complete. */
export function saveFcmState(dir: string, state: FcmEmulatorState): void {
  const file = path.join(path.resolve(dir), FCM_STATE_FILE);
  const staging = `${file}.saving`;
  fs.writeFileSync(staging, `${JSON.stringify(state)}\n`);
  fs.renameSync(staging, file);
}

export interface SaveArgs {
  dir: string;
  firestoreHost: string;
  projectId: string;
  /** The local FCM emulator's state; absent when the stack uses one the environment names. */
  fcmState?: () => FcmEmulatorState;
  /** Aborts the save (a second Ctrl+C); DIR then keeps what the last complete save wrote. */
  cut?: AbortSignal;
}

/**
 * Saves the stack's data in `dir`: Firestore first, then the FCM emulator's state, so that a
 * failed or interrupted Firestore export leaves both files as the previous save left them.
 */
export async function saveStack(args: SaveArgs): Promise<void> {
  await exportFirestore(args.firestoreHost, args.projectId, args.dir, args.cut);
  args.cut?.throwIfAborted();
  if (args.fcmState) saveFcmState(args.dir, args.fcmState());
}
