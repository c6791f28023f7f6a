/**
 * Lazily created Google clients. Importing this module loads no SDK: firebase-admin and
 * Firestore (with gRPC) are required on first use, so cold starts that do not touch
 * them stay cheap. Firestore and the FCM credential come from one firebase-admin app.
 */
import type {App} from 'firebase-admin/app';
import type {Firestore} from 'firebase-admin/firestore';
import {lazy} from '../platform/lazy';

/** The default firebase-admin app (application default credentials in production). */
export function lazyApp(projectId: string | undefined): () => Promise<App> {
  return lazy(async () => {
    const {getApps, initializeApp} = await import('firebase-admin/app');
    const existing = getApps()[0];
    return existing ?? initializeApp(projectId ? {projectId} : undefined);
  });
}

/** The Firestore SDK module (Timestamp, FieldValue), loaded on first use. */
export const firestoreSdk = lazy(() => import('firebase-admin/firestore'));

/** The app's Firestore, which honours FIRESTORE_EMULATOR_HOST like every Google SDK. */
export function lazyFirestore(
  app: () => Promise<App>,
): () => Promise<Firestore> {
  return lazy(async () => {
    const {getFirestore} = await firestoreSdk();
    return getFirestore(await app());
  });
}
