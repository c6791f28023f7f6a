import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type {Socket} from 'node:net';
import {CallLog} from './call-log';
import {handleControl} from './control-endpoints';
import {handleFcmNotification} from './fcm-endpoint';
import {FaultQueue} from './faults';
import {GroupStore} from './group-store';
import {jsonError, send, type Reply} from './http-json';

/** A running emulator. */
export interface FcmEmulator {
  /** `host:port`, e.g. `127.0.0.1:9099`. */
  host: string;
  /** Base URL, e.g. `http://127.0.0.1:9099`; FCM's endpoint is `${url}/fcm/notification`. */
  url: string;
  /** Stops listening and drops every open connection, including ones held by a timeout fault. */
  close(): Promise<void>;
}

/** Options of {@link startFcmEmulator}. */
export interface FcmEmulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; `127.0.0.1` by default. */
  host?: string;
  /** Receives one JSON line per FCM call and per internal error; silent by default. */
  log?: (line: string) => void;
}

/**
 * Starts an in-memory emulator of FCM's legacy device-group API (`/fcm/notification`)
 * with a control API under `/emulator/` for inspecting state and injecting faults.
 */
export async function startFcmEmulator(
  opts: FcmEmulatorOptions = {},
): Promise<FcmEmulator> {
  const deps = {
    store: new GroupStore(),
    faults: new FaultQueue(),
    calls: new CallLog(),
    log: opts.log ?? (() => undefined),
  };
  const route = (req: IncomingMessage, url: URL): Promise<Reply> | Reply => {
    if (url.pathname === '/fcm/notification')
      return handleFcmNotification(req, url, deps);
    if (url.pathname.startsWith('/emulator/'))
      return handleControl(req, url, deps);
    return jsonError(404, 'not found');
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    Promise.resolve()
      .then(() => route(req, url))
      .catch((err: unknown) => {
        const stack = err instanceof Error ? err.stack : String(err);
        deps.log(
          JSON.stringify({
            severity: 'ERROR',
            message: 'emulator failure',
            stack,
          }),
        );
        return jsonError(500, 'internal emulator error');
      })
      .then(reply => send(req, res, reply))
      // Nothing sensible can be written once sending itself failed; drop the connection.
      .catch(() => req.socket.destroy());
  });
  // server.close() waits for open connections, and a timeout fault holds one open forever.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('emulator has no TCP address');
  const hostname =
    address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const host = `${hostname}:${address.port}`;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>(resolve => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };
  return {host, url: `http://${host}`, close};
}
