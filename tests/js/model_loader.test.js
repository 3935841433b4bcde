// The streaming loader against a local HTTP server: probe-first refusal, streaming into memory,
// resume after dropped connections, abort, split files, progress, and teeing into the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveByteSources, expandSplitName, HttpByteSource } from '../../js/byte_sources.js';
import { loadIntoMemory } from '../../js/model_loader.js';
import { ModelStore } from '../../js/model_store.js';
import {
  AbortError, HttpStatusError, InvalidModelError, ModelTooBigError, NetworkError, NotGgufError, UnsupportedArchitectureError,
} from '../../js/errors.js';
import { sha256Hex } from '../../js/sha256.js';
import * as fakeGguf from './helpers/fake_gguf.js';
import { startRangeServer } from './helpers/range_server.js';

const { makeFakeGguf, probeFakeGguf } = fakeGguf;
/** Byte equality through Buffer.equals (assert.deepEqual walks megabytes slowly). */
function assertSameBytes(actual, expected) {
  assert.equal(actual.length, expected.length);
  assert.ok(Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected), 'bytes differ');
}

const FAST = { retries: 3, retryDelayMs: 10 };

/** A JS stand-in for the wasm engine's memory: the heap buffer is replaced on allocation. */
function memoryTarget({ maxBytes = 1 << 30 } = {}) {
  const target = {
    heapView: new Uint8Array(16),
    offset: 0,
    probes: [],
    probe(head, size) { target.probes.push(head.length); return probeFakeGguf(head, size); },
    allocate(bytes) {
      if (bytes > maxBytes) return 0;
      target.heapView = new Uint8Array(bytes + 128);
      target.offset = 128;
      return target.offset;
    },
    heap: () => target.heapView,
    loaded: (bytes) => target.heapView.subarray(target.offset, target.offset + bytes),
  };
  return target;
}

const model = makeFakeGguf({ architecture: 'llama', reply: 'x', padding: 'p'.repeat(300000) }, 3_000_000);

test('loads a URL into memory after probing, with monotonic progress ending at the total', async () => {
  const server = await startRangeServer({ '/m.gguf': model });
  try {
    const target = memoryTarget();
    const events = [];
    const sources = await resolveByteSources(server.url('/m.gguf'), FAST);
    const { totalBytes, probe } = await loadIntoMemory(sources, target, { onProgress: (p) => events.push(p) });
    assert.equal(totalBytes, model.length);
    assert.equal(probe.status, 'ok');
    assertSameBytes(target.loaded(model.length), model);
    // The 300 KB header needs a second probe read: 256 KiB first, then at least double.
    assert.deepEqual(target.probes, [256 << 10, 512 << 10]);
    assert.equal(events[0].phase, 'probe');
    const body = events.slice(1);
    assert.ok(body.length >= 1 && body.every((e) => e.phase === 'download' && e.total === model.length));
    for (let i = 1; i < body.length; i++) assert.ok(body[i].loaded >= body[i - 1].loaded);
    assert.equal(body.at(-1).loaded, model.length);
    assert.ok(body.at(-1).rate > 0);
    // Probe bytes are reused: the file is served once, plus nothing.
    assert.equal(server.state.bytesServed, model.length);
  } finally {
    await server.close();
  }
});

test('refuses an unsupported architecture from the header without downloading the body', async () => {
  const file = makeFakeGguf({ architecture: 'mamba' }, 4_000_000);
  const server = await startRangeServer({ '/mamba.gguf': file });
  try {
    const target = memoryTarget();
    const sources = await resolveByteSources(server.url('/mamba.gguf'), FAST);
    await assert.rejects(loadIntoMemory(sources, target), (error) => {
      assert.ok(error instanceof UnsupportedArchitectureError);
      assert.match(error.message, /mamba/);
      return true;
    });
    assert.ok(server.state.bytesServed <= 256 << 10, `served ${server.state.bytesServed} bytes`);
    assert.equal(target.heapView.length, 16, 'nothing was allocated');
  } finally {
    await server.close();
  }
});

