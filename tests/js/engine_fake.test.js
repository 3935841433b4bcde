// The Engine API end to end (page -> worker_threads worker -> module) on a JavaScript stand-in
// for the wasm module (fixtures/fake-wasm), so the protocol, streaming, aborts, KV-reuse plumbing,
// crash handling and caching are tested without a wasm build. The real module: engine_wasm.test.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Engine, AbortError, ChatTemplateError, ContextFullError, InvalidArgumentError, InvalidModelError, NoModelError, NotGgufError,
  UnsupportedArchitectureError, WorkerCrashedError,
} from '../../js/index.js';
import * as fakeGguf from './helpers/fake_gguf.js';
import { startRangeServer } from './helpers/range_server.js';

const { makeFakeGguf } = fakeGguf;
const FAKE_WASM = new URL('./fixtures/fake-wasm/', import.meta.url);
const REPLY = 'A river is a large natural stream of water.';
const QUESTION = [{ role: 'user', content: 'What is a river?' }];

let dir;
let modelPath;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'webgguf-engine-'));
  modelPath = join(dir, 'fake.gguf');
  await writeFile(modelPath, makeFakeGguf({ architecture: 'llama', name: 'fake-lexi', reply: REPLY }, 200_000));
});
after(async () => { await rm(dir, { recursive: true, force: true }); });

/** @param {(engine: Engine) => Promise<void>} body */
async function withEngine(body) {
  const engine = await Engine.create({ threads: 1, wasmBaseUrl: FAKE_WASM });
  try { await body(engine); } finally { await engine.terminate(); }
}

test('chat completion from a Node path: OpenAI-shaped result with usage and timings', () => withEngine(async (engine) => {
  assert.equal(engine.runtime.variant, 'st');
  const progress = [];
  const info = await engine.load(modelPath, { onProgress: (p) => progress.push(p), cache: false });
  assert.equal(info.architecture, 'llama');
  assert.equal(progress.at(-1).phase, 'read');
  assert.equal(progress.at(-1).loaded, progress.at(-1).total);
  const result = await engine.chat.completions.create({ messages: QUESTION, temperature: 0 });
  assert.equal(result.object, 'chat.completion');
  assert.equal(result.model, 'fake-lexi');
  assert.deepEqual(result.choices[0].message, { role: 'assistant', content: REPLY });
  assert.equal(result.choices[0].finish_reason, 'stop');
  const promptTokens = (await engine.tokenize('<|im_start|>user\nWhat is a river?<|im_end|>\n<|im_start|>assistant\n', { parseSpecial: true })).length;
  assert.deepEqual(result.usage, { prompt_tokens: promptTokens, completion_tokens: REPLY.length, total_tokens: promptTokens + REPLY.length });
  assert.equal(result.timings.predicted_n, REPLY.length);
  assert.ok(result.timings.predicted_ms >= 0);
}));

test('streaming chunks concatenate to the full answer; the last chunk carries finish_reason and usage', () => withEngine(async (engine) => {
  await engine.load(modelPath, { cache: false });
  const stream = await engine.chat.completions.create({ messages: QUESTION, stream: true, temperature: 0 });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id));
  assert.equal(chunks.map((c) => c.choices[0].delta.content ?? '').join(''), REPLY);
  const last = chunks.at(-1);
  assert.equal(last.choices[0].finish_reason, 'stop');
  assert.equal(last.usage.completion_tokens, REPLY.length);
}));

test('max_tokens gives finish_reason length; stop strings end the answer before them', () => withEngine(async (engine) => {
  await engine.load(modelPath, { cache: false });
  const short = await engine.chat.completions.create({ messages: QUESTION, max_tokens: 7 });
  assert.equal(short.choices[0].message.content, REPLY.slice(0, 7));
  assert.equal(short.choices[0].finish_reason, 'length');
  const stopped = await engine.chat.completions.create({ messages: QUESTION, stop: ['natural', 'zzz'] });
  assert.equal(stopped.choices[0].message.content, 'A river is a large ');
  assert.equal(stopped.choices[0].finish_reason, 'stop');
  const text = await engine.complete('Once upon a time', { max_tokens: 3 });
  assert.equal(text.choices[0].text, 'A r');
}));

test('the next turn reuses the KV prefix of the conversation', () => withEngine(async (engine) => {
  await engine.load(modelPath, { cache: false });
  const first = await engine.chat.completions.create({ messages: QUESTION });
  const messages = [...QUESTION, first.choices[0].message, { role: 'user', content: 'And a lake?' }];
  const second = await engine.chat.completions.create({ messages });
  assert.equal(second.timings.prompt_reused, first.usage.prompt_tokens + REPLY.length + 1);
  assert.equal(second.timings.prompt_n, second.usage.prompt_tokens - second.timings.prompt_reused);
}));

