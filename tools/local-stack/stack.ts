/**
 * The local stack as a value: the emulators (started here, or the environment's), the demo
 * user, and the functions behind one server, with the one way to stop it all.
 */
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import type {StackOptions} from './args';
import {startEmulators, type LocalEmulators} from './emulators';
import {saveStack} from './persist';
import {
  removeNotifySubscriptions,
  setUpNotifyTopics,
} from '../pubsub-emulator/topics';
import type {ExtraRoute} from './router';
import {seedDemoUser, type SeedResult} from './seed';
import {checkFunctionsConfig, localSettings} from './settings';

/** How long in-flight requests may finish once the stack stops, before their connections drop. */
const DRAIN_MS = 3_000;

/** How a stop ended, as far as the data is concerned. */
export type StopOutcome =
  /** Nothing to keep: the data lived in memory. */
  | {kind: 'stopped'}
  | {kind: 'saved'; dir: string}
  /** DIR keeps what the previous complete save wrote. */
  | {
      kind: 'not-saved';
      dir: string;
      reason: 'cut-short' | 'failed';
      detail: string;
    };

export interface LocalStack {
  url: string;
  emulators: LocalEmulators;
  seed: SeedResult;
  /** Where the data lives, in words (for the banner and the index). */
  data: string;
  /**
   * Stops everything, saving the data first under --persist. `cut` aborts the save (and
   * only the save): the emulators are stopped all the same. Calling it again returns the
   * same stop.
   */
  stop(cut?: AbortSignal): Promise<StopOutcome>;
}

export interface StartOptions extends Partial<StackOptions> {
  /** Called when an emulator dies under the stack. */
  onFailure?: (problem: string) => void;
}

/** Starts the stack; the functions read their configuration from process.env, as in production. */
export async function startLocalStack(
  opts: StartOptions = {},
): Promise<LocalStack> {
  const port = opts.port ?? 0;
  checkFunctionsConfig(process.env);
  // Only emulators here: no GCE metadata server to probe for (a slow lookup and a warning).
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  // Loading the functions takes a while; do it while the emulators start (they read their
  // configuration on first use, not at import, so the variables set below still apply).
  const modules = Promise.all([
    import('./router'),
    import('./extra-routes'),
    import('./push-route'),
  ]);
  const emulators = await startEmulators({
    firestorePort: opts.firestorePort ?? 0,
    fcmPort: opts.fcmPort ?? 0,
    pubsubPort: opts.pubsubPort ?? 0,
    persistDir: opts.persistDir,
    onFailure: opts.onFailure,
  });
  try {
    process.env.FIRESTORE_EMULATOR_HOST = emulators.firestoreHost;
    process.env.FCM_EMULATOR_HOST = emulators.fcmHost;
    if (emulators.pubsubHost)
      process.env.PUBSUB_EMULATOR_HOST = emulators.pubsubHost;
    Object.assign(process.env, localSettings(process.env));
    const projectId = process.env.GOOGLE_CLOUD_PROJECT!;
    const [seed, [{createLocalServer}, {localExtraRoutes}, {pushRoute}]] =
      await Promise.all([seedDemoUser(projectId), modules]);
    // Filled once the port is known: the index and the served docs name the real origin.
    const extra: ExtraRoute[] = [];
    const server = createLocalServer(extra);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    const routerPort = (server.address() as AddressInfo).port;
    const url = `http://localhost:${routerPort}`;
    const topics = emulators.pubsubHost && {
      emulatorHost: emulators.pubsubHost,
      projectId,
      topic: process.env.NOTIFY_TOPIC?.trim() || 'notifications',
    };
    // Batches: NOTIFY_TOPIC and its dead-letter topic push to deliverNotification here.
    if (topics)
      await setUpNotifyTopics({
        ...topics,
        pushBase: `http://127.0.0.1:${routerPort}`,
        minBackoffMs: 1_000,
        maxBackoffMs: 10_000,
        maxDeliveryAttempts: 15,
      });
    const persistDir = opts.persistDir && path.resolve(opts.persistDir);
    const data = persistDir
      ? `kept in ${persistDir}: loaded at start, saved when the stack stops`
      : 'in memory, reset on each start (keep it with `npm start -- --persist DIR`)';
    extra.push(pushRoute(), ...localExtraRoutes(url, data));

    const closeServer = async (cut?: AbortSignal) => {
      const closed = new Promise<void>(resolve =>
        server.close(() => resolve()),
      );
      server.closeIdleConnections();
      // A request still running after the drain time (or once the save is cut) is dropped.
      const drop = () => server.closeAllConnections();
      const timer = setTimeout(drop, DRAIN_MS);
      cut?.addEventListener('abort', drop, {once: true});
      await closed;
      clearTimeout(timer);
      cut?.removeEventListener('abort', drop);
    };
    let stopping: Promise<StopOutcome> | undefined;
    return {
      url,
      emulators,
      seed,
      data,
      stop(cut) {
        stopping ??= (async (): Promise<StopOutcome> => {
          try {
            await closeServer(cut);
            // An emulator the stack did not start outlives it: stop its pushes to this router.
            if (topics && emulators.pubsubKind === 'external')
              await removeNotifySubscriptions(topics).catch(() => undefined);
            if (!persistDir) return {kind: 'stopped'};
            try {
              await saveStack({
                dir: persistDir,
                firestoreHost: emulators.firestoreHost,
                projectId,
                fcmState: emulators.fcmState,
                cut,
              });
              return {kind: 'saved', dir: persistDir};
            } catch (err) {
              return {
                kind: 'not-saved',
                dir: persistDir,
                reason: cut?.aborted ? 'cut-short' : 'failed',
                detail: err instanceof Error ? err.message : String(err),
              };
            }
          } finally {
            await emulators.stop();
          }
        })();
        return stopping;
      },
    };
  } catch (err) {
    await emulators.stop();
    throw err;
  }
}
