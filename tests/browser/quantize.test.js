// Quantization in Chromium: lexi-28m-f16 to Q4_K_M from its URL gives the native quantizer's bytes
// and the result loads and completes; the chat model quantized into an OPFS file is the bundled
// model byte for byte and gives its greedy answer; the Shrink view measures two presets and draws
// its table and chart (screenshots in build/screenshots/). Time and wasm heap are printed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsModels, repoRoot, startBrowser } from './harness.js';

const screenshots = join(repoRoot, 'build/screenshots');
// `webgguf quantize lexi-28m-f16.gguf OUT Q4_K_M` natively (tests/js/quantize.test.js).
const NATIVE_Q4_K_M_SHA256 = '25acb5181fd67ab1f0f444478132bdc4e208242e45549668d46478d311bb8859';
// The bundled model is the native quantizer's Q4_K_M of lexi-28m-chat-f16.
const BUNDLED_SHA256 = createHash('sha256').update(readFileSync(join(repoRoot, 'web/models/lexi-28m-chat-Q4_K_M.gguf'))).digest('hex');
// Its greedy answer (tests/browser/chat_page.test.js).
const RIVER_ANSWER = 'A river is a large natural stream of water (larger than a creek). For example: "the river was chaosed to catch it".';

let browser;
before(async () => {
  mkdirSync(screenshots, { recursive: true });
  browser = await startBrowser();
});
after(async () => browser?.close());

async function openDemoOrigin() {
  const page = await browser.newPage();
  await page.goto(`${browser.baseUrl}/`);  // COOP/COEP and the import map
  return page;
}

test('Q4_K_M of lexi-28m-f16 from its URL equals the native file, loads and completes', { skip: needsModels }, async () => {
  const page = await openDemoOrigin();
  const result = await page.evaluate(async (nativeSha) => {
    const { Engine } = await import('/js/index.js');
    const engine = await Engine.create({ threads: 1 });
    const started = performance.now();
    let progressEvents = 0;
    const quantized = await engine.quantize('/shared/models/lexi-28m-f16.gguf', 'Q4_K_M', {
      sha256: true, onProgress: () => { progressEvents += 1; } });
    const ms = performance.now() - started;
    const heap = await engine.memory();
    const info = await engine.load(quantized.blob, { cache: false, n_ctx: 256 });
    const completion = await engine.complete('A river is', { temperature: 0, max_tokens: 12 });
    await engine.terminate();
    return { ms, heap, progressEvents, sha256: quantized.sha256, size: quantized.size, blobSize: quantized.blob.size,
             quantization: info.quantization, text: completion.choices[0].text, nativeSha };
  }, NATIVE_Q4_K_M_SHA256);
  console.log(`# Chromium wasm (st, 1 thread): Q4_K_M of lexi-28m-f16 in ${result.ms.toFixed(0)} ms, wasm heap ${(result.heap.heapSize / 1048576).toFixed(0)} MiB`);
  assert.equal(result.sha256, NATIVE_Q4_K_M_SHA256);
  assert.equal(result.size, 17510016);
  assert.equal(result.blobSize, 17510016);
  assert.ok(result.progressEvents > 75);
  assert.equal(result.quantization, 'Q4_K_M');
  assert.ok(result.text.trim().length > 0, 'empty completion');
  // Streaming: the 56 MB input never sits in wasm memory whole (the heap starts at 16 MiB).
  assert.ok(result.heap.heapSize < 64 * 1048576 + 56788544, `wasm heap grew to ${result.heap.heapSize} bytes`);
  await page.close();
});

