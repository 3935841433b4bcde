/**
 * Streaming quantization in the engine worker: reads an F32/F16/BF16 GGUF tensor by tensor (a URL
 * with Range requests, a Blob/File, bytes, or a Node file), converts each slab of rows in wasm
 * (WasmQuantizer, src/bindings/quantize_bindings.cpp) and writes the output as it goes (a Node
 * file, an OPFS file, or Blob parts). Memory stays near one slab of one tensor in wasm plus what
 * the output keeps (nothing for files; the Blob parts for the default browser output).
 * The bytes are the ones `webgguf quantize` and llama-quantize write.
 * @module quantize
 */

import { BlobByteSource, FileByteSource, HttpByteSource, MemoryByteSource } from './byte_sources.js';
import {
  InvalidArgumentError, ModelTooBigError, UnsupportedTypeError, WebggufError, errorFromWasmCode, throwIfAborted,
} from './errors.js';
import { readHeader } from './model_loader.js';
import { Sha256 } from './sha256.js';
import { IS_NODE } from './worker_port.js';

/** Working memory for one slab of rows (input + f32 + output) inside wasm. */
const MAX_SLAB_BYTES = 16 << 20;

/**
 * @typedef {object} QuantizeProgress
 * @property {'probe' | 'quantize' | 'done'} phase
 * @property {number} tensorsDone
 * @property {number} tensorCount
 * @property {number} bytesDone output bytes written so far
 * @property {number} bytesTotal size of the output file
 */

/**
 * Reads byte ranges of a source into a caller-provided view.
 * @param {any} source a ByteSource of byte_sources.js
 * @returns {Promise<{ read: (start: number, into: Uint8Array, signal: AbortSignal) => Promise<void>, close: () => Promise<void> }>}
 */
async function openRangeReader(source) {
  if (source instanceof FileByteSource) {
    const fs = await import('node:fs/promises');
    const handle = await fs.open(source.path, 'r');
    return {
      async read(start, into) {
        for (let done = 0; done < into.length;) {
          const { bytesRead } = await handle.read(into, done, into.length - done, start + done);
          if (bytesRead === 0) throw new InvalidArgumentError(`${source.path} shrank while it was being quantized.`);
          done += bytesRead;
        }
      },
      close: () => handle.close(),
    };
  }
  if (source instanceof BlobByteSource) {
    return {
      async read(start, into) { into.set(new Uint8Array(await source.blob.slice(start, start + into.length).arrayBuffer())); },
      async close() {},
    };
  }
  if (source instanceof MemoryByteSource) {
    return { async read(start, into) { into.set(source.bytes.subarray(start, start + into.length)); }, async close() {} };
  }
  if (source instanceof HttpByteSource) {
    return {
      async read(start, into, signal) {
        let filled = 0;
        for await (const chunk of source.chunks(start, signal, start + into.length)) {
          into.set(chunk, filled);
          filled += chunk.length;
        }
        if (filled !== into.length) throw new WebggufError(`${source.url}: got ${filled} of ${into.length} bytes at offset ${start}.`);
      },
      async close() {},
    };
  }
  throw new InvalidArgumentError('quantize() cannot read this source.');
}

/**
 * Where the output goes. `output` is a file path in Node; in browsers an OPFS file name or a
 * FileSystemFileHandle, or undefined for a Blob built from the parts.
 * @param {string | FileSystemFileHandle | undefined} output
 * @returns {Promise<{ write: (bytes: Uint8Array) => Promise<void>, finish: () => Promise<Record<string, unknown>>, discard: () => Promise<void> }>}
 */
async function openSink(output) {
  if (IS_NODE) {
    if (typeof output !== 'string') throw new InvalidArgumentError('In Node, quantize() needs { output: "path/to/out.gguf" }.');
    const fs = await import('node:fs/promises');
    const handle = await fs.open(output, 'w');
    let closed = false;
    const close = async () => { if (!closed) { closed = true; await handle.close(); } };
    return {
      async write(bytes) {
        for (let done = 0; done < bytes.length;) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
      },
      async finish() { await close(); return { path: output }; },
      async discard() { await close(); await fs.rm(output, { force: true }); },
    };
  }
  if (output === undefined) {
    /** @type {Uint8Array[]} */
    const parts = [];
    return {
      async write(bytes) { parts.push(bytes); },
      async finish() { return { blob: new Blob(/** @type {BlobPart[]} */ (parts), { type: 'application/octet-stream' }) }; },
      async discard() { parts.length = 0; },
    };
  }
  const root = typeof output === 'string' ? await navigator.storage.getDirectory() : null;
  const handle = root ? await root.getFileHandle(/** @type {string} */ (output), { create: true }) : /** @type {FileSystemFileHandle} */ (output);
  // Dedicated workers have synchronous access handles: no copy into a swap file.
  const access = typeof (/** @type {any} */ (handle)).createSyncAccessHandle === 'function'
    ? await /** @type {any} */ (handle).createSyncAccessHandle() : null;
  const writable = access ? null : await /** @type {any} */ (handle).createWritable();
  if (access) access.truncate(0);
  let position = 0;
  const close = async () => { if (access) access.close(); else await writable.close(); };
  return {
    async write(bytes) {
      if (access) position += access.write(bytes, { at: position });
      else { await writable.write(bytes); position += bytes.length; }
    },
    async finish() {
      if (access) access.flush();
      await close();
      return { handle, blob: await handle.getFile(), ...(root ? { opfsName: output } : {}) };
    },
    async discard() {
      if (access) access.close(); else await writable.abort();
      if (root) await root.removeEntry(/** @type {string} */ (output)).catch(() => {});
    },
  };
}

