/**
 * The engine worker: owns the wasm module and its single WasmEngine, executes the page's requests
 * one at a time, streams generated text back, and checks for aborts between steps. The same code
 * runs in a Web Worker and in a Node worker_threads Worker.
 * @module worker
 */

import { resolveByteSources, HttpByteSource } from './byte_sources.js';
import {
  AbortError, InvalidArgumentError, NoModelError, errorFromWasmCode, serializeError, throwIfAborted,
} from './errors.js';
import { loadIntoMemory, readHeader } from './model_loader.js';
import { ModelStore } from './model_store.js';
import { RequestServer } from './protocol.js';
import { loadWasmModule } from './wasm_module.js';
import { connectToParent, yieldToEventLoop } from './worker_port.js';

/** @type {import('./wasm_module.js').LoadedWasm | null} */
let wasm = null;
/** @type {any} the Embind WasmEngine */
let engine = null;
/** @type {any} info of the loaded model, or null */
let model = null;
let threads = 1;

/**
 * Parses a JSON answer of the engine and throws the named error when it reports a failure.
 * @param {string} json
 */
function checked(json) {
  const result = JSON.parse(json);
  if (result.ok === false) throw errorFromWasmCode(result.code, result.error);
  return result;
}

function requireEngine() {
  if (!engine) throw new NoModelError('The engine is not initialised.');
  return engine;
}

function requireModel() {
  if (!model) throw new NoModelError('No model is loaded: call engine.load() first.');
  return requireEngine();
}

/**
 * Replaces HTTP parts that are already in the store by their cached copy (offline load).
 * @param {any[]} sources
 * @param {ModelStore} store
 */
async function preferCachedParts(sources, store) {
  return Promise.all(sources.map(async (part) => {
    if (!(part instanceof HttpByteSource)) return part;
    return (await store.openSource(part.url)) ?? part;
  }));
}

/** @param {number} nCtx */
function wasmTarget(nCtx) {
  const module = /** @type {NonNullable<typeof wasm>} */ (wasm).module;
  return {
    probe: (/** @type {Uint8Array} */ head, /** @type {number} */ size) => JSON.parse(engine.probeHeader(head, size, nCtx)),
    allocate: (/** @type {number} */ bytes) => engine.allocateModel(bytes),
    heap: () => /** @type {Uint8Array} */ (module.HEAPU8),
  };
}

