// The npm package in Chromium, without the demo page: the threaded build runs in a module
// worker on a cross-origin-isolated page, and a download aborted mid-way leaves no cache entry.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { needsModels, startBrowser } from './harness.js';

let browser;
before(async () => { browser = await startBrowser(); });
after(async () => browser?.close());

test('the threaded build runs in a worker and answers greedily', async () => {
  const page = await browser.newPage();
  await page.goto(`${browser.baseUrl}/`);  // the demo's origin: COOP/COEP, import map
  const result = await page.evaluate(async () => {
    const { Engine } = await import('/js/index.js');
    const engine = await Engine.create({ threads: 2 });
    await engine.load('/models/lexi-28m-chat-Q4_K_M.gguf', { cache: false });
    const reply = await engine.chat.completions.create({
      messages: [{ role: 'user', content: 'What is a river?' }], temperature: 0, max_tokens: 40 });
    const runtime = engine.runtime;
    await engine.terminate();
    return { isolated: crossOriginIsolated, runtime, text: reply.choices[0].message.content };
  });
  assert.equal(result.isolated, true);
  assert.equal(result.runtime.variant, 'mt');
  assert.equal(result.runtime.threads, 2);
  assert.match(result.text, /^A river is a large natural stream of water \(larger than a creek\)\./);
  await page.close();
});

test('a download aborted mid-way leaves no cache entry, and the engine stays usable', { skip: needsModels }, async () => {
  const page = await browser.newPage();
  await page.goto(`${browser.baseUrl}/`);
  const result = await page.evaluate(async () => {
    const { Engine } = await import('/js/index.js');
    const engine = await Engine.create({ threads: 1 });
    const url = '/shared/models/lexi-28m-f16.gguf';
    const controller = new AbortController();
    let error = null;
    try {
      await engine.load(url, {
        signal: controller.signal,
        onProgress: ({ phase, loaded }) => { if (phase === 'download' && loaded > 0) controller.abort(); },
      });
    } catch (e) {
      error = e.name;
    }
    const cached = (await engine.cache.list()).map((m) => m.url);
    const info = await engine.load('/models/lexi-28m-chat-Q4_K_M.gguf', { cache: false });
    await engine.terminate();
    return { error, cached, loaded: info.quantization };
  });
  assert.equal(result.error, 'AbortError');
  assert.ok(!result.cached.some((u) => u.includes('lexi-28m-f16')), result.cached.join(', '));
  assert.equal(result.loaded, 'Q4_K_M');
  await page.close();
});
