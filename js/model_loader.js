/**
 * Streams a GGUF model into wasm memory.
 *
 *   1. probe: read the first bytes of the first part (growing the read until the engine's header
 *      reader is satisfied) and refuse unsupported architectures/types or a model too big for wasm
 *      memory with the requested context, before the body is downloaded;
 *   2. allocate the whole model (all parts, back to back) in wasm memory once;
 *   3. stream every part's bytes straight into its place in the heap, parts in parallel (bounded),
 *      teeing them into the model store when caching; no second full copy is ever held in JS.
 * @module model_loader
 */

import { HttpByteSource } from './byte_sources.js';
import { ModelTooBigError, NotGgufError, WebggufError, errorFromWasmCode, throwIfAborted } from './errors.js';

const FIRST_PROBE_BYTES = 256 << 10;
const MAX_PROBE_BYTES = 256 << 20;
const PROGRESS_INTERVAL_MS = 100;

/**
 * @typedef {object} LoadTarget where the bytes go: the wasm engine, or a test double
 * @property {(head: Uint8Array, fileSize: number) => ProbeResult} probe
 * @property {(totalBytes: number) => number} allocate byte offset in the heap, 0 when it cannot
 * @property {() => Uint8Array} heap the current heap view (memory growth replaces it)
 */

/**
 * @typedef {object} ProbeResult
 * @property {'ok' | 'need_more' | 'error'} status
 * @property {number} [bytesNeeded]
 * @property {string} [code]
 * @property {string} [error]
 * @property {any} [info]
 * @property {any} [memory]
 */

/**
 * @typedef {object} LoadProgress
 * @property {'probe' | 'download' | 'cache' | 'read'} phase
 * @property {number} loaded bytes in wasm memory so far
 * @property {number} total bytes of the whole model
 * @property {number} rate bytes per second since the body started
 */

/**
 * @typedef {object} LoadOptions
 * @property {AbortSignal} [signal]
 * @property {(progress: LoadProgress) => void} [onProgress]
 * @property {import('./model_store.js').ModelStore | null} [store] tee downloads into this cache
 * @property {number} [parallelParts] split parts downloaded at once (default 3)
 * @property {'download' | 'cache' | 'read'} [phase] what to call the body phase in progress events
 */

/**
 * Reads a growing prefix of `source` until `probe` (the engine's probeHeader, or parseGgufHeader)
 * is satisfied; a failure becomes the named error of its code (not_gguf when it has none).
 * @template {ProbeResult} T
 * @param {{ readHead: (n: number, s?: AbortSignal) => Promise<Uint8Array>, size?: number, description: string }} source
 * @param {(head: Uint8Array, fileSize: number) => T} probe
 * @param {AbortSignal} [signal]
 * @returns {Promise<{ probe: T, head: Uint8Array }>}
 */
export async function readHeader(source, probe, signal) {
  let want = FIRST_PROBE_BYTES;
  for (;;) {
    throwIfAborted(signal);
    const head = await source.readHead(want, signal);
    const size = /** @type {number} */ (source.size);
    const result = probe(head, size);
    if (result.status === 'ok') return { probe: result, head };
    if (result.status === 'error') throw errorFromWasmCode(result.code ?? 'not_gguf', `${source.description}: ${result.error || 'unreadable header'}.`);
    if (head.length >= size) {
      throw new NotGgufError(`${source.description} ends inside its GGUF header (${size} bytes): the file is truncated or not a GGUF model.`);
    }
    const next = Math.max(result.bytesNeeded ?? 0, want * 2);
    if (next > MAX_PROBE_BYTES) {
      throw new NotGgufError(`${source.description}: the GGUF header claims more than ${MAX_PROBE_BYTES >> 20} MB; the file is corrupt.`);
    }
    want = Math.min(next, size);
  }
}

/** Reports aggregated progress at most every PROGRESS_INTERVAL_MS; the caller reports the end. */
class ProgressMeter {
  /** @param {number} total @param {LoadOptions['onProgress']} onProgress @param {LoadProgress['phase']} phase */
  constructor(total, onProgress, phase) {
    this.total = total;
    this.onProgress = onProgress;
    this.phase = phase;
    this.loaded = 0;
    this.started = Date.now();
    this.lastReport = 0;
  }