const handlers = {
  /** @param {{ threads: number, wasmBaseUrl?: string }} payload */
  async init(payload) {
    wasm = await loadWasmModule({ threads: payload.threads, wasmBaseUrl: payload.wasmBaseUrl });
    engine = new wasm.module.WasmEngine();
    threads = wasm.variant === 'mt' ? payload.threads : 1;
    engine.setThreads(threads);
    return { variant: wasm.variant, threads, fallbackReason: wasm.fallbackReason };
  },

  /**
   * @param {{ source: any, n_ctx?: number, cache?: boolean, cacheDir?: string, retries?: number, retryDelayMs?: number, parallelParts?: number }} payload
   * @param {import('./protocol.js').RequestContext} context
   */
  async load(payload, { signal, emit }) {
    const wasmEngine = requireEngine();
    if (model) { wasmEngine.freeModel(); model = null; }
    const nCtx = payload.n_ctx ?? 0; // 0: the engine picks min(n_ctx_train, its default)
    const requested = await resolveByteSources(payload.source, { retries: payload.retries, retryDelayMs: payload.retryDelayMs });
    const isHttp = (/** @type {unknown} */ part) => part instanceof HttpByteSource;
    // Only downloads are cached: local files and buffers are already at hand.
    const store = payload.cache && requested.some(isHttp) ? await ModelStore.open({ cacheDir: payload.cacheDir }) : null;
    const sources = store ? await preferCachedParts(requested, store) : requested;
    const downloading = sources.some(isHttp);
    const fromCache = requested.some(isHttp) && !downloading;
    const phase = downloading ? 'download' : fromCache ? 'cache' : 'read';
    const started = performance.now();
    try {
      await loadIntoMemory(sources, wasmTarget(nCtx), {
        signal, store, phase, parallelParts: payload.parallelParts,
        onProgress: (progress) => emit({ kind: 'progress', ...progress }),
      });
      throwIfAborted(signal);
      const result = checked(wasmEngine.loadModel(JSON.stringify({ n_ctx: nCtx, n_threads: threads })));
      model = result.info;
    } catch (error) {
      wasmEngine.freeModel();
      throw error;
    }
    return { ...model, load_ms: performance.now() - started, from_cache: fromCache, wasm_variant: wasm?.variant, threads };
  },

  /**
   * The GGUF header (metadata, tensor table) of a file, reading only its first bytes.
   * @param {{ source: any, retries?: number, retryDelayMs?: number }} payload
   * @param {import('./protocol.js').RequestContext} context
   */
  async inspect(payload, { signal }) {
    const module = /** @type {NonNullable<typeof wasm>} */ (wasm).module;
    const [first, ...rest] = await resolveByteSources(payload.source, { retries: payload.retries, retryDelayMs: payload.retryDelayMs });
    const { probe } = await readHeader(first, (head, size) => module.parseGgufHeader(head, size ?? -1), signal);
    return { ...probe, fileSize: first.size, parts: rest.length + 1 };
  },

  /**
   * What each quantization preset would make of a model (exact file sizes) and what a context
   * costs on top, from its header alone.
   * @param {{ source: any, n_ctx: number, retries?: number, retryDelayMs?: number }} payload
   * @param {import('./protocol.js').RequestContext} context
   */
  async planQuantization(payload, { signal }) {
    const module = /** @type {NonNullable<typeof wasm>} */ (wasm).module;
    const [first] = await resolveByteSources(payload.source, { retries: payload.retries, retryDelayMs: payload.retryDelayMs });
    const { probe } = await readHeader(first, (head, size) => module.planQuantization(head, size ?? -1, payload.n_ctx), signal);
    return probe;
  },

  unload() {
    if (engine && model) engine.freeModel();
    model = null;
    return null;
  },

  info() {
    if (!model) return null;
    return { ...checked(requireModel().info()).info, wasm_variant: wasm?.variant, threads };
  },

  /** @param {{ text: string, addSpecial?: boolean, parseSpecial?: boolean }} payload */
  tokenize(payload) {
    if (typeof payload.text !== 'string') throw new InvalidArgumentError('tokenize() takes a string.');
    const ids = requireModel().tokenize(payload.text, payload.addSpecial ?? false, payload.parseSpecial ?? false);
    return Array.from(ids);
  },

  /** @param {{ ids: number[], renderSpecial?: boolean }} payload */
  detokenize(payload) {
    return requireModel().detokenize(Int32Array.from(payload.ids), payload.renderSpecial ?? false);
  },

  /**
   * Prefills the prompt (reusing the KV prefix shared with the previous request) and generates.
   * @param {{ prompt: string, addSpecial: boolean, sampling: Record<string, number>, max_tokens: number, stop: string[] }} payload
   * @param {import('./protocol.js').RequestContext} context
   */
  async generate(payload, { signal, emit }) {
    const wasmEngine = requireModel();
    const promptIds = wasmEngine.tokenize(payload.prompt, payload.addSpecial, true);
    // Stop strings are matched by the engine, which holds back text that may start one.
    checked(wasmEngine.setSampler(JSON.stringify({ ...payload.sampling, stop: payload.stop })));
    const prefill = checked(wasmEngine.setPrompt(promptIds));
    let completionTokens = 0;
    /** @type {'stop' | 'length'} */
    let finishReason = 'length';
    const decodeStarted = performance.now();
    while (completionTokens < payload.max_tokens) {
      await yieldToEventLoop();
      if (signal.aborted) throw new AbortError('Generation was aborted.');
      let step;
      try {
        step = checked(wasmEngine.step());
      } catch (error) {
        if (/** @type {any} */ (error).details?.wasmCode === 'context_full') break; // out of room: 'length'
        throw error;
      }
      if (step.text) emit({ kind: 'text', text: step.text });
      if (step.stop !== undefined || !step.eog) completionTokens++;
      if (step.eog) { finishReason = 'stop'; break; }
    }
    const decodeMs = performance.now() - decodeStarted;
    return {
      finish_reason: finishReason,
      prompt_tokens: promptIds.length,
      completion_tokens: completionTokens,
      timings: {
        prompt_n: prefill.n_evaluated,
        prompt_reused: prefill.n_reused,
        prompt_ms: prefill.ms,
        prompt_per_second: prefill.ms > 0 ? (prefill.n_evaluated * 1000) / prefill.ms : 0,
        predicted_n: completionTokens,
        predicted_ms: decodeMs,
        predicted_per_second: decodeMs > 0 ? (completionTokens * 1000) / decodeMs : 0,
      },
    };
  },

  /**
   * Perplexity as llama-perplexity computes it, chunk by chunk with progress.
   * @param {{ text: string, ctx: number }} payload
   * @param {import('./protocol.js').RequestContext} context
   */
  async perplexity(payload, { signal, emit }) {
    const wasmEngine = requireModel();
    const started = performance.now();
    const begun = checked(wasmEngine.perplexityBegin(payload.text, payload.ctx));
    let last = { ppl: NaN, chunk: 0, n_chunks: begun.n_chunks, done: begun.n_chunks === 0 };
    while (!last.done) {
      await yieldToEventLoop();
      if (signal.aborted) throw new AbortError('Perplexity was aborted.');
      last = checked(wasmEngine.perplexityNext());
      emit({ kind: 'perplexity', chunk: last.chunk, n_chunks: last.n_chunks, ppl: last.ppl });
    }
    return { ppl: last.ppl, n_chunks: begun.n_chunks, n_tokens: begun.n_tokens, ctx: payload.ctx, ms: performance.now() - started };
  },

  /** @param {{ threads: number }} payload */
  setThreads(payload) {
    threads = wasm?.variant === 'mt' ? Math.max(1, payload.threads) : 1;
    requireEngine().setThreads(threads);
    return threads;
  },

  /** @param {{ cacheDir?: string }} payload */
  async cacheList(payload) {
    return (await ModelStore.open({ cacheDir: payload.cacheDir })).list();
  },

  /** @param {{ url: string, cacheDir?: string }} payload */
  async cacheDelete(payload) {
    return (await ModelStore.open({ cacheDir: payload.cacheDir })).delete(payload.url);
  },
};

/** A trap or abort inside wasm leaves its memory in an unknown state: the engine must go. */
function isFatal(error) {
  return error instanceof WebAssembly.RuntimeError;
}

function serializeFailure(error) {
  if (isFatal(error)) {
    return {
      name: 'WorkerCrashedError', code: 'worker_crashed', details: {},
      message: `The wasm engine crashed (${/** @type {Error} */ (error).message}); create a new Engine and load the model again.`,
    };
  }
  return serializeError(error);
}

const port = await connectToParent();
const server = new RequestServer(port.post, handlers, { serializeError: serializeFailure, isFatal });
port.listen((message) => server.handleMessage(message));
