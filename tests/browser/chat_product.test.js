// The chat as a product, in Chromium: a prompt longer than the context never leaves the chat stuck;
// text left in the URL field never blocks the selected model; stale messages clear; stopped
// replies are marked; copy buttons; the context meter; conversations saved in IndexedDB (list, New
// chat, rename, delete, reload) and the cached model selected again; a reloaded chat's saved session
// restored (only the new turn evaluated); the model picker of real
// models, tested on local copies under the same file names (?hub= points it at the test server).
// Screenshots go to build/screenshots/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ask, loadSelected } from './chat_helpers.js';
import { editGgufMetadata } from './gguf_edit.js';
import { repoRoot, sharedDir, startBrowser } from './harness.js';

const screenshots = join(repoRoot, 'build/screenshots');
const RIVER_ANSWER = 'A river is a large natural stream of water (larger than a creek). For example: "the river was chaosed to catch it".';
const SMOLLM_PATH = 'bartowski/SmolLM2-360M-Instruct-GGUF/resolve/main/SmolLM2-360M-Instruct-Q4_K_M.gguf';
const QWEN_PATH = 'QuantFactory/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/Qwen2.5-0.5B-Instruct.Q4_K_M.gguf';

let browser;
let hubDir;
before(async () => {
  mkdirSync(screenshots, { recursive: true });
  // A random-weight model written under the catalog's SmolLM2 path: the picker loads it from the
  // test server exactly as it would from huggingface.co.
  hubDir = mkdtempSync(join(tmpdir(), 'webgguf-hub-'));
  const target = join(hubDir, SMOLLM_PATH);
  mkdirSync(join(target, '..'), { recursive: true });
  const webgguf = join(repoRoot, 'build/native/webgguf');
  execFileSync(webgguf, ['synth', join(hubDir, 'synth-f32.gguf'), '--shape', 'tiny', '--arch', 'llama',
                         '--vocab-from', join(sharedDir, 'models/lexi-28m-chat-f16.gguf')]);
  execFileSync(webgguf, ['quantize', join(hubDir, 'synth-f32.gguf'), target, 'Q4_K_M'], { stdio: 'ignore' });
  // The same model under the Qwen2.5 path, with sampling defaults in its header (llama.cpp's keys).
  mkdirSync(join(hubDir, QWEN_PATH, '..'), { recursive: true });
  writeFileSync(join(hubDir, QWEN_PATH), editGgufMetadata(readFileSync(target), {
    'general.sampling.temp': 0.25, 'general.sampling.top_k': 17, 'general.sampling.penalty_repeat': 1.05 }));
  browser = await startBrowser({ mounts: [{ prefix: '/hub/', dir: hubDir }] });
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: browser.baseUrl });
});
after(async () => {
  await browser?.close();
  if (hubDir) rmSync(hubDir, { recursive: true, force: true });
});

async function openPage({ viewport, fresh = true } = {}) {
  const page = await browser.newPage({ viewport });
  await page.goto(`${browser.baseUrl}/?hub=${encodeURIComponent(`${browser.baseUrl}/hub`)}`);
  if (fresh) {
    await page.evaluate(() => new Promise((done) => {
      localStorage.clear();
      const request = indexedDB.deleteDatabase('webgguf-chat');
      request.onsuccess = request.onerror = done;
    }));
    await page.reload();
  }
  await page.waitForFunction(() => /^Engine ready/.test(document.getElementById('runtime').textContent));
  return page;
}

// Context shift is a setting (on by default); these tests turn it off to see the refusal path.
async function setContextShift(page, on) {
  await page.evaluate((value) => {
    const box = document.querySelector('#settings-form [name="context_shift"]');
    box.checked = value;
    box.dispatchEvent(new Event('input', { bubbles: true }));
  }, on);
}

