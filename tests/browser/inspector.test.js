// The demo's GGUF inspector: the page loads the wasm module in Chromium (cross-origin isolated)
// and shows the header of a picked file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { needsModels, sharedDir, startBrowser } from './harness.js';

let browser;
before(async () => {
  browser = await startBrowser();
});
after(async () => browser?.close());

test('inspector shows the header of lexi-28m', { skip: needsModels }, async () => {
  const page = await browser.newPage();
  await page.goto(`${browser.baseUrl}/`);
  await page.click('nav button[data-view="inspector"]');
  await page.waitForFunction(() => document.getElementById('runtime').textContent.startsWith('Engine ready'));
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  await page.setInputFiles('#gguf-file', join(sharedDir, 'models/lexi-28m-f16.gguf'));
  await page.waitForSelector('#inspect-result:not([hidden])');
  const summary = await page.textContent('#inspect-status');
  assert.match(summary, /GGUF v3, \d+ keys, 75 tensors/);
  const rows = await page.$$eval('#tensor-table tbody tr', (trs) => trs.map((tr) => tr.textContent));
  assert.equal(rows.length, 75);
  assert.ok(rows.some((r) => r.includes('blk.0.attn_q.weight') && r.includes('f16') && r.includes('[512, 512]')));
  await page.close();
});

test('inspector reports a broken file', async () => {
  const page = await browser.newPage();
  await page.goto(`${browser.baseUrl}/`);
  await page.click('nav button[data-view="inspector"]');
  await page.waitForFunction(() => document.getElementById('runtime').textContent.startsWith('Engine ready'));
  await page.setInputFiles('#gguf-file', { name: 'bad.gguf', mimeType: 'application/octet-stream',
                                           buffer: Buffer.from('not a gguf file at all') });
  await page.waitForSelector('#inspect-status.error');
  assert.match(await page.textContent('#inspect-status'), /bad\.gguf: .*magic/i);
  await page.close();
});
