/**
 * A no-Java stand-in for the Firestore emulator (@firestore-emulator/server, in-process gRPC).
 * For `npm start` on a machine without the Google Cloud CLI only: its semantics differ from
 * Firestore in ways our code depends on, so tests never use it.
 */
import {FirestoreServer} from '@firestore-emulator/server';
import {findFreePort} from './free-port';
import type {RunningFirestore} from './start';

const WARNING = `
################################################################################
#  WARNING: Firestore is the in-process @firestore-emulator/server FALLBACK,   #
#  not the official Cloud Firestore emulator. A convenience for \`npm start\`    #
#  only; never trust a result you see with it. It is known to get wrong:       #
#   - concurrent transactions lose updates (20 increments can end at 1)        #
#   - set() without merge keeps the document's old fields                      #
#   - FieldValue.delete() is ignored                                           #
#   - only the first of several transforms in one write applies                #
#   - batches are not atomic                                                   #
#   - collection-group queries return nothing                                  #
#   - listDocuments, BulkWriter and recursiveDelete are not implemented        #
#  It listens on all interfaces (0.0.0.0). Install the Google Cloud CLI with   #
#  its Firestore emulator and Java for the real thing.                         #
################################################################################
`;

/**
 * Starts the fallback server on `port` (0 or absent: a free port) after printing a loud warning
 * on stderr. `host` is `127.0.0.1:PORT`, for FIRESTORE_EMULATOR_HOST.
 */
export async function startFallbackFirestore(
  opts: {port?: number} = {},
): Promise<RunningFirestore> {
  process.stderr.write(WARNING);
  // The server binds every interface, so the port must be free on all of them.
  const port = opts.port || (await findFreePort('0.0.0.0'));
  const server = new FirestoreServer();
  await server.start(port);
  return {
    host: `127.0.0.1:${port}`,
    async stop() {
      server.stop();
    },
  };
}
