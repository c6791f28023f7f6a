/**
 * Brings up the emulators the local stack needs, reusing any the environment names:
 * FIRESTORE_EMULATOR_HOST, FCM_EMULATOR_HOST and PUBSUB_EMULATOR_HOST, when set, are used
 * as they are. Without the Pub/Sub emulator the stack still starts, without batches.
 */
import fs from 'node:fs';
import {unreachableEmulators} from '../cli/emulator-check';
import {startFcmEmulator} from '../fcm-emulator/server';
import type {FcmEmulatorState} from '../fcm-emulator/state';
import {seedArgs} from '../firestore-emulator/export';
import {startFallbackFirestore} from '../firestore-emulator/fallback';
import {locateFirestoreEmulator} from '../firestore-emulator/locate';
import {startFirestoreEmulator} from '../firestore-emulator/start';
import {rulesFile} from '../cli/repository';
import {locatePubsubEmulator} from '../pubsub-emulator/locate';
import {startPubsubEmulator} from '../pubsub-emulator/start';
import {loadFcmState} from './persist';

export interface LocalEmulators {
  firestoreHost: string;
  firestoreKind: 'external' | 'official' | 'fallback';
  fcmHost: string;
  fcmKind: 'external' | 'local';
  /** The local FCM emulator's groups and deliveries; absent for one the environment names. */
  fcmState?: () => FcmEmulatorState;
  /** Undefined when there is no Pub/Sub emulator (`pubsubMissing` says why). */
  pubsubHost?: string;
  pubsubKind: 'external' | 'official' | 'none';
  pubsubMissing?: string;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** 0: a free port. */
  firestorePort: number;
  fcmPort: number;
  pubsubPort: number;
  /** Load the data saved in this folder: the Firestore export (official emulator only), the FCM groups. */
  persistDir?: string;
  /** Called when an emulator dies under the stack. */
  onFailure?: (problem: string) => void;
}

/** A reason the stack cannot start, meant to be printed as it is (no stack trace). */
export class StackError extends Error {}

export async function startEmulators(
  opts: EmulatorOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalEmulators> {
  const stops: Array<() => Promise<void>> = [];
  let firestoreHost = env.FIRESTORE_EMULATOR_HOST;
  let firestoreKind: LocalEmulators['firestoreKind'] = 'external';
  if (firestoreHost && opts.persistDir)
    throw new StackError(
      `--persist starts its own Firestore emulator, but FIRESTORE_EMULATOR_HOST=${firestoreHost} names one to use: unset it, or drop --persist.`,
    );
  const unreachable = await unreachableEmulators(
    ['FIRESTORE_EMULATOR_HOST', 'FCM_EMULATOR_HOST', 'PUBSUB_EMULATOR_HOST'],
    variable =>
      `start that emulator, or unset ${variable} and \`npm start\` runs its own`,
    env,
  );
  if (unreachable.length) throw new StackError(unreachable.join('\n'));
  const savedFcm =
    opts.persistDir && !env.FCM_EMULATOR_HOST
      ? loadFcmState(opts.persistDir)
      : ({kind: 'none'} as const);
  if (savedFcm.kind === 'invalid') throw new StackError(savedFcm.problem);
  // Both JVMs start at once: each takes a few seconds.
  const pubsub = startPubsub(opts, env).then(started => {
    if (started.stop) stops.push(started.stop);
    return started;
  });
  pubsub.catch(() => undefined); // awaited below, after Firestore
  let fcmHost = env.FCM_EMULATOR_HOST;
  let fcmKind: LocalEmulators['fcmKind'] = 'external';
  let fcmState: LocalEmulators['fcmState'];
  let pubsubStarted: Awaited<typeof pubsub>;
  try {
    if (!firestoreHost) {
      const located = locateFirestoreEmulator(env);
      const explicit = env.FIRESTORE_EMULATOR_BIN?.trim();
      if ('missing' in located && (explicit || opts.persistDir)) {
        // A named launcher is a decision: falling back to something else would hide the mistake.
        throw new StackError(
          explicit
            ? `${located.missing}. Fix FIRESTORE_EMULATOR_BIN, or unset it to find the emulator with \`gcloud info\`.`
            : `--persist needs the official Cloud Firestore emulator: ${located.missing}.`,
        );
      }
      if ('command' in located) {
        if (opts.persistDir) fs.mkdirSync(opts.persistDir, {recursive: true});
        const firestore = await startFirestoreEmulator({
          command: located.command,
          port: opts.firestorePort,
          args: [
            // The deployed security rules: a client SDK pointed here is refused, as in production.
            `--rules=${rulesFile()}`,
            ...(opts.persistDir ? seedArgs(opts.persistDir) : []),
          ],
          killOnSignals: false,
          onUnexpectedExit: opts.onFailure,
        });
        firestoreKind = 'official';
        firestoreHost = firestore.host;
        stops.push(firestore.stop);
      } else {
        process.stderr.write(
          `The official Cloud Firestore emulator is not available: ${located.missing}\n`,
        );
        const fallback = await startFallbackFirestore({
          port: opts.firestorePort,
        });
        firestoreKind = 'fallback';
        firestoreHost = fallback.host;
        stops.push(fallback.stop);
      }
    }
    if (!fcmHost) {
      const fcm = await startFcmEmulator({
        port: opts.fcmPort,
        state: savedFcm.kind === 'loaded' ? savedFcm.state : undefined,
      });
      fcmHost = fcm.host;
      fcmKind = 'local';
      fcmState = fcm.state;
      stops.push(fcm.close);
    }
    pubsubStarted = await pubsub;
  } catch (err) {
    // Stop what did start (the other JVM included) before saying why.
    await pubsub.catch(() => undefined);
    await Promise.allSettled(stops.map(stop => stop()));
    throw err;
  }
  const {pubsubHost, pubsubKind, pubsubMissing} = pubsubStarted;
  return {
    firestoreHost,
    firestoreKind,
    fcmHost,
    fcmKind,
    fcmState,
    pubsubHost,
    pubsubKind,
    pubsubMissing,
    async stop() {
      await Promise.all(stops.map(stop => stop()));
    },
  };
}

/** The environment's Pub/Sub emulator, one started here, or none (with the reason). */
async function startPubsub(
  opts: EmulatorOptions,
  env: NodeJS.ProcessEnv,
): Promise<
  Pick<LocalEmulators, 'pubsubHost' | 'pubsubKind' | 'pubsubMissing'> & {
    stop?: () => Promise<void>;
  }
> {
  const external = env.PUBSUB_EMULATOR_HOST?.trim();
  if (external) return {pubsubHost: external, pubsubKind: 'external'};
  const located = locatePubsubEmulator(env);
  if ('missing' in located) {
    if (env.PUBSUB_EMULATOR_BIN?.trim())
      throw new StackError(
        `${located.missing}. Fix PUBSUB_EMULATOR_BIN, or unset it to find the emulator with \`gcloud info\`.`,
      );
    process.stderr.write(
      `The official Pub/Sub emulator is not available, so batches (POST /api/notifications, npm run notify -- --users) are not: ${located.missing}\n`,
    );
    return {pubsubKind: 'none', pubsubMissing: located.missing};
  }
  const emulator = await startPubsubEmulator({
    command: located.command,
    port: opts.pubsubPort,
    killOnSignals: false,
    onUnexpectedExit: opts.onFailure,
  });
  return {
    pubsubHost: emulator.host,
    pubsubKind: 'official',
    stop: emulator.stop,
  };
}
