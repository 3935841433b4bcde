// engine.klDivergence on the real wasm module (dist/wasm, or $WEBGGUF_WASM_DIR): lexi-28m-chat
// Q4_K_M against its F16 base, the F16 against itself (KL 0, same perplexity), progress, abort,
// and the base (and the run's buffers) freed after every run.
// Small contexts and two chunks: the wasm forward pass is slow on this shared machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Engine, AbortError } from '../../js/index.js';
import { needsModels, sharedPath, vendoredPath, ROOT, wasmModulePath } from './helpers/fixtures.js';

wasmModulePath('webgguf-st-node.cjs');
const BASE = sharedPath('models/lexi-28m-chat-f16.gguf');
const QUANTIZED = `${ROOT}web/models/lexi-28m-chat-Q4_K_M.gguf`;
const TEXT = readFileSync(vendoredPath('eval-sample.txt'), 'utf8').slice(0, 2000);
const CTX = 32;
const SCORED_PER_CHUNK = CTX - 1 - CTX / 2;

const skip = needsModels;

/** @type {Engine} */
let engine;
before(async () => {
  if (skip) return;
  engine = await Engine.create({ threads: 1 });
});
after(async () => { await engine?.terminate(); });

test('Q4_K_M against its F16 base: KL, top-1 agreement and both perplexities, with progress', { skip }, async () => {
  await engine.load(QUANTIZED, { cache: false, n_ctx: 64 });
  const before = (await engine.memory()).used;
  const progress = [];
  const result = await engine.klDivergence(BASE, TEXT, { ctx: CTX, chunks: 2, onProgress: (p) => progress.push(p) });
  assert.deepEqual(progress.map((p) => [p.chunk, p.n_chunks]), [[1, 2], [2, 2]]);
  assert.equal(result.positions, 2 * SCORED_PER_CHUNK);
  assert.equal(result.n_chunks, 2);
  assert.equal(result.ctx, CTX);
  // 30 positions of 16-token contexts: far from the long-context figures (native CLI: KL 0.2189,
  // 70% same top on these chunks), but clearly not the model against itself.
  assert.ok(result.kl > 0.05 && result.kl < 1, `kl ${result.kl}`);
  assert.equal(result.kl, progress.at(-1).kl);
  assert.ok(result.same_top >= 0.5 && result.same_top < 1, `same_top ${result.same_top}`);
  for (const key of ['ppl', 'base_ppl']) assert.ok(Number.isFinite(result[key]) && result[key] > 1, `${key} ${result[key]}`);
  assert.notEqual(result.ppl, result.base_ppl);
  assert.equal((await engine.memory()).used, before, 'the base model is freed after the run');
  // The loaded model still works after its KV cache was used for the chunks.
  assert.ok((await engine.complete('The river', { max_tokens: 4, temperature: 0 })).choices[0].text.length > 0);
});

test('the F16 against itself: KL 0 (16-bit log-probs aside), identical perplexities', { skip }, async () => {
  await engine.load(BASE, { cache: false, n_ctx: 64 });
  const result = await engine.klDivergence(BASE, TEXT, { ctx: CTX, chunks: 2 });
  assert.ok(Math.abs(result.kl) < 1e-5, `kl ${result.kl}`);
  assert.ok(result.same_top >= 0.95, `same_top ${result.same_top}`);
  assert.equal(result.ppl, result.base_ppl);
});

test('an aborted run rejects with AbortError and frees the base', { skip }, async () => {
  await engine.load(QUANTIZED, { cache: false, n_ctx: 64 });
  const before = (await engine.memory()).used;
  const controller = new AbortController();
  const run = engine.klDivergence(BASE, TEXT, {
    ctx: CTX, onProgress: (p) => { if (p.chunk === 1) controller.abort(); }, signal: controller.signal,
  });
  await assert.rejects(run, AbortError);
  assert.equal((await engine.memory()).used, before);
});
