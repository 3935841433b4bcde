// engine.quantize() on the real wasm module in Node: the file is byte-identical to the native
// quantizer's (and to llama-quantize's), progress is reported, an abort removes the partial file
// and leaves the engine usable, and inputs that need requantizing are refused with a named error.
// A missing or stale wasm module fails; without the fixture models the tests are skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, AbortError, InvalidArgumentError, UnsupportedTypeError } from '../../js/index.js';
import { needsModels, ROOT, sharedPath, wasmModulePath } from './helpers/fixtures.js';

wasmModulePath('webgguf-st-node.cjs');
const MODEL = sharedPath('models/lexi-28m-f16.gguf');
const QUANTIZED_MODEL = join(ROOT, 'web/models/lexi-28m-chat-Q4_K_M.gguf');
const NATIVE_CLI = join(ROOT, 'build/native/webgguf');
// `webgguf quantize lexi-28m-f16.gguf OUT Q4_K_M` natively (its tensors match llama-quantize's
// manifest, tests/quantizer/lexi_presets_test.cpp).
const NATIVE_Q4_K_M_SHA256 = '25acb5181fd67ab1f0f444478132bdc4e208242e45549668d46478d311bb8859';
// llama-quantize's own Q8_0 of lexi-28m-f16, whole file.
const LLAMA_Q8_0_SHA256 = 'a37064dc0eb36bbbaa56d5052e7f690ebcb2ad5e7e49d0a853085ee4be54b1ec';

const skip = needsModels;

const sha256File = (/** @type {string} */ path) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** @type {Engine} */
let engine;
let dir = '';
before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'webgguf-quantize-'));
  engine = await Engine.create({ threads: 1 });
});
after(async () => {
  await engine?.terminate();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Q4_K_M from a path is byte-identical to the native quantizer, with progress', { skip }, async () => {
  const output = join(dir, 'lexi-Q4_K_M.gguf');
  /** @type {any[]} */
  const events = [];
  const result = await engine.quantize(MODEL, 'Q4_K_M', { output, sha256: true, onProgress: (p) => events.push(p) });
  assert.equal(result.path, output);
  assert.equal(result.preset, 'Q4_K_M');
  assert.equal(result.fileType, 15);
  assert.equal(result.size, 17510016);
  assert.equal(result.tensorCount, 75);
  assert.equal(result.sha256, NATIVE_Q4_K_M_SHA256);
  assert.equal(sha256File(output), NATIVE_Q4_K_M_SHA256);
  if (existsSync(NATIVE_CLI)) {
    const nativeOut = join(dir, 'native-Q4_K_M.gguf');
    execFileSync(NATIVE_CLI, ['quantize', MODEL, nativeOut, 'Q4_K_M', '-t', '1'], { stdio: 'ignore' });
    assert.equal(sha256File(nativeOut), NATIVE_Q4_K_M_SHA256);
  }

  assert.equal(events[0].phase, 'probe');
  const quantizing = events.filter((e) => e.phase === 'quantize');
  assert.ok(quantizing.length > 75, `${quantizing.length} progress events`);
  for (let i = 1; i < quantizing.length; i++) {
    assert.ok(quantizing[i].bytesDone >= quantizing[i - 1].bytesDone);
    assert.ok(quantizing[i].tensorsDone >= quantizing[i - 1].tensorsDone);
  }
  assert.deepEqual(events.at(-1), { phase: 'done', tensorsDone: 75, tensorCount: 75, bytesDone: 17510016, bytesTotal: 17510016 });
});

test('an abort stops between slabs, removes the partial file, and the engine quantizes again', { skip }, async () => {
  const output = join(dir, 'aborted.gguf');
  const controller = new AbortController();
  await assert.rejects(engine.quantize(MODEL, 'Q4_K_M', {
    output, signal: controller.signal, onProgress: (p) => { if (p.tensorsDone >= 3) controller.abort(); },
  }), AbortError);
  assert.equal(existsSync(output), false);

  // The same engine, from bytes in memory this time: llama-quantize's Q8_0 exactly.
  const q8 = join(dir, 'lexi-Q8_0.gguf');
  const result = await engine.quantize(new Uint8Array(readFileSync(MODEL)), 'Q8_0', { output: q8, sha256: true });
  assert.equal(result.sha256, LLAMA_Q8_0_SHA256);
  assert.equal(sha256File(q8), LLAMA_Q8_0_SHA256);
});

test('inputs that need requantizing and unknown presets are refused with named errors', { skip }, async () => {
  const output = join(dir, 'refused.gguf');
  await assert.rejects(engine.quantize(QUANTIZED_MODEL, 'Q8_0', { output }), (error) => {
    assert.ok(error instanceof UnsupportedTypeError, String(error));
    assert.match(error.message, /requantizing an already quantized model is not supported/);
    assert.match(error.message, /F32, F16 and BF16/);
    return true;
  });
  await assert.rejects(engine.quantize(MODEL, 'Q4_K_XL', { output }), (error) => {
    assert.ok(error instanceof InvalidArgumentError, String(error));
    assert.match(error.message, /unknown quantization preset 'Q4_K_XL'/);
    return true;
  });
  await assert.rejects(engine.quantize(MODEL, 'Q8_0'), InvalidArgumentError); // Node needs an output path
  assert.equal(existsSync(output), false);
});
