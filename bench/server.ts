/**
 * The benchmark's server process: the local stack's server (the three functions inside
 * the Functions Framework) plus the floor function at `/floor`, with Firestore traffic
 * counted. Control routes: `GET /__bench/stats` (counts and memory; `?reset=1` zeroes
 * the counts). Configuration comes from the environment, as in production. Prints
 * `listening PORT` on stdout once it serves.
 */
import type {AddressInfo} from 'node:net';
import {firestoreCounts, installFirestoreCounter} from './firestore-counter';

installFirestoreCounter();

async function main(): Promise<void> {
  const {getTestServer} =
    await import('@google-cloud/functions-framework/testing');
  await import('./floor');
  const {createLocalServer} = await import('../tools/local-stack/router');
  const floor = getTestServer('floor');
  const server = createLocalServer([
    (req, res) => {
      if (!req.url?.startsWith('/__bench/stats')) return false;
      const reset = req.url.includes('reset=1');
      res.writeHead(200, {'Content-Type': 'application/json'});
      res.end(
        JSON.stringify({
          firestore: firestoreCounts(reset),
          memory: process.memoryUsage(),
        }),
      );
      return true;
    },
    (req, res) => {
      if (req.url !== '/floor') return false;
      floor.emit('request', req, res);
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