test('without context shift a prompt longer than the context is removed with a plain message; with it the chat goes on', async () => {
  const page = await openPage();
  await loadSelected(page);
  assert.equal(await page.isChecked('#settings-form [name="context_shift"]'), true, 'context shift is on by default');
  await setContextShift(page, false);
  // The bundled 28M demo model loads greedy: its good answers.
  assert.equal(await page.inputValue('#settings-form [name="temperature"]'), '0');
  assert.equal(await page.inputValue('#settings-form [name="repeat_penalty"]'), '1');
  assert.match(await page.textContent('#sampling-source'), /lexi 28M demo model/);
  await page.fill('#prompt', 'river '.repeat(1500));
  await page.press('#prompt', 'Enter');
  await page.waitForSelector('#messages .message.error');
  const error = await page.textContent('#messages .message.error');
  assert.match(error, /too long/);
  assert.doesNotMatch(error, /n_ctx/);
  assert.equal(await page.$$eval('#messages .message.user', (b) => b.length), 0, 'the failed turn stays on screen');
  assert.deepEqual(await page.evaluate(() => globalThis.webgguf.messages), []);
  await page.screenshot({ path: join(screenshots, 'context-full.png') });
  // The next question is answered, and the old error is gone.
  assert.equal(await ask(page, 'What is a river?'), RIVER_ANSWER);
  assert.equal(await page.$$eval('#messages .message.error', (b) => b.length), 0);
  // Context meter: tokens used of the loaded context (updated after the reply, asynchronously).
  await page.waitForFunction(() => /^[1-9]\d* \/ 1024 tokens$/.test(document.querySelector('#context-text').textContent));
  const used = Number((await page.textContent('#context-text')).split(' ')[0]);
  assert.ok(used > 20 && used < 200, `${used} tokens`);

  // A conversation that has grown past the context: the last turn is taken out, earlier ones stay.
  await page.fill('#prompt', 'water '.repeat(1000));
  await page.press('#prompt', 'Enter');
  await page.waitForSelector('#messages .message.error');
  assert.match(await page.textContent('#messages .message.error'), /New chat/);
  assert.equal((await page.evaluate(() => globalThis.webgguf.messages)).length, 2);
  assert.ok((await ask(page, 'What is a lake?')).length > 0);
  assert.equal((await page.evaluate(() => globalThis.webgguf.messages)).length, 4);
  // With context shift the same overlong turn is answered: its oldest tokens are dropped.
  await setContextShift(page, true);
  await page.fill('#prompt', 'water '.repeat(1000));
  await page.press('#prompt', 'Enter');
  await page.waitForFunction(() => document.getElementById('send').hidden);  // generating
  await page.waitForFunction(() => !document.getElementById('send').hidden, null, { timeout: 120_000 });
  assert.equal(await page.$$eval('#messages .message.error', (b) => b.length), 0);
  assert.equal((await page.evaluate(() => globalThis.webgguf.messages)).at(-2).role, 'user', 'the long turn stays');
  const meter = Number((await page.textContent('#context-text')).split(' ')[0]);
  assert.ok(meter > 0, `context meter ${meter}`);
  await page.close();
});

test('text left in the URL field never blocks the selected model; stale errors clear', async () => {
  const page = await openPage();
  await page.check('input[name="source"][value="url"]');
  await page.click('#load-button');
  assert.match(await page.textContent('#model-status'), /Enter the URL/);
  await page.fill('#model-form [name="url"]', 'not a url at all');
  await page.check('input[name="source"][value="bundled"]');
  assert.equal(await page.textContent('#model-status'), '', 'the old error stays after choosing another model');
  await loadSelected(page);
  assert.match(await page.textContent('#model-name'), /lexi 28M demo model/);
  // The URL field itself reports a bad URL in words, not a browser bubble.
  await page.evaluate(() => { document.getElementById('model-panel').open = true; });
  await page.check('input[name="source"][value="url"]');
  await page.click('#load-button');
  assert.match(await page.textContent('#model-status'), /“not a url at all” is not a URL/);
  await page.close();
});

