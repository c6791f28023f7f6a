/**
 * Opens /docs, as served by the local server, in headless Chromium (Debian's `chromium`
 * driven by playwright-core) and checks that the page shows the six operations, all of
 * it loaded from the local server. Set DOCS_SCREENSHOT=update to refresh docs/docs-page.png.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {chromium, type Browser} from 'playwright-core';
import {docsRoute} from '../../../tools/docs/serve';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const SCREENSHOT = path.resolve(__dirname, '../../../docs/docs-page.png');
const SKIP_TAG = '[SKIPPED: no Chromium]';

function describeWithChromium(name: string, fn: () => void): void {
  if (fs.existsSync(CHROMIUM)) return describe(name, fn);
  // Straight to stderr: jest's default reporter drops console output of fully skipped files.
  process.stderr.write(
    `${SKIP_TAG} "${name}" is skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, as .ci/run does, or set CHROMIUM_PATH)\n`,
  );
  describe.skip(`${name} ${SKIP_TAG}`, fn);
}

describeWithChromium('the /docs page in Chromium', () => {
  let server: Server;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    const {createLocalServer} =
      await import('../../../tools/local-stack/router');
    server = createLocalServer([docsRoute]);
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>(resolve => server?.close(() => resolve()));
  });

  it('shows the six operations, with nothing loaded from elsewhere', async () => {
    const page = await browser.newPage({viewport: {width: 1280, height: 900}});
    const requested: string[] = [];
    const problems: string[] = [];
    page.on('request', request => requested.push(request.url()));
    page.on('pageerror', error => problems.push(error.message));
    page.on(
      'console',
      message => message.type() === 'error' && problems.push(message.text()),
    );

    const response = await page.goto(`${url}/docs`);
    expect(response?.status()).toBe(200);
    await page.locator('.opblock').nth(2).waitFor({timeout: 15000});

    const operations = await page
      .locator('.opblock-summary')
      .evaluateAll(blocks =>
        blocks.map(b =>
          [
            '.opblock-summary-method',
            '.opblock-summary-path',
            '.opblock-summary-description',
          ]
            .map(selector =>
              b
                .querySelector(selector)
                ?.textContent?.replace(/\u200b/g, '')
                .trim(),
            )
            .join(' '),
        ),
      );
    expect(operations).toEqual([
      'GET /api/cron Run the scheduled tasks',
      'POST /api/users/{user}/fcm_registration_tokens Add a device',
      'DELETE /api/users/{user}/fcm_registration_tokens Remove a device',
      "POST /api/users/{user}/notifications Send a notification to a user's devices",
      'POST /api/notifications Send a notification to many users, in the background',
      'GET /api/notifications/{batch} Follow the delivery of a batch',
    ]);
    await expect(page.locator('.info .title').textContent()).resolves.toContain(
      'Device registration API',
    );
    expect(problems).toEqual([]);
    expect(
      requested.filter(u => !u.startsWith(`${url}/`) && !u.startsWith('data:')),
    ).toEqual([]);

    const target =
      process.env.DOCS_SCREENSHOT === 'update'
        ? SCREENSHOT
        : path.join(os.tmpdir(), `docs-page-${process.pid}.png`);
    await page.screenshot({path: target, fullPage: true});
    expect(fs.statSync(target).size).toBeGreaterThan(10_000);
    if (target !== SCREENSHOT) fs.rmSync(target);
  });
});
