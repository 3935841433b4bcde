// The hybrid families (lfm2's short convolutions, qwen35's Gated DeltaNet) in Chromium: the
// threaded build in a module worker loads a random-weight `webgguf synth --shape tiny-deep` model
// of each, chats three turns with a regenerate, and its last reply equals a fresh engine's reply to
// the final conversation (the recurrent state rolled back to its checkpoints on the way).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsModels, repoRoot, sharedDir, startBrowser } from './harness.js';

const bin = process.env.WEBGGUF_BIN ?? join(repoRoot, 'build/native/webgguf');
const ARCHS = ['lfm2', 'qwen35'];

let browser;
let dir;
before(async () => {
  if (needsModels) return;
  assert.ok(existsSync(bin), `${bin} is not built (scripts/build.sh native)`);
  dir = mkdtempSync(join(tmpdir(), 'webgguf-hybrid-browser-'));
  for (const arch of ARCHS) {
    execFileSync(bin, ['synth', join(dir, `${arch}.gguf`), '--shape', 'tiny-deep', '--arch', arch, '--stddev', '0.07',
                       '--seed', '7', '--vocab-from', join(sharedDir, 'models/lexi-28m-f16.gguf')]);
  }
  browser = await startBrowser({ mounts: [{ prefix: '/hybrid/', dir }] });
});
after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const arch of ARCHS) {
  test(`${arch} chats in a worker, a regenerate included, as a fresh engine would`, { skip: needsModels }, async () => {
    const page = await browser.newPage();
    await page.goto(`${browser.baseUrl}/`);  // the demo's origin: COOP/COEP, import map
    const result = await page.evaluate(async (url) => {
      const { Engine } = await import('/js/index.js');
      const greedy = { temperature: 0, max_tokens: 8 };
      const engine = await Engine.create({ threads: 2 });
      await engine.load(url, { cache: false, n_ctx: 512 });
      const info = await engine.info();
      const messages = [{ role: 'user', content: 'What is a river?' }];
      messages.push((await engine.chat.completions.create({ messages, ...greedy })).choices[0].message);
      messages.push({ role: 'user', content: 'And a lake?' });
      const second = await engine.chat.completions.create({ messages, ...greedy });
      const regenerated = await engine.chat.completions.create({ messages, ...greedy });
      messages.push(regenerated.choices[0].message);
      messages.push({ role: 'user', content: 'Thanks.' });
      const last = await engine.chat.completions.create({ messages, ...greedy });
      const runtime = engine.runtime;
      await engine.terminate();
      const fresh = await Engine.create({ threads: 2 });
      await fresh.load(url, { cache: false, n_ctx: 512 });
      const scratch = await fresh.chat.completions.create({ messages, ...greedy });
      await fresh.terminate();
      return {
        architecture: info.architecture, runtime, recurrentBytes: info.memory.recurrent_bytes,
        second: second.choices[0].message.content, regenerated: regenerated.choices[0].message.content,
        regeneratedPromptN: regenerated.timings.prompt_n,
        last: last.choices[0].message.content, lastReused: last.timings.prompt_reused,
        scratch: scratch.choices[0].message.content,
      };
    }, `/hybrid/${arch}.gguf`);
    assert.equal(result.architecture, arch);
    assert.equal(result.runtime.variant, 'mt');
    assert.ok(result.recurrentBytes > 0);
    assert.equal(result.regenerated, result.second);
    assert.equal(result.regeneratedPromptN, 1);
    assert.ok(result.lastReused > 0);
    assert.equal(result.last, result.scratch);
    await page.close();
  });
}
