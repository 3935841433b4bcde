// Quantization in Chromium: lexi-28m-f16 to Q4_K_M from its URL gives the native quantizer's bytes
// and the result loads and completes; the chat model quantized into an OPFS file is the bundled
// model byte for byte and gives its greedy answer; the Shrink view refuses a quantized input from
// its header, runs the one-click F16 sample with its defaults (KL divergence, top-1 agreement and
// perplexity with errors; Q8_0 and Q2_K separate), draws a log-scale chart and shows cards at 375 px
// (screenshots in build/screenshots/). Time and wasm heap are printed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editGgufMetadata } from './gguf_edit.js';
import { needsModels, repoRoot, sharedDir, startBrowser } from './harness.js';

const screenshots = join(repoRoot, 'build/screenshots');
// `webgguf quantize lexi-28m-f16.gguf OUT Q4_K_M` natively (tests/js/quantize.test.js).
const NATIVE_Q4_K_M_SHA256 = '25acb5181fd67ab1f0f444478132bdc4e208242e45549668d46478d311bb8859';
// The bundled model is the native quantizer's Q4_K_M of lexi-28m-chat-f16.
const BUNDLED_SHA256 = createHash('sha256').update(readFileSync(join(repoRoot, 'web/models/lexi-28m-chat-Q4_K_M.gguf'))).digest('hex');
// Its greedy answer (tests/browser/chat_page.test.js).
const RIVER_ANSWER = 'A river is a large natural stream of water (larger than a creek). For example: "the river was chaosed to catch it".';

let browser;
let modelsDir;
before(async () => {
  mkdirSync(screenshots, { recursive: true });
  // An F32 model whose header names an architecture the engine does not run.
  modelsDir = mkdtempSync(join(tmpdir(), 'webgguf-shrink-'));
  execFileSync(join(repoRoot, 'build/native/webgguf'), ['synth', join(modelsDir, 'synth.gguf'), '--shape', 'tiny',
    '--arch', 'llama', '--vocab-from', join(sharedDir, 'models/lexi-28m-f16.gguf')]);
  writeFileSync(join(modelsDir, 'mamba-f32.gguf'),
                editGgufMetadata(readFileSync(join(modelsDir, 'synth.gguf')), { 'general.architecture': 'mamba' }));
  browser = await startBrowser({ mounts: [{ prefix: '/test-models/', dir: modelsDir }] });
});
after(async () => {
  await browser?.close();
  if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
});

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

