/**
 * Byte sources: one interface over everything a model can come from (HTTP URL, Blob/File,
 * in-memory bytes, Node file path), so the loader probes the header and streams the body the
 * same way whatever the origin.
 *
 * A ByteSource has `size` (known after the first `readHead`), `readHead(length, signal)` returning
 * the first `length` bytes (fetching only what it does not hold yet), and `chunks(start, signal)`,
 * an async iterator of the bytes from `start` to the end. A yielded chunk is valid only until the
 * next one is requested (file sources reuse one buffer). HTTP sources resume a dropped connection
 * with Range requests.
 * @module byte_sources
 */

import {
  AbortError, CorsError, HttpStatusError, InvalidArgumentError, InvalidModelError, NetworkError, WebggufError,
  throwIfAborted,
} from './errors.js';

const BLOB_CHUNK_BYTES = 8 << 20;
const SPLIT_NAME = /-(\d{5})-of-(\d{5})\.gguf$/;

/**
 * Expands the first part of a `name-00001-of-0000N.gguf` set to all N part names; anything else
 * is returned as a one-element list.
 * @param {string} name URL or path
 * @returns {string[]}
 */
export function expandSplitName(name) {
  const url = name.split(/[?#]/)[0];
  const match = SPLIT_NAME.exec(url);
  if (!match || Number(match[1]) !== 1) return [name];
  const count = Number(match[2]);
  const digits = match[1].length;
  const suffix = name.slice(url.length);
  const prefix = url.slice(0, match.index);
  return Array.from({ length: count }, (_, i) =>
    `${prefix}-${String(i + 1).padStart(digits, '0')}-of-${match[2]}.gguf${suffix}`);
}

/** @param {unknown} error */
function isAbort(error) {
  return error instanceof Error && error.name === 'AbortError';
}

/** @param {number} ms @param {AbortSignal | undefined} signal */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(undefined); }, ms);
    const onAbort = () => { clearTimeout(timer); reject(new AbortError(undefined, { cause: signal?.reason })); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Hex SHA-256 a host advertises for the file (Hugging Face's X-Linked-ETag, or a bare ETag). */
function advertisedSha256(headers) {
  for (const name of ['x-linked-etag', 'x-checksum-sha256', 'etag']) {
    const value = (headers.get(name) ?? '').replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase();
    if (/^[0-9a-f]{64}$/.test(value)) return value;
  }
  return undefined;
}

/**
 * A file on an HTTP(S) server. Uses Range requests when the server supports them (and falls back to
 * skipping bytes when it does not); retries dropped connections from where they stopped.
 */
export class HttpByteSource {
  /**
   * @param {string} url
   * @param {{ retries?: number, retryDelayMs?: number, fetch?: typeof fetch }} [options]
   */
  constructor(url, options = {}) {
    this.url = url;
    this.retries = options.retries ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    /** @type {number | undefined} */
    this.size = undefined;
    /** @type {string | undefined} */
    this.sha256 = undefined;
    /** @type {string | undefined} strong validator, so a resumed download cannot mix two versions */
    this.etag = undefined;
    this.head = new Uint8Array(0);
  }

  get description() { return this.url; }

  /**
   * @param {number} length
   * @param {AbortSignal} [signal]
   * @returns {Promise<Uint8Array>}
   */
  async readHead(length, signal) {
    if (this.size !== undefined) length = Math.min(length, this.size);
    if (this.head.length >= length) return this.head.subarray(0, length);
    const grown = new Uint8Array(length);
    grown.set(this.head);
    let filled = this.head.length;
    for await (const chunk of this.chunks(filled, signal, length)) {
      grown.set(chunk, filled);
      filled += chunk.length;
    }
    this.head = grown.subarray(0, filled);
    await this.ensureSize(signal);
    return this.head;
  }

  /**
   * Bytes from `start` to `end` (default: end of file), resuming after connection drops.
   * @param {number} start
   * @param {AbortSignal} [signal]
   * @param {number} [end] exclusive
   * @returns {AsyncGenerator<Uint8Array>}
   */
  async *chunks(start, signal, end) {
    let position = start;
    let failures = 0;
    for (;;) {
      const limit = Math.min(end ?? Infinity, this.size ?? Infinity);
      if (position >= limit) return;
      let response;
      try {
        response = await this.request(position, Number.isFinite(limit) ? limit : undefined, signal);
      } catch (error) {
        if (!(error instanceof NetworkError) || ++failures > this.retries) throw error;
        await sleep(this.retryDelayMs * failures, signal);
        continue;
      }
      if (this.size === undefined) await this.ensureSize(signal);
      // The file may be shorter than the head we asked for.
      const stop = Math.min(end ?? Infinity, this.size ?? Infinity);
      // A 200 answer to a Range request carries the whole file: skip what we already have.
      let skip = response.status === 206 ? 0 : position;
      const reader = /** @type {ReadableStream<Uint8Array>} */ (response.body).getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          let bytes = value;
          if (skip > 0) {
            const dropped = Math.min(skip, bytes.length);
            skip -= dropped;
            bytes = bytes.subarray(dropped);
          }
          if (bytes.length > stop - position) bytes = bytes.subarray(0, stop - position);
          if (bytes.length === 0) { if (position >= stop) break; continue; }
          position += bytes.length;
          failures = 0;
          yield bytes;
          if (position >= stop) break;
        }
      } catch (error) {
        if (isAbort(error) || signal?.aborted) throw new AbortError(undefined, { cause: signal?.reason ?? error });
        if (error instanceof WebggufError) throw error;
        // The connection dropped mid-body: resume from `position` unless we are out of retries.
        if (++failures > this.retries) {
          throw new NetworkError(`The download of ${this.url} kept failing at byte ${position} of ${stop}: check the connection and load again.`, { cause: error });
        }
        await sleep(this.retryDelayMs * failures, signal);
        continue;
      } finally {
        reader.cancel().catch(() => {});
      }
      if (position >= stop) return;
      // The body ended early without an error: treat as a drop.
      if (++failures > this.retries) {
        throw new NetworkError(`The server closed ${this.url} early at byte ${position} of ${stop}; try again later.`);
      }
      await sleep(this.retryDelayMs * failures, signal);
    }
  }

  /**
   * One GET from `position`, learning the file size and validators on the first answer.
   * @param {number} position
   * @param {number | undefined} end exclusive, or undefined for the rest of the file
   * @param {AbortSignal | undefined} signal
   * @returns {Promise<Response>}
   */
  async request(position, end, signal) {
    throwIfAborted(signal);
    /** @type {Record<string, string>} */
    const headers = {};
    if (position > 0 || end !== undefined) headers.Range = `bytes=${position}-${end !== undefined ? end - 1 : ''}`;
    if (this.etag && position > 0) headers['If-Range'] = this.etag;
    let response;
    try {
      response = await this.fetch(this.url, { headers, signal });
    } catch (error) {
      if (isAbort(error) || signal?.aborted) throw new AbortError(undefined, { cause: signal?.reason ?? error });
      throw await this.classifyFetchFailure(error);
    }
    if (response.status !== 200 && response.status !== 206) {
      response.body?.cancel().catch(() => {});
      const error = HttpStatusError.forResponse(response.status, this.url);
      // Busy or failing servers are worth retrying; a 404 is not.
      if (response.status === 408 || response.status === 429 || response.status >= 500) {
        throw new NetworkError(error.message, { cause: error });
      }
      throw error;
    }
    this.learnFromHeaders(response, position);
    return response;
  }

  /** @param {Response} response @param {number} position */
  learnFromHeaders(response, position) {
    const range = /\/(\d+)\s*$/.exec(response.headers.get('content-range') ?? '');
    const length = Number(response.headers.get('content-length') ?? NaN);
    let total;
    if (response.status === 206 && range) total = Number(range[1]);
    else if (response.status === 200 && Number.isFinite(length)) total = length;
    const etag = response.headers.get('etag') ?? undefined;
    if (this.size === undefined) {
      this.size = total;
      this.sha256 = advertisedSha256(response.headers);
      this.etag = etag && !etag.startsWith('W/') ? etag : undefined;
    } else if ((total !== undefined && total !== this.size) || (this.etag && etag && etag !== this.etag)) {
      // Resuming would splice two versions of the file together.
      throw new InvalidModelError(`${this.url} changed on the server during the download; load it again.`);
    }
  }

  /**
   * Learns the size with a HEAD request when Range answers did not expose it (a cross-origin
   * server that does not list Content-Range in Access-Control-Expose-Headers).
   * @param {AbortSignal} [signal]
   */
  async ensureSize(signal) {
    if (this.size !== undefined) return this.size;
    const response = await this.fetch(this.url, { method: 'HEAD', signal }).catch(async (error) => {
      if (isAbort(error)) throw new AbortError(undefined, { cause: error });
      throw await this.classifyFetchFailure(error);
    });
    const length = Number(response.headers.get('content-length') ?? NaN);
    if (!response.ok || !Number.isFinite(length)) {
      throw new NetworkError(`The server does not report the size of ${this.url} (no Content-Length/Content-Range); serve it with one, or expose Content-Range through Access-Control-Expose-Headers.`);
    }
    this.size = length;
    this.sha256 ??= advertisedSha256(response.headers);
    return length;
  }

  /**
   * fetch() rejects with a bare TypeError for both network and CORS failures. An opaque no-cors
   * request tells them apart: if it succeeds the server is reachable and CORS is the problem.
   * @param {unknown} error
   */
  async classifyFetchFailure(error) {
    const location = globalThis.location;
    if (location && new URL(this.url, location.href).origin !== location.origin) {
      try {
        await this.fetch(this.url, { mode: 'no-cors', method: 'HEAD' });
        return new CorsError(`${this.url} is reachable but its server does not allow cross-origin reads: it must send Access-Control-Allow-Origin (and allow the Range header), or host the file on the same origin.`, { cause: error });
      } catch {
        // unreachable either way: a network failure
      }
    }
    return new NetworkError(`Could not reach ${this.url}: ${error instanceof Error ? error.message : error}. Check the connection and the URL.`, { cause: error });
  }
}

