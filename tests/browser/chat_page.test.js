// The demo chat page in Chromium: bundled model, greedy reference answer, stop and chat again,
// loading by URL with progress, offline reload from the service worker and the model store,
// the quantization advisor, and a 375 px wide layout. Screenshots go to build/screenshots/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ask, loadSelected } from './chat_helpers.js';
import { needsModels, repoRoot, sharedDir, startBrowser } from './harness.js';

const screenshots = join(repoRoot, 'build/screenshots');
// The bundled model is the Q4_K_M of lexi-28m-chat. Its greedy answer keeps the F16 reference's
// definition and differs in the example, exactly as llama.cpp's does on the same file
// (tests/js/llama_cpp_oracle.test.js checks our engine against llama.cpp token for token).
const RIVER_ANSWER = 'A river is a large natural stream of water (larger than a creek). For example: "the river was chaosed to catch it".';

test('the bundled model\'s answer keeps the definition of the F16 reference', { skip: needsModels }, () => {
  const reference = JSON.parse(readFileSync(join(sharedDir, 'models/lexi-28m-chat.reference.json'), 'utf8'));
  const f16Answer = reference.prompts.chat.greedy_text.replace('<|im_end|>', '');
  assert.equal(RIVER_ANSWER.split('.')[0], f16Answer.split('.')[0]);
});

let browser;
before(async () => {
  mkdirSync(screenshots, { recursive: true });
  browser = await startBrowser();
});
after(async () => browser?.close());

async function openPage(options = {}) {
  const page = await browser.newPage(options);
  await page.goto(`${browser.baseUrl}/`);
  // Each test starts from an empty chat list (the browser profile is shared by the tests).
  await page.evaluate(() => new Promise((done) => { const r = indexedDB.deleteDatabase('webgguf-chat'); r.onsuccess = r.onerror = r.onblocked = done; }));
  await page.reload();
  await page.waitForFunction(() => /^Engine ready/.test(document.getElementById('runtime').textContent));
  return page;
}

async function setSetting(page, name, value) {
  await page.evaluate(() => { document.getElementById('settings-panel').open = true; });
  await page.fill(`#settings-form [name="${name}"]`, String(value));
}

// Greedy: temperature 0 and no repetition penalty (the page's default is 1.1).
async function setGreedy(page) {
  await setSetting(page, 'temperature', 0);
  await setSetting(page, 'repeat_penalty', 1);
}

async function loadBundled(page) {
  await page.check('input[name="source"][value="bundled"]');
  await loadSelected(page);
}

test('chats with the bundled model: greedy answer equals the reference', async () => {
  const page = await openPage();
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  await setGreedy(page);
  await loadBundled(page);
  assert.equal(await ask(page, 'What is a river?'), RIVER_ANSWER);
  // The reply's timings replace the live "Generating… tokens/s" line once the request ends.
  await page.waitForFunction(() => /tok\/s/.test(document.getElementById('stats').textContent));
  await page.screenshot({ path: join(screenshots, 'chat.png'), fullPage: true });

  // Stop a long reply mid-way, then chat again. A flat distribution (temperature 2, no top-k/p,
  // min-p) keeps the tiny model from ending its reply on its own within the first tokens.
  await setSetting(page, 'temperature', 2);
  await setSetting(page, 'top_k', 0);
  await setSetting(page, 'top_p', 1);
  await setSetting(page, 'min_p', 0);
  await setSetting(page, 'max_tokens', 4000);
  await page.fill('#prompt', 'Tell me a very long story.');
  await page.press('#prompt', 'Enter');
  await page.waitForFunction(() => document.querySelector('#messages .message.assistant.streaming')?.textContent.length > 10);
  await page.evaluate(() => document.getElementById('stop').click());
  await page.waitForSelector('#messages .message.assistant.streaming', { state: 'detached' });
  const stopped = await page.$$eval('#messages .message.assistant .content', (bubbles) => bubbles.at(-1).textContent);
  assert.ok(stopped.length > 10 && stopped.length < 4000, `reply of ${stopped.length} characters`);
  await page.click('#new-chat');
  await setGreedy(page);
  await setSetting(page, 'top_k', 40);
  await setSetting(page, 'top_p', 0.95);
  await setSetting(page, 'min_p', 0.05);
  await setSetting(page, 'max_tokens', 256);
  assert.equal(await ask(page, 'What is a river?'), RIVER_ANSWER);
  await page.close();
});