  /** @param {number} bytes */
  add(bytes) {
    this.loaded += bytes;
    const now = Date.now();
    if (now - this.lastReport >= PROGRESS_INTERVAL_MS) {
      this.lastReport = now;
      this.report();
    }
  }

  report() {
    const seconds = Math.max(1e-3, (Date.now() - this.started) / 1000);
    this.onProgress?.({ phase: this.phase, loaded: this.loaded, total: this.total, rate: this.loaded / seconds });
  }
}

/**
 * Runs `tasks` with at most `limit` in flight; the first failure aborts the rest.
 * @param {Array<(signal: AbortSignal) => Promise<void>>} tasks
 * @param {number} limit
 * @param {AbortSignal | undefined} signal
 */
async function runBounded(tasks, limit, signal) {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  /** @type {unknown} */
  let firstError;
  const lane = async () => {
    while (next < tasks.length && firstError === undefined) {
      const task = tasks[next++];
      try {
        await task(controller.signal);
      } catch (error) {
        if (firstError === undefined) firstError = error;
        controller.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (firstError !== undefined) {
    // An abort caused by the user wins over the secondary errors it provoked.
    throwIfAborted(signal);
    throw firstError;
  }
}

/**
 * Streams one part into the heap at `base`, optionally teeing it into the store.
 * @param {any} source
 * @param {number} base heap offset of this part's first byte
 * @param {Uint8Array} head bytes of this part already read (the probe), written first
 * @param {LoadTarget} target
 * @param {ProgressMeter} meter
 * @param {import('./model_store.js').ModelStore | null | undefined} store
 * @param {AbortSignal} signal
 */
async function streamPart(source, base, head, target, meter, store, signal) {
  const writer = store && source instanceof HttpByteSource
    ? await store.beginWrite({ url: source.url, size: /** @type {number} */ (source.size), sha256: source.sha256 })
    : null;
  try {
    let position = 0;
    const place = async (/** @type {Uint8Array} */ chunk) => {
      target.heap().set(chunk, base + position);
      position += chunk.length;
      meter.add(chunk.length);
      if (writer) await writer.write(chunk);
    };
    if (head.length > 0) await place(head);
    for await (const chunk of source.chunks(head.length, signal)) await place(chunk);
    throwIfAborted(signal);
    if (position !== source.size) {
      throw new WebggufError(`${source.description}: read ${position} bytes but expected ${source.size}.`);
    }
    await writer?.commit();
  } catch (error) {
    await writer?.abort();
    throw error;
  }
}

/**
 * Probes, allocates and streams every part of a model into the target's memory.
 * @param {Array<any>} sources the parts, in order (ByteSources from byte_sources.js)
 * @param {LoadTarget} target
 * @param {LoadOptions} [options]
 * @returns {Promise<{ probe: ProbeResult, offset: number, totalBytes: number }>}
 */
export async function loadIntoMemory(sources, target, options = {}) {
  const { signal, onProgress, store } = options;
  onProgress?.({ phase: 'probe', loaded: 0, total: 0, rate: 0 });
  const { probe, head } = await readHeader(sources[0], target.probe, signal);
  // Sizes of the other parts: a HEAD (or the first Range answer) each, in parallel.
  await Promise.all(sources.slice(1).map(async (part) => {
    if (part.size === undefined) await (part.ensureSize ? part.ensureSize(signal) : part.readHead(0, signal));
  }));
  const sizes = sources.map((part) => /** @type {number} */ (part.size));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const downloading = store && sources.some((part) => part instanceof HttpByteSource);
  if (downloading) await store.ensureSpace(totalBytes);
  throwIfAborted(signal);

  const offset = target.allocate(totalBytes);
  if (!offset) {
    throw new ModelTooBigError(`The model (${(totalBytes / 1e9).toFixed(2)} GB) could not be allocated in WebAssembly memory (4 GB at most, less on some devices): use a smaller quantization or a smaller n_ctx, or close other tabs.`, { details: { totalBytes } });
  }
  const meter = new ProgressMeter(totalBytes, onProgress, options.phase ?? 'download');
  let base = offset;
  const tasks = sources.map((part, i) => {
    const partBase = base;
    base += sizes[i];
    return (/** @type {AbortSignal} */ partSignal) =>
      streamPart(part, partBase, i === 0 ? head : new Uint8Array(0), target, meter, store, partSignal);
  });
  await runBounded(tasks, options.parallelParts ?? 3, signal);
  meter.report();
  return { probe, offset, totalBytes };
}
