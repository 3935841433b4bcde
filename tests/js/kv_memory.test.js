// KV cache memory (issue 18): ModelInfo.memory.kv_bytes is, per token, the block arithmetic of each
// cache type (bench/memory.mjs --kv prints the table); n_ctx 'max' and the default are the longest
// context that fits (lexi-28m: its training context, 1024); a malformed n_ctx is refused by name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { kvBytesPerToken } from '../../bench/memory.mjs';
import { Engine, InvalidArgumentError } from '../../js/index.js';
import { FIXTURES_DIR, needsModels } from './helpers/fixtures.js';

const MODEL = join(FIXTURES_DIR, 'models/lexi-28m-f16.gguf');

let engine;
before(async () => { if (!needsModels) engine = await Engine.create({ threads: 1 }); });
after(async () => { await engine?.terminate(); });

test('KV bytes per token of each cache type equal the block arithmetic', { skip: needsModels }, async () => {
  // lexi: 8 layers x 2 kv heads x keys and values of 64 dims: f16 128 bytes a row, q8_0 2 x 34, q4_0 2 x 18.
  const expected = { f16: 4096, q8_0: 2176, q4_0: 1152 };
  for (const [type, bytes] of Object.entries(expected)) {
    const info = await engine.load(MODEL, { cache: false, n_ctx: 512, cache_type_k: type, cache_type_v: type });
    assert.equal(kvBytesPerToken(info, type), bytes, type);
    assert.equal(info.memory.kv_bytes, 512 * bytes, type);
  }
  const mixed = await engine.load(MODEL, { cache: false, n_ctx: 300, cache_type_k: 'q8_0', cache_type_v: 'q4_0' });
  assert.equal(mixed.memory.kv_bytes, 300 * (kvBytesPerToken(mixed, 'q8_0') + kvBytesPerToken(mixed, 'q4_0')) / 2);
});

test("n_ctx 'max' and the default are the longest context that fits; a malformed n_ctx is refused", { skip: needsModels }, async () => {
  assert.equal((await engine.load(MODEL, { cache: false, n_ctx: 'max' })).n_ctx, 1024);
  assert.equal((await engine.load(MODEL, { cache: false })).n_ctx, 1024);
  for (const bad of ['big', 0, -5, 1.5]) {
    await assert.rejects(engine.load(MODEL, { cache: false, n_ctx: /** @type {any} */ (bad) }),
                         (e) => e instanceof InvalidArgumentError && /n_ctx must be a positive integer or 'max'/.test(e.message), String(bad));
  }
  // The engine is still usable after the refusals.
  assert.equal((await engine.load(MODEL, { cache: false, n_ctx: 256 })).n_ctx, 256);
});
