// Browser test harness: Debian's Chromium driven by playwright-core (never a downloaded browser),
// against the repository served by scripts/serve.mjs on an ephemeral loopback port.
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createStaticServer, repoRoot, siteRoots } from '../../scripts/serve.mjs';

import { FIXTURES_DIR } from '../js/helpers/fixtures.js';

export { needsModels } from '../js/helpers/fixtures.js';
export { repoRoot };
export const sharedDir = FIXTURES_DIR;
const CHROMIUM = '/usr/bin/chromium';

// Starts the server and the browser; returns { baseUrl, browser, newPage, close }.
// `extraRoots`: more folders served after the site's; `args`: extra Chromium switches.
export async function startBrowser({ extraRoots = [], args = [] } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh`);
  // The site, plus the fixtures folder as /shared/ (a link in a folder of our own) so tests can
  // load the fixture models by URL.
  const linkDir = mkdtempSync(join(tmpdir(), 'webgguf-serve-'));
  symlinkSync(sharedDir, join(linkDir, 'shared'));
  const server = createStaticServer([...siteRoots, linkDir, ...extraRoots]);
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
      rmSync(linkDir, { recursive: true, force: true });
    },
  };
}
