/**
 * The benchmark's server process: the local stack's server (the functions inside the
 * Functions Framework), plus the hello-world function inside the Functions Framework at
 * `GET /hello`, with Firestore traffic and CPU counted. Control route: `GET /__bench/stats`
 * (see process-stats.ts). Configuration comes from the environment, as in production
 * (`DEVICE_GROUPS` picks the backend). Prints `listening PORT` on stdout once it serves.
 *
 * With BENCH_OIDC_PUBLIC_KEY (a PEM, see oidc.ts), notifyUser is served by an instance
 * whose ID-token verifier trusts that key instead of Google's certificates.
 */
import type {AddressInfo} from 'node:net';
import type {ExtraRoute} from '../tools/local-stack/router';
import {installFirestoreCounter} from './firestore-counter';
import {countResponse, serveStats} from './process-stats';

installFirestoreCounter();

async function main(): Promise<void> {
  const {getTestServer} =
    await import('@google-cloud/functions-framework/testing');
  await import('./hello');
  const {createLocalServer} = await import('../tools/local-stack/router');
  const hello = getTestServer('hello');
  const notify = await benchNotifyRoute();
  const server = createLocalServer([
    serveStats,
    (req, res) => {
      countResponse(res);
      if (req.url !== '/hello') return false;
      hello.emit('request', req, res);
      return true;
    },
    notify,
  ]);
  server.keepAliveTimeout = 30_000;
  const port = Number(process.env.PORT ?? 0);
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
}

/** notifyUser with the bench's OIDC key, when one is given; otherwise the usual route. */
async function benchNotifyRoute(): Promise<ExtraRoute> {
  const pem = process.env.BENCH_OIDC_PUBLIC_KEY;
  if (!pem) return () => false;
  const functions = await import('@google-cloud/functions-framework');
  const {getTestServer} =
    await import('@google-cloud/functions-framework/testing');
  const {makeNotifyUser} = await import('../functions/notify-user');
  const {createRuntime} = await import('../shared/runtime');
  const {parseConfig} = await import('../shared/platform/config');
  const {BENCH_KID} = await import('./oidc');
  let runtime: ReturnType<typeof createRuntime> | undefined;
  functions.http(
    'notifyUserBench',
    makeNotifyUser(
      () =>
        (runtime ??= createRuntime(parseConfig(process.env), undefined, {
          fetchCerts: async () => ({[BENCH_KID]: pem}),
        })),
    ),
  );
  const notifyServer = getTestServer('notifyUserBench');
  return (req, res) => {
    if (req.method !== 'POST' || !/\/notifications$/.test(req.url ?? ''))
      return false;
    notifyServer.emit('request', req, res);
    return true;
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