/**
 * Quantizes one source with the worker's wasm module.
 * @param {object} job
 * @param {any} job.module the Emscripten module (WasmQuantizer, HEAPU8)
 * @param {any} job.source the first ByteSource of the input (split inputs are refused by the plan)
 * @param {string} job.preset
 * @param {number} job.threads
 * @param {string | FileSystemFileHandle | undefined} job.output
 * @param {boolean} job.sha256 whether to hash the output as it is written
 * @param {{ imatrix: Uint8Array | null, imatrixName: string, includeWeights: string[], excludeWeights: string[],
 *           outputTensorType: string, tokenEmbeddingType: string, pure: boolean }} job.choices llama-quantize's options
 * @param {AbortSignal} job.signal
 * @param {(progress: QuantizeProgress) => void} job.onProgress
 * @param {() => Promise<void>} job.yieldToEventLoop lets an abort message arrive between slabs
 */
export async function quantizeSource(job) {
  const { module, source, signal, onProgress } = job;
  if (typeof job.preset !== 'string' || job.preset === '') throw new InvalidArgumentError('quantize() needs a preset name such as "Q4_K_M".');
  const quantizer = new module.WasmQuantizer();
  /** @type {Awaited<ReturnType<typeof openSink>> | null} */
  let sink = null;
  /** @type {Awaited<ReturnType<typeof openRangeReader>> | null} */
  let reader = null;
  try {
    onProgress({ phase: 'probe', tensorsDone: 0, tensorCount: 0, bytesDone: 0, bytesTotal: 0 });
    const { probe: plan } = await readHeader(source, (head, size) =>
      quantizer.begin(head, size, job.preset, job.threads, MAX_SLAB_BYTES, job.choices), signal).catch((error) => {
      throw quantizeError(error);
    });
    reader = await openRangeReader(source);
    sink = await openSink(job.output);
    const hash = job.sha256 ? new Sha256() : null;
    const progress = { phase: /** @type {const} */ ('quantize'), tensorsDone: 0, tensorCount: plan.tensors.length, bytesDone: 0, bytesTotal: plan.fileSize };
    const emit = async (/** @type {Uint8Array} */ bytes) => {
      hash?.update(bytes);
      await /** @type {NonNullable<typeof sink>} */ (sink).write(bytes);
      progress.bytesDone += bytes.length;
    };
    await emit(quantizer.header());
    onProgress({ ...progress });
    for (let t = 0; t < plan.tensors.length; t++) {
      const tensor = plan.tensors[t];
      for (let first = 0; first < tensor.rows; first += tensor.rowsPerSlab) {
        await job.yieldToEventLoop();
        throwIfAborted(signal);
        const rows = Math.min(tensor.rowsPerSlab, tensor.rows - first);
        const length = rows * tensor.rowInBytes;
        const pointer = quantizer.inputBuffer(length);
        if (!pointer) throw new ModelTooBigError(`Out of WebAssembly memory for a ${(length / 1e6).toFixed(0)} MB slab of ${tensor.name}.`);
        // No wasm code runs while the read is pending, so this heap view stays valid.
        await reader.read(tensor.inOffset + first * tensor.rowInBytes, module.HEAPU8.subarray(pointer, pointer + length), signal);
        throwIfAborted(signal);
        const converted = quantizer.convertSlab(t, first, rows);
        if (!converted.ok) throw errorFromWasmCode(converted.code, `${tensor.name}: ${converted.error}`);
        // slice(): a JS-owned copy (the heap is reused by the next slab and may be shared memory).
        await emit(module.HEAPU8.slice(converted.pointer, converted.pointer + converted.bytes));
        onProgress({ ...progress });
      }
      if (tensor.padding > 0) await emit(new Uint8Array(tensor.padding));
      progress.tensorsDone = t + 1;
      onProgress({ ...progress });
    }
    if (progress.bytesDone !== plan.fileSize) {
      throw new WebggufError(`Wrote ${progress.bytesDone} bytes but planned ${plan.fileSize}.`);
    }
    const written = await sink.finish();
    sink = null;
    onProgress({ ...progress, phase: 'done' });
    return {
      ...written, size: plan.fileSize, preset: plan.preset, fileType: plan.fileType, inputSize: plan.inputSize,
      tensorCount: plan.tensors.length, ...(hash ? { sha256: hash.digestHex() } : {}),
    };
  } finally {
    quantizer.end();
    quantizer.delete();
    await reader?.close();
    await sink?.discard();
  }
}

/**
 * The plan's refusals with advice that fits quantization (the generic wasm advice is about loading).
 * @param {unknown} error
 */
function quantizeError(error) {
  const code = /** @type {any} */ (error)?.details?.wasmCode;
  const message = /** @type {Error} */ (error).message.replace(/ A tensor uses an unsupported quantization type.*$/, '');
  if (code === 'unsupported_type') {
    return new UnsupportedTypeError(`${message} Quantization reads only F32, F16 and BF16 models: start from the original (unquantized) GGUF.`, { details: { wasmCode: code } });
  }
  if (code === 'invalid_argument') return new InvalidArgumentError(message);
  return error;
}
