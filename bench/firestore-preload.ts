/**
 * A bench-only variant of the functions' Firestore setup, loaded with `node --require`
 * before the Functions Framework: it creates the default firebase-admin app and its
 * Firestore up front, so the functions' lazy `getApps()[0]` and `getFirestore(app)` find
 * them. `BENCH_PREFER_REST=1` turns on `preferRest` (HTTP/1.1 REST instead of a gRPC
 * channel); `0` keeps gRPC, as the same eager load without it, for a fair comparison.
 *
 * With FIRESTORE_EMULATOR_HOST the client still sends `Authorization: Bearer owner` on
 * gRPC, but its REST fallback (google-gax `fallback`) takes its headers only from an auth
 * client, and the default one looks for application default credentials, which a machine
 * with only the emulator does not have. So against the emulator an auth client that
 * yields the emulator's `owner` token is passed in the `auth` setting, which the Firestore
 * client hands to google-gax's GrpcClient (`options.auth`).
 *
 * Also against the emulator only (its connection is plain text, `ssl: false`), the client
 * asks gRPC for insecure channel credentials even in REST mode (`settings.grpc ??
 * require('google-gax').grpc`), which loads all of google-gax and @grpc/grpc-js: the very
 * load preferRest avoids in production, where TLS takes the other branch. The REST
 * transport never uses those credentials, so the `grpc` setting gets a stand-in and the
 * emulator run loads what production would.
 */
import {initializeApp} from 'firebase-admin/app';
import {getFirestore} from 'firebase-admin/firestore';

const db = getFirestore(
  initializeApp({projectId: process.env.GOOGLE_CLOUD_PROJECT}),
);
if (process.env.BENCH_PREFER_REST === '1') {
  // google-gax 4 spreads these headers into a plain object: not a `Headers` instance.
  const emulatorAuth = {
    getRequestHeaders: async () => ({Authorization: 'Bearer owner'}),
  };
  const insecureGrpc = {credentials: {createInsecure: () => ({})}};
  db.settings({
    preferRest: true,
    ...(process.env.FIRESTORE_EMULATOR_HOST
      ? {auth: emulatorAuth, grpc: insecureGrpc}
      : {}),
  });
}