test('offline: the page and the cached model still chat', async () => {
  const page = await openPage();
  await setGreedy(page);
  await loadBundled(page);  // caches the model in the model store
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 })
      .catch(() => page.reload().then(() => page.waitForFunction(() => navigator.serviceWorker.controller !== null)));
  await browser.context.setOffline(true);
  try {
    await page.reload();
    await page.waitForFunction(() => /^Engine ready/.test(document.getElementById('runtime').textContent));
    await loadBundled(page);
    assert.match(await page.textContent('#model-status'), /from the cache/);
    assert.equal(await ask(page, 'What is a river?'), RIVER_ANSWER);
  } finally {
    await browser.context.setOffline(false);
  }
  await page.close();
});

test('loads a model by URL with progress events', { skip: needsModels }, async () => {
  const page = await openPage();
  await page.evaluate(() => {
    globalThis.progressEvents = [];
    new MutationObserver(() => globalThis.progressEvents.push(document.getElementById('progress-text').textContent))
        .observe(document.getElementById('progress-text'), { childList: true, characterData: true, subtree: true });
  });
  await page.check('input[name="source"][value="url"]');
  await page.fill('input[name="url"]', `${browser.baseUrl}/shared/models/lexi-28m-f16.gguf`);
  await page.click('#load-button');
  await page.waitForFunction(() => document.getElementById('progress-text').textContent.startsWith('Downloading'));
  await page.screenshot({ path: join(screenshots, 'download.png') });
  await page.waitForFunction(() => /^Loaded /.test(document.getElementById('model-status').textContent),
                             null, { timeout: 120_000 });
  const events = await page.evaluate(() => globalThis.progressEvents);
  assert.ok(events.some((e) => e.startsWith('Downloading')), events.join('\n'));
  assert.match(await page.textContent('#model-name'), /F16|f16/);
  await page.close();
});

test('the advisor lists every preset with sizes and recommends one', { skip: needsModels }, async () => {
  const page = await openPage();
  await page.click('nav button[data-view="advisor-view"]');
  await page.fill('#advisor-form [name="url"]', `${browser.baseUrl}/shared/models/lexi-28m-f16.gguf`);
  await page.fill('#advisor-form [name="n_ctx"]', '1024');
  await page.click('#advisor-form button[type="submit"]');
  await page.waitForSelector('#advisor-table:not([hidden])');
  const rows = await page.$$eval('#advisor-table tbody tr', (trs) => trs.map((tr) => ({
    preset: tr.dataset.preset, text: tr.textContent, recommended: tr.classList.contains('recommended') })));
  for (const preset of ['Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M', 'Q3_K_M', 'Q2_K']) {
    assert.ok(rows.some((r) => r.preset === preset), `missing ${preset}`);
  }
  // llama.cpp's Q4_K_M of this file is 17,510,016 bytes: the advisor shows it to the MB.
  assert.match(rows.find((r) => r.preset === 'Q4_K_M').text, /17\.5 MB/);
  assert.deepEqual(rows.filter((r) => r.recommended).map((r) => r.preset), ['Q8_0']);
  assert.match(await page.textContent('#advisor-advice'), /leaves more memory for the conversation/);
  assert.match(await page.textContent('#advisor-advice'), /with a q8_0 cache fits \d+k? tokens on this device/);
  await page.screenshot({ path: join(screenshots, 'advisor.png'), fullPage: true });
  await page.close();
});

test('works at 375 px wide', async () => {
  const page = await openPage({ viewport: { width: 375, height: 740 } });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  // Nothing in the model panel (URL field, Load button) sticks out of its border box.
  const sticking = await page.evaluate(() => {
    const panel = document.getElementById('model-panel');
    const right = panel.getBoundingClientRect().right;
    return [...panel.querySelectorAll('*')]
      .filter((element) => element.getClientRects().length > 0 && element.getBoundingClientRect().right > right + 0.5)
      .map((element) => `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${element.name ? `[name=${element.name}]` : ''}`);
  });
  assert.deepEqual(sticking, [], `sticks out of the model panel: ${sticking.join(', ')}`);
  await page.screenshot({ path: join(screenshots, 'narrow.png'), fullPage: true });
  await page.close();
});
