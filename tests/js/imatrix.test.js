// engine.imatrix() and quantize(..., { imatrix }) on the real wasm module in Node: the importance
// matrix of lexi-28m-f16 equals the native engine's file (same counts and layout as
// llama-imatrix's), llama-imatrix's own file quantizes to llama-quantize's bytes, the 1-2 bit
// presets refuse without one, and bad input is a named error that leaves the engine usable.
// A missing or stale wasm module fails; without the fixture models the tests are skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, InvalidArgumentError } from '../../js/index.js';
import { needsModels, ROOT, sharedPath, wasmModulePath } from './helpers/fixtures.js';

wasmModulePath('webgguf-st-node.cjs');
const MODEL = sharedPath('models/lexi-28m-f16.gguf');
// llama-imatrix 80fb11a: 2 chunks of eval.txt at ctx 512 (tests/fixtures/imatrix).
const LLAMA_IMATRIX = join(ROOT, 'tests/fixtures/imatrix/lexi-28m-f16.imatrix.gguf');
// llama-quantize --imatrix lexi-28m-f16.imatrix.gguf lexi-28m-f16.gguf OUT IQ1_M (tests/quantizer/imatrix_quantize_hashes.inc).
const LLAMA_IQ1_M_SHA256 = readFileSync(join(ROOT, 'tests/quantizer/imatrix_quantize_hashes.inc'), 'utf8')
  .match(/"IQ1_M", "([0-9a-f]{64})"/)?.[1];

const skip = needsModels;

/** @type {Engine} */
let engine;
let dir = '';
before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'webgguf-imatrix-'));
  engine = await Engine.create({ threads: 1 });
});
after(async () => {
  await engine?.terminate();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('imatrix of lexi: llama-imatrix\'s layout and counts, with progress', { skip }, async () => {
  await engine.load(MODEL, { n_ctx: 512 });
  const text = readFileSync(sharedPath('data/eval.txt'), 'utf8');
  /** @type {any[]} */
  const events = [];
  const result = await engine.imatrix(text, { ctx: 128, chunks: 2, dataset: 'eval.txt', onProgress: (p) => events.push(p) });
  assert.equal(result.n_chunks, 2);
  assert.equal(result.ctx, 128);
  assert.deepEqual(events.map((e) => e.chunk), [1, 2]);
  assert.ok(result.file instanceof Uint8Array);
  // Same size as llama-imatrix's file of this model: 56 matrices, the same keys and tensor table
  // (only the chunk size differs: 128 here).
  assert.equal(result.file.length, readFileSync(LLAMA_IMATRIX).length);
  assert.equal(new TextDecoder().decode(result.file.subarray(0, 4)), 'GGUF');

  const legacy = await engine.imatrix(text, { ctx: 128, chunks: 1, format: 'dat' });
  assert.equal(new DataView(legacy.file.buffer, legacy.file.byteOffset).getInt32(0, true), 56);

  await assert.rejects(engine.imatrix('too short', { ctx: 128 }), (error) =>
    error instanceof InvalidArgumentError && /shorter than one chunk of 128 tokens/.test(error.message));
  await assert.rejects(engine.imatrix(text, { format: 'xml' }), InvalidArgumentError);
  // Still usable.
  assert.equal((await engine.imatrix(text, { ctx: 64, chunks: 1 })).n_chunks, 1);
  await engine.unload();
});

test('IQ1_M with llama-imatrix\'s file is llama-quantize\'s file; without one it is refused', { skip }, async () => {
  assert.ok(LLAMA_IQ1_M_SHA256, 'the IQ1_M hash is in imatrix_quantize_hashes.inc');
  const output = join(dir, 'lexi-IQ1_M.gguf');
  const imatrix = readFileSync(LLAMA_IMATRIX);
  const result = await engine.quantize(MODEL, 'IQ1_M', {
    output, sha256: true, imatrix: new Uint8Array(imatrix), imatrixName: 'lexi-28m-f16.imatrix.gguf',
  });
  assert.equal(result.sha256, LLAMA_IQ1_M_SHA256);
  assert.equal(createHash('sha256').update(readFileSync(output)).digest('hex'), LLAMA_IQ1_M_SHA256);

  await assert.rejects(engine.quantize(MODEL, 'IQ2_XXS', { output: join(dir, 'x.gguf') }),
    (error) => /needs an importance matrix/.test(error.message));
  await assert.rejects(engine.quantize(MODEL, 'Q4_K_M', { output: join(dir, 'y.gguf'), imatrix: imatrix.subarray(0, 1000) }),
    (error) => error instanceof InvalidArgumentError && /imatrix/.test(error.message));
  await assert.rejects(engine.quantize(MODEL, 'Q4_K_M', { output: join(dir, 'z.gguf'), imatrix: 'file.gguf' }), InvalidArgumentError);
});
