/**
 * What the local server answers under /docs: the page, the committed documents, the
 * renderer's assets from node_modules, and JSON errors for anything else.
 */
import fs from 'node:fs';
import path from 'node:path';
import type {Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {COLLECTION_FILE, OPENAPI_FILE} from '../../../tools/docs/documents';
import {docsRoute} from '../../../tools/docs/serve';

const committed = (file: string) =>
  fs.readFileSync(path.resolve(__dirname, '../../..', file), 'utf8');

describe('/docs on the local server', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const {createLocalServer} =
      await import('../../../tools/local-stack/router');
    server = createLocalServer([docsRoute]);
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>(resolve => server.close(() => resolve())));

  it.each([
    ['/docs/openapi.json', OPENAPI_FILE],
    ['/docs/collection.json', COLLECTION_FILE],
  ])('serves %s as committed in %s', async (route, file) => {
    const response = await fetch(url + route);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(
      'application/json; charset=utf-8',
    );
    expect(await response.text()).toBe(committed(file));
  });

  it.each(['/docs', '/docs/'])(
    'serves the HTML page at %s, loading only local files',
    async route => {
      const response = await fetch(url + route);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(
        'text/html; charset=utf-8',
      );
      expect(response.headers.get('content-security-policy')).toMatch(
        /^default-src 'self'/,
      );
      const html = await response.text();
      expect(html).toContain('<div id="swagger-ui"></div>');
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    },
  );

  it.each([
    ['/docs/swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
    ['/docs/swagger-ui.css', 'text/css; charset=utf-8'],
    ['/docs/init.js', 'text/javascript; charset=utf-8'],
    ['/docs/favicon-32x32.png', 'image/png'],
  ])('serves the asset %s', async (route, type) => {
    const response = await fetch(url + route);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
  });

  it.each([
    '/docs/index.html',
    '/docs/../package.json',
    '/docs/swagger-ui-bundle.js.map',
  ])('answers 404 for %s', async route => {
    const response = await fetch(url + route);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({message: 'Not Found.'});
  });

  it('answers 405 with Allow for a POST', async () => {
    const response = await fetch(`${url}/docs/openapi.json`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.json()).toEqual({
      message: 'The method is not supported for this route.',
    });
  });

  it('leaves other paths to the API', async () => {
    const response = await fetch(`${url}/api/nothing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({message: 'Not Found.'});
  });
});