test('stopped replies are marked; messages have copy buttons', async () => {
  const page = await openPage();
  await loadSelected(page);
  for (const [name, value] of [['temperature', 2], ['top_k', 0], ['top_p', 1], ['min_p', 0], ['max_tokens', 4000]]) {
    await page.evaluate(() => { document.getElementById('settings-panel').open = true; });
    await page.fill(`#settings-form [name="${name}"]`, String(value));
  }
  await page.fill('#prompt', 'Tell me a very long story.');
  await page.press('#prompt', 'Enter');
  await page.waitForFunction(() => document.querySelector('#messages .message.assistant.streaming')?.textContent.length > 10);
  // A click through the DOM: the page scrolls with every streamed token.
  await page.evaluate(() => document.getElementById('stop').click());
  await page.waitForSelector('#messages .message.assistant.stopped .stopped-mark');
  const messages = await page.evaluate(() => globalThis.webgguf.messages);
  assert.equal(messages.at(-1).stopped, true);
  // Copy puts the message's text (not its buttons) on the clipboard.
  await page.click('#messages .message.user .copy');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'Tell me a very long story.');
  await page.click('#messages .message.assistant .copy');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), messages.at(-1).content);
  await page.close();
});

test('conversations survive a reload: list, New chat, rename, delete; the cached model is selected again', async () => {
  const page = await openPage();
  await page.check(`input[name="source"][value="smollm2-360m"]`);
  await page.waitForFunction(() => /needs .* at 1024 tokens of context/.test(
    document.querySelector('.model-choice[data-id="smollm2-360m"] .memory').textContent));
  await page.check('input[name="source"][value="bundled"]');
  await loadSelected(page);
  assert.equal(await ask(page, 'What is a river?'), RIVER_ANSWER);
  await page.click('#new-chat');
  assert.equal(await page.$$eval('#messages .message', (b) => b.length), 0);
  await ask(page, 'What is a mountain?');
  // The list follows the conversation's save (with its session), a moment after the reply.
  await page.waitForFunction(() => document.querySelectorAll('#conversation-list .open').length === 2);
  const titles = await page.$$eval('#conversation-list .open', (buttons) => buttons.map((b) => b.textContent));
  assert.deepEqual(titles, ['What is a mountain?', 'What is a river?']);
  await page.screenshot({ path: join(screenshots, 'chat.png'), fullPage: false });

  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('#conversation-list li').length === 2);
  // The most recent conversation is open again, and the model loaded last is the selected one.
  assert.match(await page.textContent('#messages .message.user .content'), /mountain/);
  assert.equal(await page.$eval('input[name="source"]:checked', (input) => input.value), 'bundled');
  await page.waitForFunction(() => /in this browser's cache/.test(document.getElementById('model-status').textContent));

  // Open the first chat, rename it, delete the other.
  await page.click('#conversation-list li:nth-child(2) .open');
  await page.waitForFunction(() => /river/.test(document.querySelector('#messages .message.user .content')?.textContent));
  await page.click('#conversation-list li:nth-child(2) .rename');
  await page.fill('#conversation-list .rename-field', 'Rivers');
  await page.press('#conversation-list .rename-field', 'Enter');
  await page.waitForFunction(() => [...document.querySelectorAll('#conversation-list .open')].some((b) => b.textContent === 'Rivers'));
  // A renamed chat counts as changed: it moves to the top.
  assert.deepEqual(await page.$$eval('#conversation-list .open', (buttons) => buttons.map((b) => b.textContent)),
                   ['Rivers', 'What is a mountain?']);
  await page.click('#conversation-list li:nth-child(2) .delete');
  await page.waitForFunction(() => document.querySelectorAll('#conversation-list li').length === 1);
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('#conversation-list li').length === 1);
  assert.equal(await page.textContent('#conversation-list .open'), 'Rivers');
  assert.match(await page.textContent('#messages .message.assistant .content'), /^A river is/);
  await page.close();
});

