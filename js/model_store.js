/**
 * The model store: downloaded GGUF files kept for offline loading.
 *
 * Backends: a directory on disk (Node), the Origin Private File System (browsers), and the Cache
 * API where OPFS is missing. Entries are keyed by URL + size (+ the SHA-256 when the host
 * advertises one). Data is written under a temporary name and committed only once complete and
 * verified: a small metadata record written last is the commit, so an interrupted or corrupt
 * download never becomes a cache entry.
 * @module model_store
 */

import { BlobByteSource, FileByteSource } from './byte_sources.js';
import { InvalidModelError, QuotaExceededError, WebggufError } from './errors.js';
import { Sha256, sha256Hex } from './sha256.js';

const STORE_NAME = 'webgguf-models';

/**
 * @typedef {object} CachedModel
 * @property {string} url
 * @property {number} size
 * @property {string | undefined} sha256
 * @property {string} createdAt ISO date
 */

/**
 * @typedef {object} StoreWriter
 * @property {(chunk: Uint8Array) => Promise<void>} write append the next bytes
 * @property {() => Promise<void>} commit verify size (and hash) and make the entry visible
 * @property {() => Promise<void>} abort discard everything written
 */

/** @param {string} url @param {number} size */
function entryKey(url, size) {
  return `${sha256Hex(url).slice(0, 32)}-${size}`;
}

/** @param {unknown} error */
function isQuotaError(error) {
  return error instanceof Error && (error.name === 'QuotaExceededError' || /** @type {any} */ (error).code === 'ENOSPC');
}

/** @param {number} bytes */
function megabytes(bytes) {
  return `${Math.ceil(bytes / 1e6)} MB`;
}

/** @param {string} where */
function quotaError(where, needed, available, cause) {
  const amounts = available === undefined ? '' : ` (${megabytes(needed)} needed, ${megabytes(Math.max(0, available))} available)`;
  return new QuotaExceededError(`Not enough storage to cache the model in ${where}${amounts}: delete cached models with engine.cache.delete(url), free disk space, or load with { cache: false }.`, { cause, details: { needed, available } });
}

/**
 * Wraps a backend's raw writer with size/hash verification and quota error translation.
 * @param {{ url: string, size: number, sha256?: string }} entry
 * @param {{ write: (c: Uint8Array) => Promise<void>, finish: () => Promise<void>, discard: () => Promise<void> }} raw
 * @param {string} where
 * @returns {StoreWriter}
 */
function verifyingWriter(entry, raw, where) {
  const hash = entry.sha256 ? new Sha256() : null;
  let written = 0;
  let closed = false;
  const translate = (error) => (isQuotaError(error) ? quotaError(where, entry.size, undefined, error) : error);
  return {
    async write(chunk) {
      hash?.update(chunk);
      written += chunk.length;
      try { await raw.write(chunk); } catch (error) { throw translate(error); }
    },
    async commit() {
      closed = true;
      if (written !== entry.size) {
        await raw.discard();
        throw new InvalidModelError(`Download of ${entry.url} is incomplete (${written} of ${entry.size} bytes); it was not cached.`);
      }
      const digest = hash?.digestHex();
      if (digest !== undefined && digest !== entry.sha256) {
        await raw.discard();
        throw new InvalidModelError(`Download of ${entry.url} is corrupt: SHA-256 ${digest} instead of ${entry.sha256}; it was not cached, load it again.`);
      }
      try { await raw.finish(); } catch (error) { await raw.discard(); throw translate(error); }
    },
    async abort() {
      if (closed) return;
      closed = true;
      await raw.discard().catch(() => {});
    },
  };
}

/** Node: one directory on disk; `<key>.gguf` data, `<key>.json` metadata (the commit record). */
class DirectoryBackend {
  /** @param {string} dir */
  constructor(dir) { this.dir = dir; this.where = dir; }

  async fs() {
    const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
    await fs.mkdir(this.dir, { recursive: true });
    return { fs, path };
  }

  async entries() {
    const { fs, path } = await this.fs();
    const names = (await fs.readdir(this.dir)).filter((name) => name.endsWith('.json'));
    const records = await Promise.all(names.map(async (name) => {
      try {
        const record = JSON.parse(await fs.readFile(path.join(this.dir, name), 'utf8'));
        const stat = await fs.stat(path.join(this.dir, record.file));
        return stat.size === record.size ? record : null;
      } catch {
        return null; // a half-deleted or foreign file: not an entry
      }
    }));
    return records.filter(Boolean);
  }

  async open(record) {
    const { path } = await this.fs();
    const source = new FileByteSource(path.join(this.dir, record.file));
    source.size = record.size;
    return source;
  }