test('abort during generation rejects with AbortError, and the next request answers correctly', async () => {
  const slowPath = join(dir, 'slow.gguf');
  await writeFile(slowPath, makeFakeGguf({ architecture: 'llama', reply: REPLY, step_ms: 15 }, 1000));
  await withEngine(async (engine) => {
    await engine.load(slowPath, { cache: false });
    const controller = new AbortController();
    const stream = await engine.chat.completions.create({ messages: QUESTION, stream: true, signal: controller.signal });
    let received = '';
    await assert.rejects((async () => {
      for await (const chunk of stream) {
        received += chunk.choices[0].delta.content ?? '';
        if (received.length === 5) controller.abort();
      }
    })(), (error) => error instanceof AbortError && error.name === 'AbortError');
    assert.ok(received.length < REPLY.length);
    // Non-streaming abort, then breaking out of a stream early: both stop the worker.
    const other = new AbortController();
    const pending = engine.chat.completions.create({ messages: QUESTION, signal: other.signal });
    setTimeout(() => other.abort(), 40);
    await assert.rejects(pending, AbortError);
    for await (const chunk of await engine.chat.completions.create({ messages: QUESTION, stream: true })) {
      if (chunk.choices[0].delta.content) break;
    }
    const next = await engine.chat.completions.create({ messages: QUESTION });
    assert.equal(next.choices[0].message.content, REPLY);
  });
});

test('a model refused by its header, an invalid model and a full context give named errors', () => withEngine(async (engine) => {
  await assert.rejects(engine.chat.completions.create({ messages: QUESTION }), NoModelError);
  await assert.rejects(engine.load(makeFakeGguf({ architecture: 'rwkv' }, 1000), { cache: false }), UnsupportedArchitectureError);
  await assert.rejects(engine.load(makeFakeGguf({ architecture: 'llama', invalid: true }, 1000), { cache: false }), InvalidModelError);
  await engine.load(makeFakeGguf({ architecture: 'llama', reply: REPLY }, 1000).buffer, { cache: false, n_ctx: 40 });
  await assert.rejects(engine.chat.completions.create({ messages: [{ role: 'user', content: 'x'.repeat(100) }] }), ContextFullError);
  const full = await engine.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] });
  assert.equal(full.choices[0].finish_reason, 'length', 'generation that runs out of context ends with length');
  await assert.rejects(engine.chat.completions.create({ messages: QUESTION, temperature: -1 }), InvalidArgumentError);
  await assert.rejects(engine.chat.completions.create({ messages: [] }), InvalidArgumentError);
}));

test('a wasm trap rejects pending and later requests with WorkerCrashedError; a new Engine works', async () => {
  await withEngine(async (engine) => {
    await engine.load(modelPath, { cache: false });
    const crashing = engine.chat.completions.create({ messages: [{ role: 'user', content: 'CRASH' }] });
    const queued = engine.tokenize('hello');
    await assert.rejects(crashing, WorkerCrashedError);
    await assert.rejects(queued, WorkerCrashedError);
    await assert.rejects(engine.info(), WorkerCrashedError);
  });
  await withEngine(async (engine) => {
    await engine.load(modelPath, { cache: false });
    assert.equal((await engine.chat.completions.create({ messages: QUESTION })).choices[0].message.content, REPLY);
  });
});

test('tokenize, detokenize, info, perplexity with progress, unload', () => withEngine(async (engine) => {
  await engine.load(modelPath, { cache: false });
  const ids = await engine.tokenize('<|im_end|>hé', { parseSpecial: true });
  assert.deepEqual(ids, [2, 0x68 + 3, 0xc3 + 3, 0xa9 + 3]);
  assert.equal(await engine.detokenize(ids), 'hé');
  assert.equal(await engine.detokenize(ids, { renderSpecial: true }), '<|im_end|>hé');
  const info = await engine.info();
  assert.equal(info.n_ctx, 256);
  assert.equal(info.wasm_variant, 'st');
  const progress = [];
  const ppl = await engine.perplexity('y'.repeat(100), { ctx: 32, onProgress: (p) => progress.push(p) });
  assert.equal(ppl.ppl, 42.5);
  assert.equal(ppl.n_chunks, 3);
  assert.deepEqual(progress.map((p) => p.chunk), [1, 2, 3]);
  await engine.unload();
  assert.equal(await engine.info(), null);
  await assert.rejects(engine.tokenize('x'), NoModelError);
}));

