/**
 * Which Firestore `npm run user` works on, decided from the environment.
 */

/** The project `npm start` uses unless GOOGLE_CLOUD_PROJECT says otherwise. */
export const LOCAL_PROJECT = 'demo-device-registration';

export type FirestoreTarget =
  | {kind: 'emulator'; host: string; projectId: string}
  | {kind: 'project'; projectId: string}
  | {kind: 'unknown'; problem: string};

export const UNKNOWN_TARGET =
  'No Firestore to write to: set FIRESTORE_EMULATOR_HOST=127.0.0.1:40021 to use the local stack ' +
  '(start it with `npm start`), or GOOGLE_CLOUD_PROJECT=<project id> to use a real project ' +
  '(with application default credentials: `gcloud auth application-default login`).';

/** Reads FIRESTORE_EMULATOR_HOST and GOOGLE_CLOUD_PROJECT (or GCLOUD_PROJECT). */
export function firestoreFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): FirestoreTarget {
  const host = env.FIRESTORE_EMULATOR_HOST?.trim();
  const project = (env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT)?.trim();
  if (host)
    return {kind: 'emulator', host, projectId: project || LOCAL_PROJECT};
  if (project) return {kind: 'project', projectId: project};
  return {kind: 'unknown', problem: UNKNOWN_TARGET};
}
