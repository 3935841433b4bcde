// Engine.planQuantization: exact preset sizes from a header, and clear errors for bad input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, NotGgufError, WebggufError } from '../../js/index.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const f16Model = resolve(root, '../shared/models/lexi-28m-f16.gguf');
const skip = !existsSync(join(root, 'dist/wasm/webgguf-st-node.cjs')) && 'dist/wasm is not built';

let engine;
before(async () => { if (!skip) engine = await Engine.create({ threads: 1 }); });
after(async () => engine?.terminate());

test('preset sizes are those of llama-quantize, and advise() picks one', { skip }, async () => {
  const plan = await engine.planQuantization(f16Model, { n_ctx: 1024 });
  const sizes = Object.fromEntries(plan.presets.map((p) => [p.preset, p.file_bytes]));
  assert.equal(sizes.Q4_K_M, 17510016);
  assert.equal(sizes.Q8_0, 30246528);
  assert.equal(sizes.Q2_K, 11462272);
  assert.equal(plan.original_bytes, 56788544);
  const advice = Engine.advise({ presets: plan.presets, context_bytes: plan.context_bytes, deviceMemoryGB: 4 });
  assert.ok(advice.recommended);
});

test('bad input gets a named error and the engine stays usable', { skip }, async () => {
  await assert.rejects(engine.planQuantization(new Uint8Array(64).fill(7)), NotGgufError);
  // A quantized model can only go to the preset whose types it already has (nothing to convert).
  const requantized = await engine.planQuantization(join(root, 'web/models/lexi-28m-chat-Q4_K_M.gguf'));
  assert.deepEqual(requantized.presets, [{ preset: 'Q4_K_M', file_bytes: 17510016 }]);
  await assert.rejects(engine.planQuantization(f16Model, { n_ctx: 2 ** 31 }), WebggufError);
  const plan = await engine.planQuantization(f16Model, { n_ctx: 512 });
  assert.ok(plan.presets.length >= 16);
});