test('Shrink: the one-click sample, KL and top-1 with errors that separate Q8_0 from Q2_K, a log chart, cards at 375 px', { skip: needsModels }, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${browser.baseUrl}/`);
  await page.waitForFunction(() => /^Engine ready/.test(document.getElementById('runtime').textContent));
  await page.click('nav button[data-view="shrink-view"]');
  // An unsupported architecture and a quantized input are refused from their headers, before
  // anything loads.
  await page.fill('#shrink-form [name="url"]', '/test-models/mamba-f32.gguf');
  await page.click('#shrink-form button[type="submit"]');
  await page.waitForFunction(() => document.getElementById('shrink-status').classList.contains('error'));
  assert.match(await page.textContent('#shrink-status'), /architecture 'mamba' is not supported \(supported: llama, [a-z0-9, ]+\)/);
  assert.equal(await page.evaluate(() => globalThis.webgguf.shrinkView.engine.info()), null);
  await page.fill('#shrink-form [name="url"]', '/models/lexi-28m-chat-Q4_K_M.gguf');
  await page.waitForFunction(() => document.getElementById('shrink-status').textContent === '');
  await page.click('#shrink-form button[type="submit"]');
  await page.waitForFunction(() => document.getElementById('shrink-status').classList.contains('error'));
  assert.match(await page.textContent('#shrink-status'), /already quantized \(Q4_K_M.*F16, BF16 or F32 original/);
  assert.equal(await page.$$eval('#shrink-table tbody tr', (trs) => trs.length), 0);
  assert.equal(await page.evaluate(() => globalThis.webgguf.shrinkView.engine.info()), null);
  // A missing file: its error, then cleared by the next (successful) run.
  await page.fill('#shrink-form [name="url"]', '/models/missing-f16.gguf');
  await page.click('#shrink-form button[type="submit"]');
  await page.waitForFunction(() => /404/.test(document.getElementById('shrink-status').textContent));
  // The sample with the default settings (Q8_0, Q4_K_M, Q2_K; 8 chunks of 256 tokens).
  await page.waitForSelector('#shrink-sample-row:not([hidden])');
  await page.click('#shrink-sample');
  await page.waitForFunction(() => !/404/.test(document.getElementById('shrink-status').textContent));
  await page.waitForFunction(() => /^Done/.test(document.getElementById('shrink-status').textContent), null, { timeout: 600_000 });
  assert.match(await page.textContent('#shrink-status'), /8 chunks of 256 tokens/);

  const rows = await page.$$eval('#shrink-table tbody tr', (trs) => trs.map((tr) => ({
    cells: [...tr.cells].map((td) => td.textContent), download: tr.querySelector('a')?.getAttribute('download') ?? null })));
  assert.equal(rows.length, 4, JSON.stringify(rows));
  assert.match(rows[0].cells[0], /^original/);
  assert.deepEqual(rows.slice(1).map((r) => r.cells[0]), ['Q8_0', 'Q4_K_M ★ recommended', 'Q2_K']);
  assert.deepEqual(rows.slice(1, 3).map((r) => r.cells[1]), ['30.2 MB', '17.5 MB']);  // llama-quantize's sizes
  assert.deepEqual(rows.slice(1).map((r) => r.download), ['lexi-28m-Q8_0.gguf', 'lexi-28m-Q4_K_M.gguf', 'lexi-28m-Q2_K.gguf']);
  const parse = (text) => text.replace('%', '').split(' ± ').map(Number);
  const [q8, q4, q2] = rows.slice(1).map((r) => ({ kl: parse(r.cells[3]), top: parse(r.cells[4]), ppl: parse(r.cells[5]) }));
  console.log(`# Shrink sample, 8 x 256: KL Q8_0 ${q8.kl.join(' ± ')}, Q4_K_M ${q4.kl.join(' ± ')}, Q2_K ${q2.kl.join(' ± ')}; ` +
              `top-1 ${q8.top.join(' ± ')}% / ${q4.top.join(' ± ')}% / ${q2.top.join(' ± ')}%`);
  // Error bars that separate: Q8_0's upper end below Q4_K_M's lower end below Q2_K's.
  assert.ok(q8.kl[0] + q8.kl[1] < q4.kl[0] - q4.kl[1] && q4.kl[0] + q4.kl[1] < q2.kl[0] - q2.kl[1], JSON.stringify({ q8, q4, q2 }));
  assert.ok(q8.top[0] - q8.top[1] > q2.top[0] + q2.top[1], 'top-1 agreement does not separate Q8_0 from Q2_K');
  assert.ok(q8.kl[0] < 1e-3 && q2.kl[0] > 0.03, `KL ${q8.kl[0]} / ${q2.kl[0]}`);
  for (const row of rows) assert.match(row.cells[5], /^\d+\.\d\d ± \d+\.\d\d$/);

  // The chart: one point per preset with error bars, decades on a log axis, no repeated tick labels.
  const chart = await page.$$eval('#shrink-chart g.point', (groups) => groups.map((g) => ({
    preset: g.dataset.preset, star: !!g.querySelector('polygon'), bars: g.querySelectorAll('.error-bar').length })));
  assert.deepEqual(chart, [
    { preset: 'Q8_0', star: false, bars: 3 }, { preset: 'Q4_K_M', star: true, bars: 3 }, { preset: 'Q2_K', star: false, bars: 3 }]);
  const ticks = await page.$$eval('#shrink-chart .axes > text', (texts) => texts.map((t) => t.textContent));
  assert.equal(new Set(ticks).size, ticks.length, `repeated tick labels: ${ticks.join(', ')}`);
  assert.ok(ticks.includes('0.1') && ticks.includes('1e-4'), ticks.join(', '));
  await page.locator('#shrink-view').screenshot({ path: join(screenshots, 'shrink.png') });
  // The report alone (status line, table and chart), for the README: its box in page coordinates.
  const clip = await page.evaluate(() => {
    const boxes = ['#shrink-status', '#shrink-table', '#shrink-chart'].map((s) => document.querySelector(s).getBoundingClientRect());
    const left = Math.min(...boxes.map((b) => b.left)) + scrollX - 8;
    const top = Math.min(...boxes.map((b) => b.top)) + scrollY - 8;
    return { x: Math.max(0, left), y: top, width: Math.max(...boxes.map((b) => b.right)) + scrollX + 8 - Math.max(0, left),
             height: Math.max(...boxes.map((b) => b.bottom)) + scrollY + 8 - top };
  });
  await page.screenshot({ path: join(screenshots, 'shrink-report.png'), fullPage: true, clip });

  // 375 px: one card per preset, every field labelled, nothing hidden sideways.
  await page.setViewportSize({ width: 375, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the Shrink view scrolls sideways by ${overflow}px at 375 px`);
  const card = await page.$eval('#shrink-table tbody tr:nth-child(3)', (tr) => ({
    width: tr.getBoundingClientRect().width, labels: [...tr.cells].map((td) => td.dataset.label),
    download: tr.querySelector('a').getBoundingClientRect().right }));
  assert.ok(card.width <= 375 && card.download <= 375, JSON.stringify(card));
  assert.deepEqual(card.labels, ['preset', 'size', '% of original', 'KL divergence', 'same top token', 'perplexity', 'file']);
  await page.screenshot({ path: join(screenshots, 'shrink-narrow.png'), fullPage: true });
  await page.close();
});