test('the chat model quantized into an OPFS file (threaded build) is the bundled model and chats', { skip: needsModels }, async () => {
  const page = await openDemoOrigin();
  const result = await page.evaluate(async () => {
    const { Engine } = await import('/js/index.js');
    const engine = await Engine.create({ threads: 2 });
    const started = performance.now();
    const quantized = await engine.quantize('/shared/models/lexi-28m-chat-f16.gguf', 'Q4_K_M', {
      output: 'lexi-chat-Q4_K_M.gguf', sha256: true });
    const ms = performance.now() - started;
    const root = await navigator.storage.getDirectory();
    const file = await (await root.getFileHandle('lexi-chat-Q4_K_M.gguf')).getFile();
    await engine.load(file, { cache: false });
    const reply = await engine.chat.completions.create({
      messages: [{ role: 'user', content: 'What is a river?' }], temperature: 0, repeat_penalty: 1, max_tokens: 64 });
    const runtime = engine.runtime;
    await engine.terminate();
    await root.removeEntry('lexi-chat-Q4_K_M.gguf');
    return { ms, runtime, sha256: quantized.sha256, opfsName: quantized.opfsName, fileSize: file.size,
             text: reply.choices[0].message.content };
  });
  console.log(`# Chromium wasm (${result.runtime.variant}, ${result.runtime.threads} threads): Q4_K_M of lexi-28m-chat-f16 into OPFS in ${result.ms.toFixed(0)} ms`);
  assert.equal(result.runtime.variant, 'mt');
  assert.equal(result.opfsName, 'lexi-chat-Q4_K_M.gguf');
  assert.equal(result.sha256, BUNDLED_SHA256);
  assert.equal(result.fileSize, 17510016);
  assert.equal(result.text, RIVER_ANSWER);
  await page.close();
});

test('the Shrink view measures two presets: table, chart, downloads, 375 px', { skip: needsModels }, async () => {
  const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
  await page.goto(`${browser.baseUrl}/`);
  await page.waitForFunction(() => /^Engine ready/.test(document.getElementById('runtime').textContent));
  await page.click('nav button[data-view="shrink-view"]');
  await page.fill('#shrink-form [name="url"]', '/shared/models/lexi-28m-f16.gguf');
  for (const box of await page.$$('#shrink-presets input[name="preset"]')) {
    const preset = await box.getAttribute('value');
    await box.setChecked(preset === 'Q8_0' || preset === 'Q4_K_M');
  }
  await page.selectOption('#shrink-form [name="ctx"]', '256');
  await page.fill('#shrink-form [name="chunks"]', '2');
  await page.click('#shrink-form button[type="submit"]');
  await page.waitForFunction(() => /^Done/.test(document.getElementById('shrink-status').textContent), null, { timeout: 240_000 });

  const rows = await page.$$eval('#shrink-table tbody tr', (trs) => trs.map((tr) => ({
    cells: [...tr.cells].map((td) => td.textContent), download: tr.querySelector('a')?.getAttribute('download') ?? null })));
  assert.equal(rows.length, 3, JSON.stringify(rows));
  assert.match(rows[0].cells[0], /^F16 \(original\)/);
  assert.equal(rows[0].cells[2], '100.0%');
  assert.deepEqual(rows.slice(1).map((r) => r.cells[0]), ['Q8_0', 'Q4_K_M ★ recommended']);
  assert.deepEqual(rows.slice(1).map((r) => r.cells[1]), ['30.2 MB', '17.5 MB']);  // llama-quantize's sizes
  assert.deepEqual(rows.slice(1).map((r) => r.cells[2]), ['53.3%', '30.8%']);
  assert.deepEqual(rows.slice(1).map((r) => r.download), ['lexi-28m-Q8_0.gguf', 'lexi-28m-Q4_K_M.gguf']);
  const ppl = rows.map((r) => Number(r.cells[3]));
  assert.ok(ppl.every((p) => p > 1 && p < 1000), ppl.join());
  assert.ok(Math.abs(ppl[1] - ppl[0]) / ppl[0] < 0.01, `Q8_0 ${ppl[1]} vs original ${ppl[0]}`);
  const chart = await page.$$eval('#shrink-chart g.point', (groups) => groups.map((g) => ({
    preset: g.dataset.preset, recommended: g.classList.contains('recommended'), star: !!g.querySelector('polygon') })));
  assert.deepEqual(chart, [
    { preset: 'original', recommended: false, star: false },
    { preset: 'Q8_0', recommended: false, star: false },
    { preset: 'Q4_K_M', recommended: true, star: true },
  ]);
  const chartBox = await page.locator('#shrink-chart').boundingBox();
  assert.ok(chartBox && chartBox.height > 100 && chartBox.width > 200, `chart box ${JSON.stringify(chartBox)}`);
  await page.screenshot({ path: join(screenshots, 'shrink.png'), fullPage: true });

  await page.setViewportSize({ width: 375, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the Shrink view scrolls sideways by ${overflow}px at 375 px`);
  await page.screenshot({ path: join(screenshots, 'shrink-narrow.png'), fullPage: true });
  await page.close();
});
