/**
 * The local stack's `/docs`: a Swagger UI page (from the swagger-ui-dist package in
 * node_modules, nothing from a CDN), `/docs/openapi.json` and `/docs/collection.json`.
 * The documents are generated from the running code, so they are what `npm run docs` writes,
 * except that the served copies name the origin they are served from (`docsRouteFor`).
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type {ExtraRoute} from '../local-stack/router';
import {COLLECTION_FILE, OPENAPI_FILE, renderApiDocs} from './documents';
import {LOCAL_BASE_URL} from './examples';

const SWAGGER_UI_DIR = path.dirname(
  require.resolve('swagger-ui-dist/package.json'),
);

/** Files of swagger-ui-dist the page uses, by their name under /docs/. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
};

// Everything the page loads comes from this server; the CSP makes a stray CDN link fail visibly.
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self' http://localhost:*";

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Device registration API reference</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// "Try it out" targets the documented server; send it to whichever address this page was
// actually loaded from (localhost and 127.0.0.1 are different origins to the browser).
function initScript(origin: string): string {
  return `window.ui = SwaggerUIBundle({
  url: '/docs/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  docExpansion: 'list',
  layout: 'BaseLayout',
  requestInterceptor: function (request) {
    request.url = request.url.replace(${JSON.stringify(origin)}, window.location.origin);
    return request;
  },
});
`;
}

let committed: Record<string, string> | undefined;

/** The generated documents with the documented local address replaced by `origin`. */
function documentsFor(origin: string): Record<string, string> {
  committed ??= renderApiDocs();
  if (origin === LOCAL_BASE_URL) return committed;
  return Object.fromEntries(
    Object.entries(committed).map(([file, text]) => [
      file,
      text.split(LOCAL_BASE_URL).join(origin),
    ]),
  );
}

function send(
  res: http.ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-cache',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(
    res,
    status,
    'application/json; charset=utf-8',
    JSON.stringify(body),
    headers,
  );
}

function serve(
  name: string,
  res: http.ServerResponse,
  origin: string,
  documents: () => Record<string, string>,
): void {
  if (name === '')
    return send(res, 200, 'text/html; charset=utf-8', PAGE, {
      'Content-Security-Policy': CSP,
    });
  if (name === 'init.js')
    return send(res, 200, 'text/javascript; charset=utf-8', initScript(origin));
  if (name === 'openapi.json')
    return send(
      res,
      200,
      'application/json; charset=utf-8',
      documents()[OPENAPI_FILE]!,
    );
  if (name === 'collection.json') {
    return send(
      res,
      200,
      'application/json; charset=utf-8',
      documents()[COLLECTION_FILE]!,
      {
        'Content-Disposition': 'inline; filename="collection.json"',
      },
    );
  }
  const type = ASSETS[name];
  if (type)
    return send(
      res,
      200,
      type,
      fs.readFileSync(path.join(SWAGGER_UI_DIR, name)),
    );
  sendJson(res, 404, {message: 'Not Found.'});
}

/**
 * Serves `/docs`, `/docs/` and the files under it for a server at `origin`
 * (`http://localhost:PORT`): the served OpenAPI servers entry and the collection's `baseUrl`
 * name that origin. Every other path is left to the API.
 */
export function docsRouteFor(origin: string): ExtraRoute {
  let documents: Record<string, string> | undefined;
  const lazyDocuments = () => (documents ??= documentsFor(origin));
  return (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const match = /^\/docs(?:\/(.*))?$/.exec(pathname);
    if (!match) return false;
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(
        res,
        405,
        {message: 'The method is not supported for this route.'},
        {Allow: 'GET, HEAD'},
      );
      return true;
    }
    serve(match[1] ?? '', res, origin, lazyDocuments);
    return true;
  };
}

/** `/docs` exactly as `npm run docs` writes the documents (naming the default local address). */
export const docsRoute: ExtraRoute = docsRouteFor(LOCAL_BASE_URL);
