// The Engine on the real wasm module (dist/wasm, built by `npm run build`) with the lexi chat
// model: the reference greedy answer, streaming, abort then a correct answer, KV reuse, loading
// by URL. A missing or stale module fails; without the fixture models the tests are skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Engine, AbortError, ModelTooBigError, UnsupportedArchitectureError } from '../../js/index.js';
import { startRangeServer } from './helpers/range_server.js';
import { needsModels, sharedPath, vendoredPath, wasmModulePath } from './helpers/fixtures.js';

wasmModulePath('webgguf-st-node.cjs');
wasmModulePath('webgguf-mt-node.cjs');
const MODEL = sharedPath('models/lexi-28m-chat-f16.gguf');
const skip = needsModels;
const REFERENCE = skip ? null : JSON.parse(readFileSync(sharedPath('models/lexi-28m-chat.reference.json'), 'utf8')).prompts.chat;
const ANSWER = REFERENCE?.greedy_text.replace(/<\|im_end\|>$/, '') ?? '';
const QUESTION = [{ role: 'user', content: 'What is a river?' }];
const GREEDY = { temperature: 0, max_tokens: 64 };

/** @type {Engine} */
let engine;
before(async () => {
  if (skip) return;
  engine = await Engine.create({ threads: 1 });
  await engine.load(MODEL, { cache: false, n_ctx: 512 });
});
after(async () => { await engine?.terminate(); });

test('chat with lexi gives the reference greedy answer', { skip }, async () => {
  const info = await engine.info();
  assert.equal(info.architecture, 'llama');
  assert.equal(info.n_layer, 8);
  assert.equal(info.n_ctx, 512);
  const result = await engine.chat.completions.create({ messages: QUESTION, ...GREEDY });
  assert.equal(result.choices[0].message.content, ANSWER);
  assert.equal(result.choices[0].finish_reason, 'stop');
  assert.equal(result.usage.prompt_tokens, REFERENCE.ids.length);
  assert.equal(result.usage.completion_tokens, REFERENCE.greedy_ids.length - 1); // the <|im_end|> is not content
  assert.deepEqual(await engine.tokenize(REFERENCE.text, { parseSpecial: true }), REFERENCE.ids);
});

test('streaming chunks concatenate to the full answer', { skip }, async () => {
  let text = '';
  let last;
  for await (const chunk of await engine.chat.completions.create({ messages: QUESTION, stream: true, ...GREEDY })) {
    text += chunk.choices[0].delta.content ?? '';
    last = chunk;
  }
  assert.equal(text, ANSWER);
  assert.equal(last.choices[0].finish_reason, 'stop');
  assert.ok(last.timings.predicted_per_second > 0);
});

test('abort during generation, then the next request answers correctly', { skip }, async () => {
  const controller = new AbortController();
  let received = '';
  await assert.rejects((async () => {
    for await (const chunk of await engine.chat.completions.create({ messages: QUESTION, stream: true, signal: controller.signal, ...GREEDY })) {
      received += chunk.choices[0].delta.content ?? '';
      if (received.length > 10) controller.abort();
    }
  })(), AbortError);
  assert.ok(received.length < ANSWER.length);
  const next = await engine.chat.completions.create({ messages: QUESTION, ...GREEDY });
  assert.equal(next.choices[0].message.content, ANSWER);
});

test('the second turn of a conversation reuses the first turn from the KV cache', { skip }, async () => {
  const first = await engine.chat.completions.create({ messages: QUESTION, ...GREEDY });
  const messages = [...QUESTION, first.choices[0].message, { role: 'user', content: 'Define the verb "whisper".' }];
  const second = await engine.chat.completions.create({ messages, ...GREEDY });
  assert.ok(second.timings.prompt_reused >= first.usage.prompt_tokens, JSON.stringify(second.timings));
  assert.equal(second.timings.prompt_n + second.timings.prompt_reused, second.usage.prompt_tokens);
  assert.ok(second.choices[0].message.content.length > 0);
});