test('a model too big for wasm memory is refused by the probe or at allocation', async () => {
  const server = await startRangeServer({ '/big.gguf': makeFakeGguf({ architecture: 'llama', too_big: true }, 1_000_000),
    '/m.gguf': model });
  try {
    await assert.rejects(loadIntoMemory(await resolveByteSources(server.url('/big.gguf'), FAST), memoryTarget()), ModelTooBigError);
    await assert.rejects(loadIntoMemory(await resolveByteSources(server.url('/m.gguf'), FAST), memoryTarget({ maxBytes: 1000 })), ModelTooBigError);
    assert.ok(server.state.bytesServed < 2 * (512 << 10));
  } finally {
    await server.close();
  }
});

test('not a GGUF, and an HTTP 404, give named errors', async () => {
  const server = await startRangeServer({ '/page.html': new TextEncoder().encode('<html>hello</html>') });
  try {
    await assert.rejects(loadIntoMemory(await resolveByteSources(server.url('/page.html'), FAST), memoryTarget()), NotGgufError);
    await assert.rejects(loadIntoMemory(await resolveByteSources(server.url('/missing.gguf'), FAST), memoryTarget()), (error) => {
      assert.ok(error instanceof HttpStatusError);
      assert.equal(error.details.status, 404);
      return true;
    });
  } finally {
    await server.close();
  }
});

test('resumes with Range requests after the connection drops mid-body', async () => {
  const server = await startRangeServer({ '/m.gguf': model }, { dropAfter: 700_000, drops: 3 });
  try {
    const target = memoryTarget();
    await loadIntoMemory(await resolveByteSources(server.url('/m.gguf'), FAST), target);
    assertSameBytes(target.loaded(model.length), model);
    const resumed = server.state.requests.filter((r) => r.range && !r.range.startsWith('bytes=0-'));
    assert.ok(resumed.length >= 3, JSON.stringify(server.state.requests));
    // Only the cut-off bytes are fetched again: far less than a second full download.
    assert.ok(server.state.bytesServed < model.length + 3 * (256 << 10), `served ${server.state.bytesServed}`);
  } finally {
    await server.close();
  }
});

test('keeps resuming while bytes arrive, gives up with a NetworkError when none do', async () => {
  const progressing = await startRangeServer({ '/m.gguf': model }, { dropAfter: 400_000, drops: 100 });
  try {
    const target = memoryTarget();
    await loadIntoMemory(await resolveByteSources(progressing.url('/m.gguf'), { retries: 2, retryDelayMs: 5 }), target);
    assertSameBytes(target.loaded(model.length), model);
  } finally {
    await progressing.close();
  }
  const server = await startRangeServer({ '/m.gguf': model }, { dropAfter: 0, drops: 100 });
  try {
    await assert.rejects(loadIntoMemory(await resolveByteSources(server.url('/m.gguf'), { retries: 2, retryDelayMs: 5 }), memoryTarget()), NetworkError);
  } finally {
    await server.close();
  }
});

test('a file replaced on the server while resuming is refused instead of spliced', async () => {
  const server = await startRangeServer({ '/m.gguf': model }, { dropAfter: 700_000, drops: 1, etagFor: (n) => (n <= 2 ? '"v1"' : '"v2"') });
  try {
    await assert.rejects(loadIntoMemory(await resolveByteSources(server.url('/m.gguf'), FAST), memoryTarget()),
      (error) => error instanceof InvalidModelError && /changed on the server/.test(error.message));
  } finally {
    await server.close();
  }
});

test('works with a server that ignores Range (200 answers)', async () => {
  const server = await startRangeServer({ '/m.gguf': model }, { ranges: false, dropAfter: 1_000_000, drops: 1 });
  try {
    const target = memoryTarget();
    await loadIntoMemory(await resolveByteSources(server.url('/m.gguf'), FAST), target);
    assertSameBytes(target.loaded(model.length), model);
  } finally {
    await server.close();
  }
});

