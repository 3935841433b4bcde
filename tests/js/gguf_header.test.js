// parseGgufHeader from the wasm module (dist/wasm/webgguf-st-node.cjs) on the real GGUF files,
// read the way the streaming loader reads them: a growing prefix until status != 'need_more'.
// A missing or stale module fails; without the fixture models their tests are skipped.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { llamaCppPath, needsModels, sharedPath, wasmModulePath } from './helpers/fixtures.js';

const require = createRequire(import.meta.url);
const MODULE = wasmModulePath('webgguf-st-node.cjs');
const LEXI = sharedPath('models/lexi-28m-f16.gguf');
const VOCABS = [
  ['gpt-2', 'gpt2', 50257], ['llama-bpe', 'llama', 128256], ['llama-spm', 'llama', 32000],
  ['phi-3', 'phi3', 32064], ['qwen2', 'qwen2', 151936],
].map(([name, architecture, tokens]) => ({
  path: llamaCppPath(`models/ggml-vocab-${name}.gguf`), architecture, tokens,
}));

let wasm;
before(async () => {
  const createWebggufModule = require(MODULE);
  // Emscripten 3.1.6 predates Node's fetch: hand it the binary.
  wasm = await createWebggufModule({ wasmBinary: readFileSync(wasmModulePath('webgguf-st-node.wasm')) });
});