test('load by URL caches the file; it then loads offline; cache list and delete', async () => {
  const cacheDir = join(dir, 'cache');
  const file = makeFakeGguf({ architecture: 'llama', reply: REPLY }, 300_000);
  const server = await startRangeServer({ '/lexi.gguf': file });
  const url = server.url('/lexi.gguf');
  try {
    await withEngine(async (engine) => {
      const first = await engine.load(url, { cacheDir });
      assert.equal(first.from_cache, false);
      await server.close();
      const phases = [];
      const second = await engine.load(url, { cacheDir, onProgress: (p) => phases.push(p.phase) });
      assert.equal(second.from_cache, true);
      assert.equal(phases.at(-1), 'cache');
      assert.equal((await engine.chat.completions.create({ messages: QUESTION })).choices[0].message.content, REPLY);
      const entries = await engine.cache.list({ cacheDir });
      assert.deepEqual(entries.map((e) => [e.url, e.size]), [[url, file.length]]);
      assert.equal(await engine.cache.delete(url, { cacheDir }), true);
      assert.deepEqual(await engine.cache.list({ cacheDir }), []);
    });
  } finally {
    await server.close();
  }
});

test('abort during a download through the engine leaves no cache entry and the engine usable', async () => {
  const cacheDir = join(dir, 'cache-abort');
  const file = makeFakeGguf({ architecture: 'llama', reply: REPLY }, 3_000_000);
  const server = await startRangeServer({ '/big.gguf': file }, { bytesPerSecond: 3_000_000 });
  try {
    await withEngine(async (engine) => {
      const controller = new AbortController();
      const loading = engine.load(server.url('/big.gguf'), {
        cacheDir, signal: controller.signal,
        onProgress: (p) => { if (p.phase === 'download' && p.loaded > 300_000) controller.abort(); },
      });
      await assert.rejects(loading, AbortError);
      assert.deepEqual(await engine.cache.list({ cacheDir }), []);
      await engine.load(modelPath, { cache: false });
      assert.equal((await engine.chat.completions.create({ messages: QUESTION })).choices[0].message.content, REPLY);
    });
  } finally {
    await server.close();
  }
});

test('loads from a Blob and a Uint8Array; complete() streams text chunks', () => withEngine(async (engine) => {
  const file = makeFakeGguf({ architecture: 'llama', reply: REPLY }, 5000);
  const phases = [];
  await engine.load(new Blob([file]), { cache: false, onProgress: (p) => phases.push(p.phase) });
  assert.equal(phases.at(-1), 'read');
  await engine.load(file.subarray(0), { cache: false });
  let text = '';
  for await (const chunk of await engine.complete('Tell me', { stream: true, max_tokens: 9 })) {
    assert.equal(chunk.object, 'text_completion');
    text += chunk.choices[0].text;
  }
  assert.equal(text, REPLY.slice(0, 9));
}));

test('inspect() reads only the header of a model by URL', () => withEngine(async (engine) => {
  const file = makeFakeGguf({ architecture: 'llama', name: 'inspected' }, 2_000_000);
  const server = await startRangeServer({ '/m.gguf': file, '/page.html': new TextEncoder().encode('<html></html>') });
  try {
    const header = await engine.inspect(server.url('/m.gguf'));
    assert.equal(header.version, 3);
    assert.deepEqual(header.metadata, { architecture: 'llama', name: 'inspected' });
    assert.equal(header.fileSize, file.length);
    assert.equal(header.parts, 1);
    assert.ok(server.state.bytesServed <= 256 << 10);
    await assert.rejects(engine.inspect(server.url('/page.html')), NotGgufError);
  } finally {
    await server.close();
  }
}));

test('a model whose chat template is broken still loads and completes; chat reports ChatTemplateError', () => withEngine(async (engine) => {
  await engine.load(makeFakeGguf({ architecture: 'llama', reply: REPLY, chat_template: '{% for %}' }, 1000), { cache: false });
  assert.equal((await engine.complete('x', { max_tokens: 1 })).choices[0].text, 'A');
  await assert.rejects(engine.chat.completions.create({ messages: QUESTION }), ChatTemplateError);
}));

test('what the native code writes to stderr reaches the logger given to Engine.create', async () => {
  const lines = [];
  const engine = await Engine.create({ threads: 1, wasmBaseUrl: FAKE_WASM, logger: { error: (text) => lines.push(text) } });
  try {
    const path = join(dir, 'noisy.gguf');
    await writeFile(path, makeFakeGguf({ architecture: 'llama', name: 'noisy', reply: REPLY, stderr: 'Highway abort at x.cc:1: bad lane' }, 1000));
    await engine.load(path, { cache: false });
    await engine.info(); // one more round trip: the log line was posted before the load's result
    assert.deepEqual(lines, ['webgguf: Highway abort at x.cc:1: bad lane']);
  } finally {
    await engine.terminate();
  }
});