test('abort during the download rejects with AbortError and caches nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'webgguf-store-'));
  const server = await startRangeServer({ '/m.gguf': model }, { bytesPerSecond: 4_000_000 });
  try {
    const store = await ModelStore.open({ cacheDir: dir });
    const controller = new AbortController();
    const loading = loadIntoMemory(await resolveByteSources(server.url('/m.gguf'), FAST), memoryTarget(), {
      signal: controller.signal, store,
      onProgress: (p) => { if (p.phase === 'download' && p.loaded > 500_000) controller.abort(); },
    });
    await assert.rejects(loading, (error) => error instanceof AbortError && error.name === 'AbortError');
    assert.ok(server.state.bytesServed < model.length);
    assert.deepEqual(await store.list(), []);
    const { readdir } = await import('node:fs/promises');
    assert.deepEqual(await readdir(dir), [], 'no temporary file is left behind');
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('split files: the first part expands to all parts, downloaded in parallel into their places', async () => {
  const parts = [model.subarray(0, 1_200_000), model.subarray(1_200_000, 2_000_000), model.subarray(2_000_000)];
  const files = Object.fromEntries(parts.map((part, i) => [`/m-0000${i + 1}-of-00003.gguf`, part]));
  const server = await startRangeServer(files);
  try {
    assert.deepEqual(expandSplitName('https://h/x/m-00001-of-00003.gguf?download=1'),
      ['https://h/x/m-00001-of-00003.gguf?download=1', 'https://h/x/m-00002-of-00003.gguf?download=1', 'https://h/x/m-00003-of-00003.gguf?download=1']);
    assert.deepEqual(expandSplitName('/x/m-00002-of-00003.gguf'), ['/x/m-00002-of-00003.gguf']);
    const sources = await resolveByteSources(server.url('/m-00001-of-00003.gguf'), FAST);
    assert.equal(sources.length, 3);
    const target = memoryTarget();
    const progress = [];
    const { totalBytes } = await loadIntoMemory(sources, target, { onProgress: (p) => progress.push(p) });
    assert.equal(totalBytes, model.length);
    assertSameBytes(target.loaded(model.length), model);
    assert.equal(progress.at(-1).loaded, model.length);
    // An explicit list of parts works too.
    const listed = await resolveByteSources(parts.map((_, i) => server.url(`/m-0000${i + 1}-of-00003.gguf`)), FAST);
    assert.equal(listed.length, 3);
  } finally {
    await server.close();
  }
});

test('downloads are teed into the store, verified against an advertised SHA-256, and load offline', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'webgguf-store-'));
  const server = await startRangeServer({ '/m.gguf': model }, { headers: { 'x-linked-etag': `"${sha256Hex(model)}"` } });
  try {
    const store = await ModelStore.open({ cacheDir: dir });
    const url = server.url('/m.gguf');
    await loadIntoMemory(await resolveByteSources(url, FAST), memoryTarget(), { store });
    const [entry] = await store.list();
    assert.equal(entry.url, url);
    assert.equal(entry.size, model.length);
    assert.equal(entry.sha256, sha256Hex(model));
    await server.close();
    const cached = await store.openSource(url);
    const target = memoryTarget();
    await loadIntoMemory([cached], target, { phase: 'cache' });
    assertSameBytes(target.loaded(model.length), model);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a download whose bytes do not match the advertised SHA-256 is not cached', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'webgguf-store-'));
  const server = await startRangeServer({ '/m.gguf': model }, { headers: { 'x-linked-etag': `"${'0'.repeat(64)}"` } });
  try {
    const store = await ModelStore.open({ cacheDir: dir });
    await assert.rejects(loadIntoMemory(await resolveByteSources(server.url('/m.gguf'), FAST), memoryTarget(), { store }), /corrupt/);
    assert.deepEqual(await store.list(), []);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('HttpByteSource learns size, validator and advertised hash from the first answer', async () => {
  const server = await startRangeServer({ '/m.gguf': model }, { headers: { etag: `"${sha256Hex(model)}"` } });
  try {
    const source = new HttpByteSource(server.url('/m.gguf'), FAST);
    const head = await source.readHead(100);
    assert.deepEqual(head, model.subarray(0, 100));
    assert.equal(source.size, model.length);
    assert.equal(source.sha256, sha256Hex(model));
    assert.deepEqual(await source.readHead(50), model.subarray(0, 50));
    assert.equal(server.state.requests.length, 1);
  } finally {
    await server.close();
  }
});
