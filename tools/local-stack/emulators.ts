/**
 * Brings up the emulators the local stack needs, reusing any the environment names:
 * FIRESTORE_EMULATOR_HOST and FCM_EMULATOR_HOST, when set, are used as they are.
 */
import {startFcmEmulator} from '../fcm-emulator/server';
import {startFallbackFirestore} from '../firestore-emulator/fallback';
import {locateFirestoreEmulator} from '../firestore-emulator/locate';
import {startFirestoreEmulator} from '../firestore-emulator/start';

export interface LocalEmulators {
  firestoreHost: string;
  firestoreKind: 'external' | 'official' | 'fallback';
  fcmHost: string;
  fcmKind: 'external' | 'local';
  stop(): Promise<void>;
}

/** Fixed ports, so that other commands (npm run user) can find the stack's emulators. */
export const LOCAL_FIRESTORE_PORT = 40021;
export const LOCAL_FCM_PORT = 40022;

export async function startEmulators(
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalEmulators> {
  const stops: Array<() => Promise<void>> = [];
  let firestoreHost = env.FIRESTORE_EMULATOR_HOST;
  let firestoreKind: LocalEmulators['firestoreKind'] = 'external';
  if (!firestoreHost) {
    const located = locateFirestoreEmulator(env);
    if ('command' in located) {
      const firestore = await startFirestoreEmulator({
        command: located.command,
        port: LOCAL_FIRESTORE_PORT,
      });
      firestoreKind = 'official';
      firestoreHost = firestore.host;
      stops.push(firestore.stop);
    } else {
      process.stderr.write(
        `The official Cloud Firestore emulator is not available: ${located.missing}\n`,
      );
      const fallback = await startFallbackFirestore({
        port: LOCAL_FIRESTORE_PORT,
      });
      firestoreKind = 'fallback';
      firestoreHost = fallback.host;
      stops.push(fallback.stop);
    }
  }
  let fcmHost = env.FCM_EMULATOR_HOST;
  let fcmKind: LocalEmulators['fcmKind'] = 'external';
  if (!fcmHost) {
    const fcm = await startFcmEmulator({port: LOCAL_FCM_PORT});
    fcmHost = fcm.host;
    fcmKind = 'local';
    stops.push(fcm.close);
  }
  return {
    firestoreHost,
    firestoreKind,
    fcmHost,
    fcmKind,
    async stop() {
      await Promise.all(stops.map(stop => stop()));
    },
  };
}
