/**
 * Keeping the official emulator's data between runs: its REST `:export` endpoint writes a
 * Firestore export, and the launcher's `--seed_from_export` loads one at start (into every
 * project). Both are the emulator's own mechanisms, as the Firebase CLI uses them.
 */
import fs from 'node:fs';
import path from 'node:path';
import {deadlineSignal} from '../../shared/platform/deadline-signal';

/** The export's folder name inside the persistence directory, and the stem of its metadata file. */
const EXPORT_NAME = 'firestore';

/** The metadata file `--seed_from_export` takes, for an export saved in `dir`. */
export function exportMetadataPath(dir: string): string {
  return path.join(
    path.resolve(dir),
    EXPORT_NAME,
    `${EXPORT_NAME}.overall_export_metadata`,
  );
}

/** Launcher flags that load the export saved in `dir`; none when nothing was saved yet. */
export function seedArgs(dir: string): string[] {
  const metadata = exportMetadataPath(dir);
  return fs.existsSync(metadata) ? [`--seed_from_export=${metadata}`] : [];
}

/**
 * Saves every document of `projectId` in the emulator at `host` to `dir`, replacing the previous
 * export only once the new one is complete (an interrupted save keeps the old data). `cut`
 * aborts the save.
 */
export async function exportFirestore(
  host: string,
  projectId: string,
  dir: string,
  cut?: AbortSignal,
): Promise<void> {
  const target = path.resolve(dir);
  const staging = fs.mkdtempSync(path.join(target, '.saving-'));
  const deadline = deadlineSignal(cut ?? null, 30_000);
  try {
    const project = encodeURIComponent(projectId);
    const res = await fetch(
      `http://${host}/emulator/v1/projects/${project}:export`,
      {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({
          database: `projects/${projectId}/databases/(default)`,
          export_directory: staging,
          export_name: EXPORT_NAME,
        }),
        signal: deadline.signal,
      },
    );
    if (!res.ok)
      throw new Error(
        `Exporting Firestore project ${projectId} at ${host} to ${target} failed: HTTP ${res.status} ${await res.text()}`,
      );
    cut?.throwIfAborted();
    const saved = path.join(target, EXPORT_NAME);
    fs.rmSync(saved, {recursive: true, force: true});
    fs.renameSync(path.join(staging, EXPORT_NAME), saved);
  } finally {
    deadline.done();
    fs.rmSync(staging, {recursive: true, force: true});
  }
}
