/**
 * The local stack's `/docs`: a Swagger UI page (from the swagger-ui-dist package in
 * node_modules, nothing from a CDN), `/docs/openapi.json` and `/docs/collection.json`.
 * The documents are generated from the running code, so they are what `npm run docs` writes.
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type {ExtraRoute} from '../local-stack/router';
import {COLLECTION_FILE, OPENAPI_FILE, renderDocs} from './documents';
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

// "Try it out" targets the documented server (the default local port); send it to
// whichever port this page was actually served from.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/docs/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  docExpansion: 'list',
  layout: 'BaseLayout',
  requestInterceptor: function (request) {
    request.url = request.url.replace(${JSON.stringify(LOCAL_BASE_URL)}, window.location.origin);
    return request;
  },
});
`;

let documents: Record<string, string> | undefined;

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

function serve(name: string, res: http.ServerResponse): void {
  if (name === '')
    return send(res, 200, 'text/html; charset=utf-8', PAGE, {
      'Content-Security-Policy': CSP,
    });
  if (name === 'init.js')
    return send(res, 200, 'text/javascript; charset=utf-8', INIT);
  documents ??= renderDocs();
  if (name === 'openapi.json')
    return send(
      res,
      200,
      'application/json; charset=utf-8',
      documents[OPENAPI_FILE]!,
    );
  if (name === 'collection.json') {
    return send(
      res,
      200,
      'application/json; charset=utf-8',
      documents[COLLECTION_FILE]!,
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

/** Serves `/docs`, `/docs/` and the files under it; leaves every other path to the API. */
export const docsRoute: ExtraRoute = (req, res) => {
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
  serve(match[1] ?? '', res);
  return true;
};