test('perplexity reports progress per chunk; the chat afterwards is still exact', { skip }, async () => {
  const text = readFileSync(vendoredPath('eval-sample.txt'), 'utf8').slice(0, 400); // 2-3 chunks: the wasm forward pass is slow on this shared machine
  const progress = [];
  const result = await engine.perplexity(text, { ctx: 32, onProgress: (p) => progress.push(p) });
  assert.ok(result.n_chunks >= 2, JSON.stringify(result));
  assert.deepEqual(progress.map((p) => p.chunk), Array.from({ length: result.n_chunks }, (_, i) => i + 1));
  assert.ok(Number.isFinite(result.ppl) && result.ppl > 1 && result.ppl === progress.at(-1).ppl);
  const next = await engine.chat.completions.create({ messages: QUESTION, ...GREEDY });
  assert.equal(next.choices[0].message.content, ANSWER);
});

test('inspect() returns the GGUF header of the model file', { skip }, async () => {
  const header = await engine.inspect(MODEL);
  assert.equal(header.metadata['general.architecture'], 'llama');
  assert.equal(header.metadata['llama.block_count'], 8);
  assert.deepEqual(header.metadata['tokenizer.ggml.tokens'], { type: 'STRING', length: 4096 });
  const embedding = header.tensors.find((t) => t.name === 'token_embd.weight');
  assert.deepEqual([embedding.type, embedding.shape], ['f16', [512, 4096]]);
  assert.equal(header.fileSize, readFileSync(MODEL).length);
});

/** The lexi file with general.architecture renamed 'mamba' (same length): a header the engine refuses. */
function withArchitecture(file, name) {
  const copy = new Uint8Array(file);
  const key = Buffer.from('general.architecture');
  const valueAt = Buffer.from(copy.buffer).indexOf(key) + key.length + 4 + 8; // u32 type, u64 length
  copy.set(Buffer.from(name), valueAt);
  return copy;
}

test('loads by URL from a local server; refuses before the body an unsupported or too big model', { skip }, async () => {
  const file = new Uint8Array(readFileSync(MODEL));
  const server = await startRangeServer({ '/lexi.gguf': file, '/mamba.gguf': withArchitecture(file, 'mamba') });
  const other = await Engine.create({ threads: 1 });
  try {
    await assert.rejects(other.load(server.url('/mamba.gguf'), { cache: false }), (error) => {
      assert.ok(error instanceof UnsupportedArchitectureError, error.message);
      assert.match(error.message, /mamba/);
      return true;
    });
    await assert.rejects(other.load(server.url('/lexi.gguf'), { cache: false, n_ctx: 2_000_000 }), ModelTooBigError);
    assert.ok(server.state.bytesServed < 1_000_000, `${server.state.bytesServed} bytes served of ${file.length}`);
    const phases = new Set();
    const info = await other.load(server.url('/lexi.gguf'), { cache: false, n_ctx: 256, onProgress: (p) => phases.add(p.phase) });
    assert.equal(info.n_ctx, 256);
    assert.deepEqual([...phases], ['probe', 'download']);
    const result = await other.chat.completions.create({ messages: QUESTION, ...GREEDY });
    assert.equal(result.choices[0].message.content, ANSWER);
  } finally {
    await other.terminate();
    await server.close();
  }
});

test('the threaded build runs in Node and gives the same greedy answer', { skip }, async () => {
  const threaded = await Engine.create({ threads: 2 });
  try {
    assert.equal(threaded.runtime.variant, 'mt', threaded.runtime.fallbackReason);
    await threaded.load(MODEL, { cache: false, n_ctx: 256 });
    const result = await threaded.chat.completions.create({ messages: QUESTION, ...GREEDY });
    assert.equal(result.choices[0].message.content, ANSWER);
  } finally {
    await threaded.terminate();
  }
});
