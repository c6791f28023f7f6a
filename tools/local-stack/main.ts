/**
 * `npm start`: the whole stack on one machine. The official Firestore emulator (or the
 * environment's), the local FCM device-group emulator (or the environment's), the demo
 * user of the API reference, and the three functions behind one server on PORT (40020).
 */
import type {AddressInfo} from 'node:net';
import {startEmulators, type LocalEmulators} from './emulators';
import {seedDemoUser, DEMO_USER} from './seed';

const DEFAULT_PORT = 40020;

export interface LocalStack {
  url: string;
  emulators: LocalEmulators;
  stop(): Promise<void>;
}

/** Starts the stack; the functions read their configuration from process.env, as in production. */
export async function startLocalStack(port: number): Promise<LocalStack> {
  // Only emulators here: no GCE metadata server to probe for (a slow lookup and a warning).
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const emulators = await startEmulators();
  process.env.FIRESTORE_EMULATOR_HOST = emulators.firestoreHost;
  process.env.FCM_EMULATOR_HOST = emulators.fcmHost;
  process.env.GOOGLE_CLOUD_PROJECT ??= 'demo-device-registration';
  process.env.DEVICE_GROUP_PREFIX ??= 'local';
  // The reference's cron example sends App Engine's headers: accept them locally.
  process.env.CRON_APPENGINE_COMPAT ??= 'true';
  await seedDemoUser(process.env.GOOGLE_CLOUD_PROJECT);

  const {createLocalServer} = await import('./router');
  const {localExtraRoutes} = await import('./extra-routes');
  const server = createLocalServer(localExtraRoutes());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    emulators,
    async stop() {
      await new Promise<void>(resolve => server.close(() => resolve()));
      server.closeAllConnections();
      await emulators.stop();
    },
  };
}

function banner({url, emulators}: LocalStack): string {
  return [
    '',
    `Device registration API running at ${url}`,
    `  POST   ${url}/api/users/1/fcm_registration_tokens   (addDevice)`,
    `  DELETE ${url}/api/users/1/fcm_registration_tokens   (removeDevice)`,
    `  GET    ${url}/api/cron                               (cron, App Engine compatibility mode)`,
    `  Docs   ${url}/docs`,
    `Firestore emulator: ${emulators.firestoreHost} (${emulators.firestoreKind}), project ${process.env.GOOGLE_CLOUD_PROJECT}`,
    `FCM emulator:       http://${emulators.fcmHost} (${emulators.fcmKind}); groups: http://${emulators.fcmHost}/emulator/projects/emulator/groups`,
    `Demo user: id ${DEMO_USER.id}, ${DEMO_USER.email} / ${DEMO_USER.password}`,
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const stack = await startLocalStack(port);
  process.stderr.write(banner(stack));
  const shutdown = () => void stack.stop().finally(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `npm start failed: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exit(1);
  });
}