function readPrefix(path, n) {
  const fd = openSync(path, 'r');
  try {
    const bytes = new Uint8Array(Math.min(n, fstatSync(fd).size));
    readSync(fd, bytes, 0, bytes.length, 0);
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/** What the loader does: parse a prefix, fetch what need_more asks for, repeat. */
function parseGrowing(path, { fileSize = statSync(path).size, fullArrays = false } = {}) {
  let have = 4096;
  for (let rounds = 0; ; rounds++) {
    const header = wasm.parseGgufHeader(readPrefix(path, have), fileSize, fullArrays);
    if (header.status !== 'need_more') return { header, rounds };
    assert.ok(header.bytesNeeded > have, `need_more must ask for more than ${have} bytes`);
    assert.ok(fileSize < 0 || header.bytesNeeded <= fileSize);
    have = header.bytesNeeded;
  }
}

test('lexi-28m header: metadata, tensor table and layout', { skip: needsModels }, () => {
  const { header, rounds } = parseGrowing(LEXI);
  assert.equal(header.status, 'ok', header.error);
  assert.ok(rounds <= 5, `${rounds} rounds`);
  assert.equal(header.error, '');
  assert.equal(header.version, 3);
  assert.equal(header.alignment, 32);
  assert.equal(header.headerSize, 130618);
  assert.equal(header.dataOffset, 130624);
  assert.equal(header.dataOffset + header.dataSize, 56788544); // the last tensor ends the file

  const m = header.metadata;
  assert.equal(Object.keys(m).length, 25);
  assert.equal(m['general.architecture'], 'llama');
  assert.equal(m['llama.block_count'], 8);
  assert.equal(m['llama.attention.head_count_kv'], 2);
  assert.equal(m['llama.attention.layer_norm_rms_epsilon'], Math.fround(1e-5));
  assert.equal(m['tokenizer.ggml.add_bos_token'], false);
  assert.ok(m['tokenizer.chat_template'].startsWith('{% for message in messages %}'));
  // Long arrays are summarised unless asked for.
  assert.deepEqual(m['tokenizer.ggml.tokens'], { type: 'STRING', length: 4096 });
  assert.deepEqual(m['tokenizer.ggml.merges'], { type: 'STRING', length: 3837 });

  assert.equal(header.tensors.length, 75);
  assert.deepEqual(header.tensors[0], { name: 'token_embd.weight', type: 'f16', typeId: 1, shape: [512, 4096], offset: 0, size: 4194304 });
  const q = header.tensors.find((t) => t.name === 'blk.0.attn_q.weight');
  assert.deepEqual(q.shape, [512, 512]);
  assert.equal(q.type, 'f16');
  assert.equal(q.size, 512 * 512 * 2);
  assert.equal(header.tensors.find((t) => t.name === 'output_norm.weight').type, 'f32');
});

test('fullArrays returns every element', { skip: needsModels }, () => {
  const { header } = parseGrowing(LEXI, { fullArrays: true });
  const tokens = header.metadata['tokenizer.ggml.tokens'];
  assert.equal(tokens.length, 4096);
  assert.deepEqual(tokens.slice(0, 4), ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '!']);
  const types = header.metadata['tokenizer.ggml.token_type'];
  assert.deepEqual(types.slice(0, 4), [3, 3, 3, 1]);
  assert.equal(header.metadata['tokenizer.ggml.merges'][0], 'i m');
});

test('every vocab file parses from a growing prefix, with its size known or not', () => {
  for (const vocab of VOCABS) {
    for (const fileSize of [undefined, -1]) {
      const { header, rounds } = parseGrowing(vocab.path, fileSize === undefined ? {} : { fileSize });
      assert.equal(header.status, 'ok', `${vocab.path}: ${header.error}`);
      assert.ok(rounds <= 5, `${vocab.path}: ${rounds} rounds`);
      assert.equal(header.metadata['general.architecture'], vocab.architecture);
      assert.deepEqual(header.metadata['tokenizer.ggml.tokens'], { type: 'STRING', length: vocab.tokens });
      assert.deepEqual(header.tensors, []);
    }
  }
});

test('need_more for a short prefix, errors for broken bytes', { skip: needsModels }, () => {
  const prefix = readPrefix(LEXI, 100);
  const streaming = wasm.parseGgufHeader(prefix, -1);
  assert.equal(streaming.status, 'need_more');
  assert.ok(streaming.bytesNeeded > 100);
  assert.equal(streaming.error, '');
  assert.equal(streaming.metadata, undefined);

  const truncated = wasm.parseGgufHeader(prefix, 100); // the whole file is these 100 bytes
  assert.equal(truncated.status, 'error');
  assert.equal(truncated.bytesNeeded, 0);
  assert.match(truncated.error, /past end of file \(size 100\)$/);

  const dataCut = wasm.parseGgufHeader(readPrefix(LEXI, 200000), 200000);
  assert.equal(dataCut.error, "tensor 'token_embd.weight': data [offset 130624, 4194304 bytes] lies past end of file (size 200000)");

  const notGguf = wasm.parseGgufHeader(new TextEncoder().encode('<!DOCTYPE html>'), -1);
  assert.equal(notGguf.status, 'error');
  assert.equal(notGguf.error, "bad magic '<!DO' at offset 0, expected 'GGUF' (not a GGUF file)");
  assert.equal(wasm.parseGgufHeader(new Uint8Array(0), -1).status, 'need_more');
});

/** A GGUF v3 header with the given scalar metadata: [key, typeId, Uint8Array payload]. */
function ggufWith(kvs) {
  const parts = [];
  const u32 = (v) => new Uint8Array(new Uint32Array([v]).buffer);
  const u64 = (v) => new Uint8Array(new BigUint64Array([BigInt(v)]).buffer);
  const str = (s) => { const b = new TextEncoder().encode(s); return [u64(b.length), b]; };
  parts.push(new TextEncoder().encode('GGUF'), u32(3), u64(0), u64(kvs.length));
  for (const [key, type, payload] of kvs) parts.push(...str(key), u32(type), payload);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

test('64-bit integers: Number when exact, BigInt beyond 2^53; __proto__ stays a plain key', () => {
  const u64 = (v) => new Uint8Array(new BigUint64Array([v]).buffer);
  const i64 = (v) => new Uint8Array(new BigInt64Array([v]).buffer);
  const bytes = ggufWith([
    ['u64.max', 10, u64(2n ** 64n - 1n)],
    ['u64.safe', 10, u64(2n ** 53n - 1n)],
    ['i64.min', 11, i64(-(2n ** 63n))],
    ['i64.neg', 11, i64(-5n)],
    ['f64', 12, new Uint8Array(new Float64Array([0.1]).buffer)],
    ['i8', 1, new Uint8Array([0xff])],
    ['__proto__', 8, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0x78])],
  ]);
  const header = wasm.parseGgufHeader(bytes, bytes.length);
  assert.equal(header.status, 'ok', header.error);
  const m = header.metadata;
  assert.equal(m['u64.max'], 18446744073709551615n);
  assert.equal(m['u64.safe'], 9007199254740991);
  assert.equal(m['i64.min'], -9223372036854775808n);
  assert.equal(m['i64.neg'], -5);
  assert.equal(m.f64, 0.1);
  assert.equal(m.i8, -1);
  assert.equal(Object.getOwnPropertyDescriptor(m, '__proto__').value, 'x');
});
