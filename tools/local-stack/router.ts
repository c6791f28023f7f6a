/**
 * One local HTTP server in front of the four functions, at the Laravel paths. Each
 * function runs inside the Functions Framework's own server (as in production) and the
 * router only picks which one gets the request, by the route table.
 */
import http from 'node:http';
import {getTestServer} from '@google-cloud/functions-framework/testing';
// Not the entry module: its configuration check would run before the emulators are known.
import '../../functions/all';
import {routesFor, type FunctionName} from '../../shared/http/routes';

export type ExtraRoute = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
) => boolean;

function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

/** Creates (does not start) the local server. `extra` may serve more paths (docs). */
export function createLocalServer(extra: ExtraRoute[] = []): http.Server {
  const servers = new Map<FunctionName, http.Server>();
  const serverOf = (name: FunctionName) => {
    let server = servers.get(name);
    if (!server) servers.set(name, (server = getTestServer(name)));
    return server;
  };
  return http.createServer((req, res) => {
    if (extra.some(route => route(req, res))) return;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const routes = routesFor(path);
    if (routes.length === 0) return json(res, 404, {message: 'Not Found.'});
    const route = routes.find(r => r.method === req.method);
    if (!route) {
      req.resume();
      return json(
        res,
        405,
        {message: 'The method is not supported for this route.'},
        {Allow: routes.map(r => r.method).join(', ')},
      );
    }
    serverOf(route.functionName).emit('request', req, res);
  });
}