/** A Blob or File (also what OPFS and the Cache API hand back). */
export class BlobByteSource {
  /** @param {Blob} blob @param {string} [description] */
  constructor(blob, description) {
    this.blob = blob;
    this.size = blob.size;
    this.description = description ?? (/** @type {File} */ (blob).name || 'blob');
  }

  /** @param {number} length */
  async readHead(length) {
    return new Uint8Array(await this.blob.slice(0, Math.min(length, this.size)).arrayBuffer());
  }

  /** @param {number} start @param {AbortSignal} [signal] */
  async *chunks(start, signal) {
    for (let position = start; position < this.size; position += BLOB_CHUNK_BYTES) {
      throwIfAborted(signal);
      yield new Uint8Array(await this.blob.slice(position, Math.min(this.size, position + BLOB_CHUNK_BYTES)).arrayBuffer());
    }
  }
}

/** Bytes already in memory (an ArrayBuffer or a Uint8Array view). */
export class MemoryByteSource {
  /** @param {Uint8Array} bytes */
  constructor(bytes) {
    this.bytes = bytes;
    this.size = bytes.length;
    this.description = 'ArrayBuffer';
  }

  /** @param {number} length */
  async readHead(length) { return this.bytes.subarray(0, Math.min(length, this.size)); }

  /** @param {number} start @param {AbortSignal} [signal] */
  async *chunks(start, signal) {
    for (let position = start; position < this.size; position += BLOB_CHUNK_BYTES) {
      throwIfAborted(signal);
      yield this.bytes.subarray(position, Math.min(this.size, position + BLOB_CHUNK_BYTES));
    }
  }
}

