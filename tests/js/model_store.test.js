// The model store on a temporary directory (the Node backend): atomic commit, verification,
// lookup keyed by URL + size (+ SHA-256), list, delete, quota translation.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelStore } from '../../js/model_store.js';
import { InvalidModelError, QuotaExceededError } from '../../js/errors.js';
import { sha256Hex } from '../../js/sha256.js';

let dir;
let store;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'webgguf-store-'));
  store = await ModelStore.open({ cacheDir: dir });
});
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const bytes = new Uint8Array(10_000).map((_, i) => i * 7);
const url = 'https://example.org/models/m.gguf';

/** @param {Uint8Array} data */
async function writeEntry(data, entry, { commit = true } = {}) {
  const writer = await store.beginWrite(entry);
  for (let i = 0; i < data.length; i += 3000) await writer.write(data.subarray(i, i + 3000));
  if (commit) await writer.commit();
  return writer;
}

async function readAll(source) {
  const parts = [];
  for await (const chunk of source.chunks(0)) parts.push(Buffer.from(chunk)); // copy: chunks may share a buffer
  return Buffer.concat(parts);
}

test('a committed entry is listed, found by URL (and size/hash) and reads back byte for byte', async () => {
  await writeEntry(bytes, { url, size: bytes.length, sha256: sha256Hex(bytes) });
  const [entry] = await store.list();
  assert.deepEqual({ ...entry, createdAt: undefined }, { url, size: bytes.length, sha256: sha256Hex(bytes), createdAt: undefined });
  assert.ok(await store.lookup(url, { size: bytes.length }));
  assert.equal(await store.lookup(url, { size: bytes.length + 1 }), null, 'keyed by size too');
  assert.equal(await store.lookup(url, { sha256: '1'.repeat(64) }), null, 'and by hash when known');
  assert.equal(await store.lookup('https://example.org/other.gguf'), null);
  const source = await store.openSource(url);
  assert.equal(source.size, bytes.length);
  assert.ok((await readAll(source)).equals(bytes));
  assert.ok(Buffer.from(await source.readHead(16)).equals(bytes.subarray(0, 16)));
});

test('nothing is visible before commit; an aborted write leaves no file', async () => {
  const writer = await writeEntry(bytes, { url, size: bytes.length }, { commit: false });
  assert.deepEqual(await store.list(), []);
  assert.equal((await readdir(dir)).length, 1, 'only the temporary file');
  await writer.abort();
  assert.deepEqual(await readdir(dir), []);
});

test('an incomplete or corrupt download is refused at commit and leaves nothing', async () => {
  await assert.rejects(writeEntry(bytes.subarray(0, 5000), { url, size: bytes.length }), (e) => e instanceof InvalidModelError && /incomplete/.test(e.message));
  await assert.rejects(writeEntry(bytes, { url, size: bytes.length, sha256: sha256Hex('other') }), (e) => e instanceof InvalidModelError && /corrupt/.test(e.message));
  assert.deepEqual(await store.list(), []);
  assert.deepEqual(await readdir(dir), []);
});

test('delete removes every entry of a URL; a metadata record without its data is ignored', async () => {
  await writeEntry(bytes, { url, size: bytes.length });
  await writeEntry(bytes.subarray(0, 100), { url: `${url}?v=2`, size: 100 });
  assert.equal((await store.list()).length, 2);
  assert.equal(await store.delete(url), true);
  assert.deepEqual((await store.list()).map((e) => e.url), [`${url}?v=2`]);
  assert.equal(await store.delete(url), false);
  const dataFile = (await readdir(dir)).find((name) => name.endsWith('.gguf'));
  await rm(join(dir, dataFile));
  assert.deepEqual(await store.list(), []);
});

test('ensureSpace turns a lack of space into an actionable QuotaExceededError', async () => {
  await store.ensureSpace(1000);
  await assert.rejects(store.ensureSpace(Number.MAX_SAFE_INTEGER), (e) => {
    assert.ok(e instanceof QuotaExceededError);
    assert.match(e.message, /needed.*available.*cache: false/);
    return true;
  });
});
