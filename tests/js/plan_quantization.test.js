// Engine.planQuantization: exact preset sizes from a header, and clear errors for bad input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Engine, NotGgufError, WebggufError } from '../../js/index.js';
import { needsModels, ROOT, sharedPath, wasmModulePath } from './helpers/fixtures.js';

wasmModulePath('webgguf-st-node.cjs');
const f16Model = sharedPath('models/lexi-28m-f16.gguf');
const skip = needsModels;

let engine;
before(async () => { engine = await Engine.create({ threads: 1 }); });
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
  const requantized = await engine.planQuantization(join(ROOT, 'web/models/lexi-28m-chat-Q4_K_M.gguf'));
  assert.deepEqual(requantized.presets, [{ preset: 'Q4_K_M', file_bytes: 17510016 }]);
  await assert.rejects(engine.planQuantization(f16Model, { n_ctx: 2 ** 31 }), WebggufError);
  const plan = await engine.planQuantization(f16Model, { n_ctx: 512 });
  assert.ok(plan.presets.length >= 16);
});
