/**
 * `GET /` on the local stack: a small JSON index, so whoever opens the bare address in a
 * browser or with curl learns where the documentation and the endpoints are.
 */
import {ROUTES} from '../../shared/http/routes';
import type {ExtraRoute} from './router';

/** Marks the index, so a second `npm start` can recognise this one on a taken port. */
export const SERVICE_NAME = 'device-registration local stack';

/** The index's content for a stack served at `origin` (`http://localhost:PORT`). */
export function stackIndex(origin: string, data: string): object {
  return {
    service: SERVICE_NAME,
    docs: `${origin}/docs`,
    openapi: `${origin}/docs/openapi.json`,
    postman_collection: `${origin}/docs/collection.json`,
    endpoints: ROUTES.map(route => ({
      function: route.functionName,
      method: route.method,
      url: `${origin}${route.path}`,
      summary: route.summary,
    })),
    data,
  };
}

/** Serves the index at exactly `/` (GET and HEAD); other paths go on to the API. */
export function indexRoute(origin: string, data: string): ExtraRoute {
  const body = JSON.stringify(stackIndex(origin, data), null, 2) + '\n';
  return (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== '/' || (req.method !== 'GET' && req.method !== 'HEAD'))
      return false;
    req.resume();
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