/** A file on the local disk (Node only). */
export class FileByteSource {
  /** @param {string} path */
  constructor(path) {
    this.path = path;
    this.description = path;
    /** @type {number | undefined} */
    this.size = undefined;
  }

  async open() {
    const fs = await import('node:fs/promises');
    try {
      this.size = (await fs.stat(this.path)).size;
    } catch (error) {
      throw new InvalidArgumentError(`Cannot read the model file ${this.path}: ${/** @type {Error} */ (error).message}.`, { cause: error });
    }
  }

  /** @param {number} length */
  async readHead(length) {
    if (this.size === undefined) await this.open();
    const fs = await import('node:fs/promises');
    const handle = await fs.open(this.path, 'r');
    try {
      const bytes = new Uint8Array(Math.min(length, /** @type {number} */ (this.size)));
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
      return bytes.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  /** @param {number} start @param {AbortSignal} [signal] */
  async *chunks(start, signal) {
    if (this.size === undefined) await this.open();
    const size = /** @type {number} */ (this.size);
    const fs = await import('node:fs/promises');
    const handle = await fs.open(this.path, 'r');
    // One buffer for the whole file: allocating a fresh 8 MB per chunk costs more than the reads.
    const buffer = new Uint8Array(Math.min(BLOB_CHUNK_BYTES, Math.max(0, size - start)));
    try {
      for (let position = start; position < size;) {
        throwIfAborted(signal);
        const bytes = buffer.subarray(0, Math.min(buffer.length, size - position));
        const { bytesRead } = await handle.read(bytes, 0, bytes.length, position);
        if (bytesRead === 0) throw new InvalidArgumentError(`${this.path} shrank while it was being read.`);
        position += bytesRead;
        yield bytes.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }
}

const IS_NODE = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/**
 * Turns what the user passed to `engine.load()` into the list of ByteSources of its parts.
 * @param {string | URL | string[] | URL[] | Blob | ArrayBuffer | Uint8Array} source
 * @param {{ retries?: number, retryDelayMs?: number }} [httpOptions]
 * @param {boolean} [expandSplits] whether the first part of a split set stands for all of them
 * @returns {Promise<Array<HttpByteSource | BlobByteSource | MemoryByteSource | FileByteSource>>}
 */
export async function resolveByteSources(source, httpOptions, expandSplits = true) {
  if (Array.isArray(source)) {
    if (source.length === 0) throw new InvalidArgumentError('engine.load() got an empty list of split parts.');
    // An explicit list names every part: no expansion of `-00001-of-0000N` names.
    const parts = await Promise.all(source.map((part) => resolveByteSources(part, httpOptions, false)));
    return parts.flat();
  }
  if (source instanceof URL) source = source.href;
  if (typeof source === 'string') {
    const expand = expandSplits ? expandSplitName : (/** @type {string} */ name) => [name];
    const isUrl = /^(https?|blob|data):/i.test(source) || (!IS_NODE && !/^file:/i.test(source));
    if (isUrl) {
      const base = globalThis.location?.href;
      const absolute = base ? new URL(source, base).href : source;
      return expand(absolute).map((url) => new HttpByteSource(url, httpOptions));
    }
    if (!IS_NODE) throw new InvalidArgumentError(`Cannot load ${source}: file paths work only in Node.`);
    const { fileURLToPath } = await import('node:url');
    const path = /^file:/i.test(source) ? fileURLToPath(source) : source;
    return expand(path).map((part) => new FileByteSource(part));
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) return [new BlobByteSource(source)];
  if (source instanceof ArrayBuffer) return [new MemoryByteSource(new Uint8Array(source))];
  if (ArrayBuffer.isView(source)) {
    return [new MemoryByteSource(new Uint8Array(source.buffer, source.byteOffset, source.byteLength))];
  }
  throw new InvalidArgumentError('engine.load() takes a URL, a list of split-part URLs, a File/Blob, an ArrayBuffer/Uint8Array, or (in Node) a file path.');
}
