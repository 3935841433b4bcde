// Browser test harness: Debian's Chromium driven by playwright-core (never a downloaded browser),
// against the repository served by scripts/serve.mjs on an ephemeral loopback port.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createStaticServer, repoRoot, siteMounts } from '../../scripts/serve.mjs';

import { FIXTURES_DIR } from '../js/helpers/fixtures.js';

export { needsModels } from '../js/helpers/fixtures.js';
export { repoRoot };
export const sharedDir = FIXTURES_DIR;
const CHROMIUM = '/usr/bin/chromium';

// Starts the server and the browser; returns { baseUrl, browser, newPage, close }.
// `extraRoots`: more folders served at / after the site's; `mounts`: more { prefix, dir } mounts
// tried before the site's; `args`: extra Chromium switches.
export async function startBrowser({ extraRoots = [], mounts = [], args = [] } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh`);
  // The site, plus ../shared as /shared/ so tests can load the fixture models by URL.
  const server = createStaticServer([...mounts, ...siteMounts, { prefix: '/shared/', dir: sharedDir },
                                     ...extraRoots.map((dir) => ({ prefix: '/', dir }))]);
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const baseUrl = `http://127.0.0.1:${server.address().port}`;
  const userDataDir = mkdtempSync(join(tmpdir(), 'webgguf-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync', ...args],
  });
  return {
    baseUrl,
    context,
    async newPage({ viewport } = {}) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      page.on('pageerror', (error) => console.error('[page error]', error.message));
      return page;
    },
    async close() {
      await context.close();
      await new Promise((done) => server.close(done));
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
