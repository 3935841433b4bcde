// `npm run test:large` (not in npm test: it writes a ~2.5 GB file and needs ~3 GB of RAM).
// A synthetic llama with Q8_0 weights, larger than 2 GB, loads from a Node path into wasm memory
// and generates a token; the process's peak RSS must stay within 1.15x the file size plus the KV
// cache (the file is streamed into the wasm heap, never held twice). The file is deleted after.
// WEBGGUF_LARGE_DIR chooses where its temporary folder is made (default: the OS temp directory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../js/index.js';
import { writeSyntheticLlama } from './synthetic_gguf.js';
import { wasmModulePath } from '../js/helpers/fixtures.js';

wasmModulePath('webgguf-st-node.cjs');
const VOCAB = new URL('../../web/models/lexi-28m-chat-Q4_K_M.gguf', import.meta.url).pathname;
// 4096 wide, 11008 FFN, 8 KV heads, 13 layers: 2.3 B parameters, 2.45 GB in Q8_0.
const SHAPE = { nEmbd: 4096, nLayer: 13, nHead: 32, nHeadKv: 8, nFf: 11008 };
const N_CTX = 256;
const RSS_TARGET = 1.15;
const GB = 1e9;

test('a 2.5 GB Q8_0 model loads from a path into wasm memory and generates a token within 1.15x its size in RSS', { timeout: 30 * 60_000 }, async (t) => {
  const dir = mkdtempSync(join(process.env.WEBGGUF_LARGE_DIR ?? tmpdir(), 'webgguf-large-'));
  const path = join(dir, 'synthetic-q8_0.gguf');
  let engine;
  try {
    const written = performance.now();
    const fileBytes = writeSyntheticLlama(path, { shape: SHAPE, vocabFrom: VOCAB });
    t.diagnostic(`wrote ${(fileBytes / GB).toFixed(3)} GB in ${((performance.now() - written) / 1000).toFixed(1)} s`);
    assert.ok(fileBytes > 2.2 * GB, 'the model is larger than 2 GB');
    const rssBefore = process.memoryUsage().rss;

    engine = await Engine.create({ threads: 1 });
    const loading = performance.now();
    const info = await engine.load(path, { cache: false, n_ctx: N_CTX });
    const loadSeconds = (performance.now() - loading) / 1000;
    assert.equal(info.quantization, 'Q8_0');
    assert.equal(info.n_layer, SHAPE.nLayer);
    const generating = performance.now();
    const result = await engine.complete('Once upon a time', { temperature: 0, max_tokens: 1 });
    const generateSeconds = (performance.now() - generating) / 1000;
    assert.equal(result.usage.completion_tokens, 1);

    const heap = await engine.memory();
    const kvBytes = info.memory.kv_bytes;
    const peakRss = process.resourceUsage().maxRSS * 1024;
    const ratio = peakRss / (fileBytes + kvBytes);
    t.diagnostic(`load ${loadSeconds.toFixed(1)} s, prompt + 1 token ${generateSeconds.toFixed(1)} s; KV ${(kvBytes / 2 ** 20).toFixed(1)} MiB, `
      + `wasm heap used ${(heap.used / GB).toFixed(3)} GB of ${(heap.heapSize / GB).toFixed(3)} GB`);
    t.diagnostic(`peak RSS ${(peakRss / GB).toFixed(3)} GB (RSS before the engine ${(rssBefore / 2 ** 20).toFixed(0)} MiB) `
      + `= ${ratio.toFixed(3)}x (file + KV); target <= ${RSS_TARGET}x`);
    assert.ok(ratio <= RSS_TARGET, `peak RSS ${ratio.toFixed(3)}x file + KV exceeds ${RSS_TARGET}x`);
  } finally {
    await engine?.terminate();
    rmSync(dir, { recursive: true, force: true });
  }
});