  async availableBytes() {
    const { fs } = await this.fs();
    if (!fs.statfs) return undefined;
    const stats = await fs.statfs(this.dir);
    return stats.bavail * stats.bsize;
  }

  async beginWrite(entry) {
    const { fs, path } = await this.fs();
    const key = entryKey(entry.url, entry.size);
    const temporary = path.join(this.dir, `${key}.${Date.now()}-${Math.random().toString(36).slice(2)}.part`);
    const handle = await fs.open(temporary, 'w');
    let open = true;
    const close = async () => { if (open) { open = false; await handle.close(); } };
    return {
      write: async (chunk) => { await handle.write(chunk); },
      finish: async () => {
        await handle.sync();
        await close();
        await fs.rename(temporary, path.join(this.dir, `${key}.gguf`));
        const record = { url: entry.url, size: entry.size, sha256: entry.sha256, createdAt: new Date().toISOString(), file: `${key}.gguf` };
        await fs.writeFile(path.join(this.dir, `${key}.json.part`), JSON.stringify(record));
        await fs.rename(path.join(this.dir, `${key}.json.part`), path.join(this.dir, `${key}.json`));
      },
      discard: async () => { await close(); await fs.rm(temporary, { force: true }); },
    };
  }

  async remove(record) {
    const { fs, path } = await this.fs();
    const key = record.file.replace(/\.gguf$/, '');
    await fs.rm(path.join(this.dir, `${key}.json`), { force: true }); // un-commit first
    await fs.rm(path.join(this.dir, record.file), { force: true });
  }
}

/** Browsers: the Origin Private File System, same layout as the directory backend. */
class OpfsBackend {
  /** @param {FileSystemDirectoryHandle} dir */
  constructor(dir) { this.dir = dir; this.where = 'the browser storage (OPFS)'; }

  async entries() {
    const records = [];
    // @ts-ignore: async iteration of directory handles
    for await (const [name, handle] of this.dir.entries()) {
      if (!name.endsWith('.json') || handle.kind !== 'file') continue;
      try {
        const record = JSON.parse(await (await handle.getFile()).text());
        const data = await (await this.dir.getFileHandle(record.file)).getFile();
        if (data.size === record.size) records.push(record);
      } catch {
        // metadata without data: not an entry
      }
    }
    return records;
  }

  async open(record) {
    const file = await (await this.dir.getFileHandle(record.file)).getFile();
    return new BlobByteSource(file, record.url);
  }

  async availableBytes() {
    const estimate = await navigator.storage?.estimate?.();
    return estimate?.quota !== undefined ? estimate.quota - (estimate.usage ?? 0) : undefined;
  }

  async beginWrite(entry) {
    const key = entryKey(entry.url, entry.size);
    const temporary = `${key}.${Date.now()}-${Math.random().toString(36).slice(2)}.part`;
    const handle = await this.dir.getFileHandle(temporary, { create: true });
    const writable = await handle.createWritable();
    let open = true;
    return {
      write: async (chunk) => { await writable.write(chunk); },
      finish: async () => {
        await writable.close();
        open = false;
        let file = temporary;
        // @ts-ignore: move() is not in every browser; the metadata record names the data file anyway
        if (typeof handle.move === 'function') { await handle.move(`${key}.gguf`); file = `${key}.gguf`; }
        const record = { url: entry.url, size: entry.size, sha256: entry.sha256, createdAt: new Date().toISOString(), file };
        const meta = await (await this.dir.getFileHandle(`${key}.json`, { create: true })).createWritable();
        await meta.write(JSON.stringify(record));
        await meta.close();
      },
      discard: async () => {
        if (open) { open = false; await writable.abort().catch(() => {}); }
        await this.dir.removeEntry(temporary).catch(() => {});
      },
    };
  }

  async remove(record) {
    const key = record.file.replace(/(\.\d+-\w+\.part|\.gguf)$/, '');
    await this.dir.removeEntry(`${key}.json`).catch(() => {});
    await this.dir.removeEntry(record.file).catch(() => {});
  }
}

/** Browsers without OPFS: the Cache API. A put() only lands once its body stream completes. */
class CacheApiBackend {
  /** @param {Cache} cache */
  constructor(cache) { this.cache = cache; this.where = 'the browser cache'; }

  /** @param {string} key */
  static requestFor(key) { return new Request(`https://webgguf.invalid/models/${key}`); }

  async entries() {
    const records = [];
    for (const request of await this.cache.keys()) {
      const response = await this.cache.match(request);
      const meta = response?.headers.get('x-webgguf-entry');
      if (meta) records.push(JSON.parse(decodeURIComponent(meta)));
    }
    return records;
  }

