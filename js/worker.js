/**
 * The engine worker: owns the wasm module and its single WasmEngine, executes the page's requests
 * one at a time, streams generated text back, and checks for aborts between steps. The same code
 * runs in a Web Worker and in a Node worker_threads Worker.
 * @module worker
 */

import { memoryBudget } from './advisor.js';
import { resolveByteSources, HttpByteSource } from './byte_sources.js';
import {
  AbortError, InvalidArgumentError, NoModelError, WebggufError, errorFromWasmCode, serializeError, throwIfAborted,
} from './errors.js';
import { loadIntoMemory, readHeader } from './model_loader.js';
import { ModelStore } from './model_store.js';
import { quantizeSource } from './quantize.js';
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

/**
 * Replaces lone UTF-16 surrogates with U+FFFD, as TextEncoder does. Embind's UTF-8 conversion
 * would otherwise pair a lone surrogate with the next code unit and swallow that character.
 * @param {string} text
 */
function wellFormed(text) {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
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

/**
 * @param {number} nCtx
 * @param {any} [target] the WasmEngine to load into (the worker's own by default)
 */
function wasmTarget(nCtx, target = engine) {
  const module = /** @type {NonNullable<typeof wasm>} */ (wasm).module;
  return {
    probe: (/** @type {Uint8Array} */ head, /** @type {number} */ size) => JSON.parse(target.probeHeader(head, size, nCtx, deviceBudget())),
    allocate: (/** @type {number} */ bytes) => target.allocateModel(bytes),
    heap: () => /** @type {Uint8Array} */ (module.HEAPU8),
  };
}

/** The advisor's memory budget for this device (navigator.deviceMemory is also a worker's). */
function deviceBudget() {
  return memoryBudget(/** @type {any} */ (globalThis.navigator)?.deviceMemory);
}

/**
 * n_ctx for the engine: a positive integer, or 0 for 'max' and absent (the largest context that
 * fits the device's budget, at most the training context).
 * @param {unknown} nCtx
 */
function requestedContext(nCtx) {
  if (nCtx === undefined || nCtx === null || nCtx === 'max') return 0;
  if (!Number.isInteger(nCtx) || /** @type {number} */ (nCtx) < 1) {
    throw new InvalidArgumentError(`n_ctx must be a positive integer or 'max' (got ${JSON.stringify(nCtx)}).`);
  }
  return /** @type {number} */ (nCtx);
}

/** Prompt tokens evaluated per wasm call: an abort is seen between two such chunks. */
const PREFILL_CHUNK_TOKENS = 64;

/** Workers in the threaded build's pthread pool (0 in the single-threaded build); set in cmake/wasm_module.cmake. */
function pthreadPoolSize() {
  const size = /** @type {NonNullable<typeof wasm>} */ (wasm).module.pthreadPoolSize;
  if (!Number.isInteger(size)) throw new WebggufError('The wasm module is older than this package (no pthreadPoolSize): rebuild it with `npm run build`.');
  return size;
}

/**
 * Threads for a second job (a KL base model, a quantization) run while the loaded model keeps
 * its threads - 1 pool workers: the calling thread plus what is left of the pool, at most `threads`.
 */
function threadsBesideTheModel() {
  return Math.max(1, Math.min(threads, pthreadPoolSize() + 1 - threads));
}

/**
 * Evaluates the prompt chunk by chunk (the KV prefix shared with the previous request is kept),
 * checking for an abort between chunks. An aborted prefill leaves the evaluated part in the KV
 * cache, where the next request reuses what it shares.
 * @param {any} wasmEngine
 * @param {Int32Array} promptIds
 * @param {AbortSignal} signal
 */
async function prefillPrompt(wasmEngine, promptIds, signal) {
  const total = { n_reused: 0, n_evaluated: 0, n_shifted: 0, ms: 0 };
  for (let first = true; ; first = false) {
    const chunk = checked(wasmEngine.prefill(promptIds, PREFILL_CHUNK_TOKENS));
    if (first) total.n_reused = chunk.n_reused;
    total.n_shifted += chunk.n_shifted ?? 0;
    total.n_evaluated += chunk.n_evaluated;
    total.ms += chunk.ms;
    if (chunk.done) return total;
    await yieldToEventLoop();
    if (signal.aborted) throw new AbortError('Generation was aborted while evaluating the prompt.');
  }
}

/**
 * Checks the generate request's grammar and logprobs fields and returns them for setSampler.
 * @param {{ grammar?: unknown, logprobs?: unknown, top_logprobs?: unknown }} payload
 */
function generationConstraints(payload) {
  const grammar = payload.grammar ?? undefined;
  const logprobs = payload.logprobs ?? false;
  const top_logprobs = payload.top_logprobs ?? 0;
  if (grammar !== undefined && typeof grammar !== 'string') {
    throw new InvalidArgumentError('grammar must be a string of GBNF (root rule `root`).');
  }
  if (typeof logprobs !== 'boolean') throw new InvalidArgumentError('logprobs must be true or false.');
  if (!Number.isInteger(top_logprobs) || /** @type {number} */ (top_logprobs) < 0 || /** @type {number} */ (top_logprobs) > MAX_TOP_LOGPROBS) {
    throw new InvalidArgumentError(`top_logprobs must be an integer in 0..${MAX_TOP_LOGPROBS} (got ${top_logprobs}).`);
  }
  return { ...(grammar ? { grammar: wellFormed(/** @type {string} */ (grammar)) } : {}), logprobs, top_logprobs };
}

/**
 * Context shift settings for setSampler: on, the engine keeps the first n_keep tokens of a
 * conversation that overflows the context and drops the oldest half of the rest. n_keep defaults
 * to the tokens the prompt shares with `keep_prefix` (the rendered system prompt), at most half
 * the context; an explicit n_keep beyond that is an InvalidArgumentError from the engine.
 * @param {{ context_shift?: unknown, n_keep?: unknown, keep_prefix?: unknown, addSpecial?: boolean }} payload
 * @param {any} wasmEngine
 * @param {Int32Array} promptIds
 * @param {number} nCtx
 */
function contextShiftSettings(payload, wasmEngine, promptIds, nCtx) {
  const enabled = payload.context_shift ?? false;
  if (typeof enabled !== 'boolean') throw new InvalidArgumentError('context_shift must be true or false.');
  if (payload.n_keep !== undefined && payload.n_keep !== null) {
    if (!Number.isInteger(payload.n_keep) || /** @type {number} */ (payload.n_keep) < 0) {
      throw new InvalidArgumentError(`n_keep must be a non-negative integer (got ${payload.n_keep}).`);
    }
    return { context_shift: enabled, n_keep: /** @type {number} */ (payload.n_keep) };
  }
  let n_keep = 0;
  if (enabled && typeof payload.keep_prefix === 'string' && payload.keep_prefix !== '') {
    const keep = wasmEngine.tokenize(wellFormed(/** @type {string} */ (payload.keep_prefix)), payload.addSpecial ?? false, true);
    while (n_keep < keep.length && n_keep < promptIds.length && keep[n_keep] === promptIds[n_keep]) n_keep++;
  }
  return { context_shift: enabled, n_keep: Math.min(n_keep, Math.floor(nCtx / 2)) };
}

/** OpenAI's limit for top_logprobs (kMaxTopLogprobs in src/sampler/logprobs.h). */
const MAX_TOP_LOGPROBS = 20;

const utf8 = new TextDecoder('utf-8');

/**
 * One token as OpenAI's logprobs show it: its piece decoded as UTF-8 (U+FFFD for bytes that
 * are not complete UTF-8) and the raw bytes.
 * @param {any} wasmEngine
 * @param {number} id
 * @param {number} logprob
 */
function tokenLogprob(wasmEngine, id, logprob) {
  const bytes = /** @type {Uint8Array} */ (wasmEngine.tokenPiece(id));
  return { token: utf8.decode(bytes), bytes: Array.from(bytes), logprob };
}

/**
 * The `logprobs` event entry of one step: the sampled token and its top alternatives, from the
 * log-softmax of the model's raw logits at that position.
 * @param {any} wasmEngine
 * @param {{ token: number, logprob: number, top_ids: number[], top_logprobs: number[] }} step
 */
function logprobsEntry(wasmEngine, step) {
  return {
    ...tokenLogprob(wasmEngine, step.token, step.logprob),
    top_logprobs: step.top_ids.map((id, i) => tokenLogprob(wasmEngine, id, step.top_logprobs[i])),
  };
}

const handlers = {
  /** @param {{ threads: number, wasmBaseUrl?: string }} payload */
  async init(payload) {
    // The native code's stderr goes to the page, whose Engine hands it to its logger.
    const printErr = (/** @type {string} */ text) => port.post({ type: 'log', level: 'error', text });
    wasm = await loadWasmModule({ threads: payload.threads, wasmBaseUrl: payload.wasmBaseUrl, printErr });
    engine = new wasm.module.WasmEngine();
    threads = wasm.variant === 'mt' ? payload.threads : 1;
    engine.setThreads(threads);
    return { variant: wasm.variant, threads, fallbackReason: wasm.fallbackReason };
  },

  /**
   * @param {{ source: any, n_ctx?: number | 'max', cache?: boolean, cacheDir?: string, retries?: number, retryDelayMs?: number, parallelParts?: number, cache_type_k?: string, cache_type_v?: string }} payload
   * @param {import('./protocol.js').RequestContext} context
   */
  async load(payload, { signal, emit }) {
    const wasmEngine = requireEngine();
    if (model) { wasmEngine.freeModel(); model = null; }
    const nCtx = requestedContext(payload.n_ctx);
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
      const result = checked(wasmEngine.loadModel(JSON.stringify({
        n_ctx: nCtx, n_threads: threads, memory_budget: deviceBudget(),
        ...(payload.cache_type_k !== undefined ? { cache_type_k: payload.cache_type_k } : {}),
        ...(payload.cache_type_v !== undefined ? { cache_type_v: payload.cache_type_v } : {}),
      })));
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
    const ids = requireModel().tokenize(wellFormed(payload.text), payload.addSpecial ?? false, payload.parseSpecial ?? false);
    return Array.from(ids);
  },

  /** @param {{ ids: number[], renderSpecial?: boolean }} payload */
  detokenize(payload) {
    return requireModel().detokenize(Int32Array.from(payload.ids), payload.renderSpecial ?? false);
  },

  /**
   * Prefills the prompt (reusing the KV prefix shared with the previous request) and generates.
   * With `grammar` (GBNF, root rule `root`) every token is constrained by it; with `logprobs` a
   * `{ kind: 'logprobs', entry }` event precedes the text event holding each token's text.
   * @param {{ prompt: string, addSpecial: boolean, sampling: Record<string, number>, max_tokens: number, stop: string[], grammar?: string, logprobs?: boolean, top_logprobs?: number, context_shift?: boolean, n_keep?: number, keep_prefix?: string }} payload
   * @param {import('./protocol.js').RequestContext} context
   */
  async generate(payload, { signal, emit }) {
    const wasmEngine = requireModel();
    const constraints = generationConstraints(payload);
    const promptIds = wasmEngine.tokenize(wellFormed(payload.prompt), payload.addSpecial, true);
    // Stop strings are matched by the engine, which holds back text that may start one. An
    // invalid grammar fails here (InvalidArgumentError naming grammar and line:column).
    const shift = contextShiftSettings(payload, wasmEngine, promptIds, /** @type {any} */ (model).n_ctx);
    checked(wasmEngine.setSampler(JSON.stringify({
      ...payload.sampling, stop: payload.stop.map(wellFormed), ...constraints, ...shift,
    })));
    const prefill = await prefillPrompt(wasmEngine, promptIds, signal);
    let shifts = prefill.n_shifted > 0 ? 1 : 0;
    let dropped = prefill.n_shifted;
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
      if (step.shifted) {
        shifts++;
        dropped += Math.floor((/** @type {any} */ (model).n_ctx - shift.n_keep) / 2);
      }
      const generated = step.stop !== undefined || !step.eog;
      if (constraints.logprobs && generated) emit({ kind: 'logprobs', entry: logprobsEntry(wasmEngine, step) });
      if (step.text) emit({ kind: 'text', text: step.text });
      if (generated) completionTokens++;
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
        // Context shifts during this request and the conversation tokens they dropped.
        context_shifts: shifts,
        context_shift_dropped: dropped,
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
    const begun = checked(wasmEngine.perplexityBegin(wellFormed(payload.text), payload.ctx));
    let last = { ppl: NaN, chunk: 0, n_chunks: begun.n_chunks, done: begun.n_chunks === 0 };
    while (!last.done) {
      await yieldToEventLoop();
      if (signal.aborted) throw new AbortError('Perplexity was aborted.');
      last = checked(wasmEngine.perplexityNext());
      emit({ kind: 'perplexity', chunk: last.chunk, n_chunks: last.n_chunks, ppl: last.ppl });
    }
    return { ppl: last.ppl, n_chunks: begun.n_chunks, n_tokens: begun.n_tokens, ctx: payload.ctx, ms: performance.now() - started };
  },

  /**
   * Importance matrix as llama-imatrix collects it, chunk by chunk with progress.
   * @param {{ text: string, ctx: number, chunks: number, dataset: string, legacy: boolean }} payload
   * @param {import('./protocol.js').RequestContext} context
   */
  async imatrix(payload, { signal, emit }) {
    const wasmEngine = requireModel();
    const started = performance.now();
    const begun = checked(wasmEngine.imatrixBegin(wellFormed(payload.text), payload.ctx, payload.chunks));
    let last = { chunk: 0, n_chunks: begun.n_chunks, done: begun.n_chunks === 0 };
    while (!last.done) {
      await yieldToEventLoop();
      if (signal.aborted) throw new AbortError('Importance matrix collection was aborted.');
      last = checked(wasmEngine.imatrixNext());
      emit({ kind: 'imatrix', chunk: last.chunk, n_chunks: last.n_chunks });
    }
    const file = wasmEngine.imatrixFile(payload.dataset, payload.legacy);
    if (typeof file === 'string') checked(file);
    return { file, n_chunks: begun.n_chunks, n_tokens: begun.n_tokens, ctx: payload.ctx, ms: performance.now() - started };
  },

  /**
   * KL divergence of the loaded model against a base model loaded for the run into a second
   * WasmEngine (freed after, also on abort or error), chunk by chunk with progress.
   * @param {{ base: any, text: string, ctx: number, chunks: number, retries?: number, retryDelayMs?: number }} payload
   * @param {import('./protocol.js').RequestContext} context
   */
  async klDivergence(payload, { signal, emit }) {
    const wasmEngine = requireModel();
    const started = performance.now();
    const sources = await resolveByteSources(payload.base, { retries: payload.retries, retryDelayMs: payload.retryDelayMs });
    const baseEngine = new (/** @type {NonNullable<typeof wasm>} */ (wasm).module.WasmEngine)();
    try {
      await loadIntoMemory(sources, wasmTarget(payload.ctx, baseEngine), {
        signal, phase: sources.some((part) => part instanceof HttpByteSource) ? 'download' : 'read',
        onProgress: (progress) => emit({ kind: 'progress', ...progress }),
      });
      throwIfAborted(signal);
      const baseThreads = threadsBesideTheModel();
      checked(baseEngine.loadModel(JSON.stringify({ n_ctx: payload.ctx, n_threads: baseThreads })));
      const begun = checked(wasmEngine.klDivergenceBegin(baseEngine, wellFormed(payload.text), payload.ctx));
      const nChunks = payload.chunks > 0 ? Math.min(payload.chunks, begun.n_chunks) : begun.n_chunks;
      let last = null;
      for (let i = 0; i < nChunks; i++) {
        await yieldToEventLoop();
        if (signal.aborted) throw new AbortError('KL divergence was aborted.');
        last = checked(wasmEngine.klDivergenceNext(baseEngine));
        emit({ kind: 'klDivergence', chunk: last.chunk, n_chunks: nChunks, kl: last.kl, same_top: last.same_top });
      }
      const { ok, chunk, n_chunks, done, ...figures } = last ?? {};
      return { ...figures, n_chunks: nChunks, n_tokens: begun.n_tokens, ctx: payload.ctx, ms: performance.now() - started };
    } finally {
      wasmEngine.klDivergenceEnd();
      baseEngine.freeModel();
      baseEngine.delete();
    }
  },

  /**
   * The conversation in the KV cache as a saved session (format: src/engine/session_file.h): its
   * tokens and the cache rows of the positions it uses, written straight from the cache into one
   * Uint8Array, which is transferred to the page.
   */
  saveSession() {
    const bytes = requireModel().saveSession();
    if (typeof bytes === 'string') checked(bytes);
    return bytes;
  },

  /**
   * Restores a saved session into the KV cache: the next request whose prompt starts with its
   * tokens evaluates only what follows. A session that does not fit is an InvalidSessionError
   * and the conversation stays as it was.
   * @param {{ bytes: Uint8Array }} payload
   */
  loadSession(payload) {
    if (!(payload.bytes instanceof Uint8Array)) throw new InvalidArgumentError('loadSession() takes the bytes saveSession() gave.');
    return { n_tokens: checked(requireModel().loadSession(payload.bytes)).n_tokens };
  },

  /** Bytes of the wasm heap in live allocations (`used`) and the heap's size. */
  memory() {
    return /** @type {NonNullable<typeof wasm>} */ (wasm).module.wasmHeapStats();
  },

  /** @param {{ threads: number }} payload */
  setThreads(payload) {
    threads = wasm?.variant === 'mt' ? Math.max(1, payload.threads) : 1;
    requireEngine().setThreads(threads);
    return threads;
  },

  /**
   * Quantizes a model to a preset, streaming from its source to the output (js/quantize.js).
   * @param {{ source: any, preset: string, output?: any, sha256?: boolean, retries?: number, retryDelayMs?: number,
   *           imatrix?: Uint8Array, imatrixName?: string, includeWeights?: string[], excludeWeights?: string[],
   *           outputTensorType?: string, tokenEmbeddingType?: string, pure?: boolean }} payload
   * @param {import('./protocol.js').RequestContext} context
   */
  async quantize(payload, { signal, emit }) {
    const module = /** @type {NonNullable<typeof wasm>} */ (wasm).module;
    const [first, ...rest] = await resolveByteSources(payload.source, { retries: payload.retries, retryDelayMs: payload.retryDelayMs });
    if (rest.length > 0) throw new InvalidArgumentError('quantize() takes one GGUF file: merge split parts first.');
    const quantizeThreads = model ? threadsBesideTheModel() : Math.min(threads, pthreadPoolSize() + 1);
    return quantizeSource({
      module, source: first, preset: payload.preset, threads: quantizeThreads, output: payload.output,
      sha256: payload.sha256 ?? false, signal, yieldToEventLoop,
      choices: {
        imatrix: payload.imatrix ?? null, imatrixName: payload.imatrixName ?? 'imatrix.gguf',
        includeWeights: payload.includeWeights ?? [], excludeWeights: payload.excludeWeights ?? [],
        outputTensorType: payload.outputTensorType ?? '', tokenEmbeddingType: payload.tokenEmbeddingType ?? '',
        pure: payload.pure ?? false,
      },
      onProgress: (progress) => emit({ kind: 'progress', ...progress }),
    });
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
