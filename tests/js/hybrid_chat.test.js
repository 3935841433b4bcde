// The hybrid families (lfm2's short convolutions, qwen35's Gated DeltaNet) chatting in the wasm
// engine under Node: random-weight models from `webgguf synth --shape tiny-deep --arch A` (4
// recurrent + 2 attention layers), a conversation of four user turns with one aborted reply and
// one regenerate, whose last reply must equal a fresh engine's reply to the final conversation. The
// regenerate goes back to the checkpoint before the prompt's last token (one token evaluated).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, AbortError } from '../../js/index.js';
import { FIXTURES_DIR, needsModels } from './helpers/fixtures.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const bin = process.env.WEBGGUF_BIN ?? join(root, 'build/native/webgguf');
const GREEDY = { temperature: 0, max_tokens: 8 };
const ARCHS = ['lfm2', 'qwen35'];

let dir;
let reused;
let fresh;
before(async () => {
  if (needsModels) return;
  assert.ok(existsSync(bin), `${bin} is not built (scripts/build.sh native)`);
  dir = mkdtempSync(join(tmpdir(), 'webgguf-hybrid-'));
  reused = await Engine.create({ threads: 1 });
  fresh = await Engine.create({ threads: 1 });
});
after(async () => {
  await reused?.terminate();
  await fresh?.terminate();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const arch of ARCHS) {
  test(`${arch}: a chat with an aborted reply and a regenerate ends as the final conversation from scratch`,
    { skip: needsModels }, async () => {
      const file = join(dir, `${arch}.gguf`);
      execFileSync(bin, ['synth', file, '--shape', 'tiny-deep', '--arch', arch, '--stddev', '0.07', '--seed', '7',
                         '--vocab-from', join(FIXTURES_DIR, 'models/lexi-28m-f16.gguf')]);
      await reused.load(file, { cache: false, n_ctx: 512 });
      const info = await reused.info();
      assert.equal(info.architecture, arch);
      assert.ok(info.memory.recurrent_bytes > 0);
      const ask = async (messages) => (await reused.chat.completions.create({ messages, ...GREEDY }));

      const messages = [{ role: 'user', content: 'What is a river?' }];
      messages.push((await ask(messages)).choices[0].message);
      messages.push({ role: 'user', content: 'And a lake?' });
      const second = await ask(messages);
      const regenerated = await ask(messages);
      assert.equal(regenerated.choices[0].message.content, second.choices[0].message.content);
      assert.equal(regenerated.timings.prompt_n, 1, JSON.stringify(regenerated.timings));
      messages.push(regenerated.choices[0].message);

      messages.push({ role: 'user', content: 'Tell me about the sea.' });
      const controller = new AbortController();
      let partial = '';
      await assert.rejects((async () => {
        const stream = await reused.chat.completions.create({ messages, stream: true, signal: controller.signal, ...GREEDY });
        for await (const chunk of stream) {
          partial += chunk.choices[0]?.delta?.content ?? '';
          if (partial.length > 0) controller.abort();
        }
      })(), AbortError);
      messages.push({ role: 'assistant', content: partial });
      messages.push({ role: 'user', content: 'Thanks, and a mountain?' });
      const last = await ask(messages);
      assert.ok(last.timings.prompt_reused > 0, JSON.stringify(last.timings));

      await fresh.load(file, { cache: false, n_ctx: 512 });
      const scratch = await fresh.chat.completions.create({ messages, ...GREEDY });
      assert.equal(scratch.timings.prompt_reused, 0);
      assert.equal(last.choices[0].message.content, scratch.choices[0].message.content);
    });
}
