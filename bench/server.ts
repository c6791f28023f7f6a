/**
 * The benchmark's server process: the local stack's server (the three functions inside
 * the Functions Framework), plus the hello-world function inside the Functions Framework at
 * `GET /hello`, with Firestore traffic and CPU counted. Control route: `GET /__bench/stats`
 * (see process-stats.ts). Configuration comes from the environment, as in production
 * (`DEVICE_GROUPS` picks the backend). Prints `listening PORT` on stdout once it serves.
 */
import type {AddressInfo} from 'node:net';
import {installFirestoreCounter} from './firestore-counter';
import {countResponse, serveStats} from './process-stats';

installFirestoreCounter();

async function main(): Promise<void> {
  const {getTestServer} =
    await import('@google-cloud/functions-framework/testing');
  await import('./hello');
  const {createLocalServer} = await import('../tools/local-stack/router');
  const hello = getTestServer('hello');
  const server = createLocalServer([
    serveStats,
    (req, res) => {
      countResponse(res);
      if (req.url !== '/hello') return false;
      hello.emit('request', req, res);
      return true;
    },
  ]);
  server.keepAliveTimeout = 30_000;
  const port = Number(process.env.PORT ?? 0);
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