  async open(record) {
    const response = await this.cache.match(CacheApiBackend.requestFor(record.file));
    if (!response) throw new WebggufError(`The cached copy of ${record.url} disappeared; load it again online.`);
    return new BlobByteSource(await response.blob(), record.url);
  }

  async availableBytes() {
    const estimate = await navigator.storage?.estimate?.();
    return estimate?.quota !== undefined ? estimate.quota - (estimate.usage ?? 0) : undefined;
  }

  async beginWrite(entry) {
    const key = entryKey(entry.url, entry.size);
    const record = { url: entry.url, size: entry.size, sha256: entry.sha256, createdAt: new Date().toISOString(), file: key };
    const pipe = new TransformStream();
    const writer = pipe.writable.getWriter();
    const headers = { 'content-length': String(entry.size), 'x-webgguf-entry': encodeURIComponent(JSON.stringify(record)) };
    const stored = this.cache.put(CacheApiBackend.requestFor(key), new Response(pipe.readable, { headers }));
    stored.catch(() => {}); // observed in finish(); a discarded write rejects here by design
    return {
      write: async (chunk) => { await writer.write(chunk); },
      finish: async () => { await writer.close(); await stored; },
      discard: async () => { await writer.abort().catch(() => {}); await this.cache.delete(CacheApiBackend.requestFor(key)); },
    };
  }

  async remove(record) {
    await this.cache.delete(CacheApiBackend.requestFor(record.file));
  }
}

/** The model cache, whatever the backend. */
export class ModelStore {
  /** @param {DirectoryBackend | OpfsBackend | CacheApiBackend} backend */
  constructor(backend) {
    this.backend = backend;
    /** @type {boolean | undefined} whether the browser granted persistent storage */
    this.persisted = undefined;
  }

  /**
   * Opens the best store available here.
   * @param {{ cacheDir?: string }} [options] cacheDir: the directory used in Node
   * @returns {Promise<ModelStore>}
   */
  static async open(options = {}) {
    const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
    if (isNode) {
      const [os, path] = await Promise.all([import('node:os'), import('node:path')]);
      const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
      return new ModelStore(new DirectoryBackend(options.cacheDir ?? path.join(cacheHome, 'webgguf')));
    }
    const storage = globalThis.navigator?.storage;
    if (storage?.getDirectory) {
      try {
        const root = await storage.getDirectory();
        return new ModelStore(new OpfsBackend(await root.getDirectoryHandle(STORE_NAME, { create: true })));
      } catch {
        // OPFS exists but is refused (private browsing): fall back to the Cache API
      }
    }
    if (globalThis.caches) return new ModelStore(new CacheApiBackend(await caches.open(STORE_NAME)));
    throw new WebggufError('This browser offers no storage for models (no OPFS, no Cache API; private browsing?): load with { cache: false }.');
  }

  /** @returns {Promise<CachedModel[]>} every committed entry */
  async list() {
    const records = await this.backend.entries();
    return records.map(({ url, size, sha256, createdAt }) => ({ url, size, sha256, createdAt }));
  }

  /**
   * The committed entry for a URL, or null. When `size`/`sha256` are given they must match too.
   * @param {string} url
   * @param {{ size?: number, sha256?: string }} [expect]
   */
  async lookup(url, expect = {}) {
    const records = await this.backend.entries();
    const record = records.find((r) => r.url === url
      && (expect.size === undefined || r.size === expect.size)
      && (expect.sha256 === undefined || r.sha256 === undefined || r.sha256 === expect.sha256));
    return record ?? null;
  }

  /** @param {string} url @returns {Promise<import('./byte_sources.js').BlobByteSource | FileByteSource | null>} */
  async openSource(url) {
    const record = await this.lookup(url);
    return record ? this.backend.open(record) : null;
  }

  /**
   * Checks up front that `bytes` more fit, and asks the browser to keep the data (persist()).
   * @param {number} bytes
   */
  async ensureSpace(bytes) {
    if (this.persisted === undefined && globalThis.navigator?.storage?.persist) {
      this.persisted = await navigator.storage.persist().catch(() => false);
    }
    const available = await this.backend.availableBytes();
    if (available !== undefined && available < bytes) throw quotaError(this.backend.where, bytes, available);
  }

  /**
   * Starts writing an entry; nothing is visible until `commit()` succeeds.
   * @param {{ url: string, size: number, sha256?: string }} entry
   * @returns {Promise<StoreWriter>}
   */
  async beginWrite(entry) {
    const raw = await this.backend.beginWrite(entry);
    return verifyingWriter(entry, raw, this.backend.where);
  }

  /** @param {string} url @returns {Promise<boolean>} whether an entry was removed */
  async delete(url) {
    const records = (await this.backend.entries()).filter((r) => r.url === url);
    for (const record of records) await this.backend.remove(record);
    return records.length > 0;
  }
}