test('a chat restored after a reload continues as without it, evaluating only the new turn (its saved session)', async () => {
  // Without a reload: two turns; the second evaluates what follows the first in the cache.
  const reference = await openPage();
  await loadSelected(reference);
  await ask(reference, 'What is a river?');
  const expected = await ask(reference, 'What is a lake?');
  const expectedTimings = await reference.evaluate(() => globalThis.webgguf.lastTimings);
  await reference.close();

  const page = await openPage();
  await loadSelected(page);
  await ask(page, 'What is a river?');
  await page.waitForFunction(async () => (await globalThis.webgguf.store.list())[0]?.session?.length > 0);
  await page.reload();
  await page.waitForFunction(() => /^Engine ready/.test(document.getElementById('runtime').textContent));
  await page.waitForFunction(() => document.querySelectorAll('#conversation-list li').length === 1);
  await loadSelected(page);  // the model is loaded again and the chat's session restored into it
  assert.equal(await ask(page, 'What is a lake?'), expected);
  const timings = await page.evaluate(() => globalThis.webgguf.lastTimings);
  assert.equal(timings.prompt_n, expectedTimings.prompt_n, JSON.stringify({ timings, expectedTimings }));
  assert.equal(timings.prompt_reused, expectedTimings.prompt_reused);
  assert.ok(timings.prompt_reused > 10 && timings.prompt_n < timings.prompt_reused, JSON.stringify(timings));
  await page.close();
});

test('the model picker: real models with size, memory and description; one loads from its URL', async () => {
  const page = await openPage();
  const choices = await page.$$eval('#model-choices .model-choice', (labels) => labels.map((label) => ({
    id: label.dataset.id, text: label.textContent })));
  assert.deepEqual(choices.map((c) => c.id),
    ['bundled', 'smollm2-360m', 'qwen2.5-0.5b', 'qwen3-0.6b', 'gemma3-1b', 'llama3.2-1b']);
  assert.match(choices[0].text, /lexi 28M demo model.*17\.5 MB/s);
  assert.match(choices[1].text, /SmolLM2 360M Instruct.*271 MB/s);
  for (const choice of choices) assert.ok(choice.text.length > 60, `no description: ${choice.text}`);
  // The bundled model's memory at the context is read from its header at once.
  await page.waitForFunction(() => /needs \d/.test(document.querySelector('.model-choice[data-id="bundled"] .memory').textContent));
  await page.screenshot({ path: join(screenshots, 'picker.png') });
  await page.check('input[name="source"][value="smollm2-360m"]');
  await loadSelected(page);
  assert.match(await page.textContent('#model-name'), /SmolLM2 360M Instruct \(Q4_K_M\)/);
  // No general.sampling.* keys in this file: the page's defaults.
  assert.equal(await page.inputValue('#settings-form [name="temperature"]'), '0.7');
  assert.match(await page.textContent('#sampling-source'), /names no sampling defaults/);
  const reply = await ask(page, 'Hello');
  assert.equal(typeof reply, 'string');
  // A file that names its sampling defaults (general.sampling.*) gets them.
  await page.evaluate(() => { document.getElementById('model-panel').open = true; });
  await page.check('input[name="source"][value="qwen2.5-0.5b"]');
  await loadSelected(page);
  assert.equal(await page.inputValue('#settings-form [name="temperature"]'), '0.25');
  assert.equal(await page.inputValue('#settings-form [name="top_k"]'), '17');
  assert.equal(await page.inputValue('#settings-form [name="repeat_penalty"]'), String(Math.fround(1.05)));
  assert.equal(await page.inputValue('#settings-form [name="top_p"]'), '0.95');
  assert.match(await page.textContent('#sampling-source'), /from the model file's defaults \(temperature, top_k, repeat_penalty\)/);
  await page.close();
});

test('375 px: compact header, pinned composer, nothing sideways', async () => {
  const page = await openPage({ viewport: { width: 375, height: 740 } });
  await loadSelected(page);
  for (const question of ['What is a river?', 'What is a lake?', 'What is a sea?']) await ask(page, question);
  const header = await page.locator('header').boundingBox();
  assert.ok(header.height < 740 * 0.14, `the header takes ${header.height}px of 740`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  // Scrolled to the top, the composer is still on screen at the bottom.
  await page.evaluate(() => window.scrollTo(0, 0));
  const composer = await page.locator('#chat-form').boundingBox();
  assert.ok(composer.y + composer.height <= 740 + 1 && composer.y > 740 / 2, `composer at ${JSON.stringify(composer)}`);
  await page.screenshot({ path: join(screenshots, 'chat-narrow.png') });
  await page.close();
});
