/**
 * The public Engine: a wasm inference engine running in a worker, driven through an
 * OpenAI-shaped API. One Engine holds one model at a time; requests run in order.
 * @module engine
 */

import { ChatTemplate } from './chat_template.js';
import { advise } from './advisor.js';
import { readChatRequest } from './chat_request.js';
import { chatLogprobSettings, completionShapes, generationSettings, runCompletion, textLogprobSettings } from './completions.js';
import { createOpenAIFetch } from './openai_fetch.js';
import { promptOpensThinking } from './reasoning.js';
import { InvalidArgumentError, NoModelError, WorkerCrashedError } from './errors.js';
import { RequestClient } from './protocol.js';
import { IS_NODE, defaultThreadCount, spawnWorker } from './worker_port.js';

const DEFAULT_MAX_TOKENS = 512;

/**
 * @typedef {object} EngineOptions
 * @property {number | 'auto'} [threads] worker threads for the threaded build ('auto': about half the cores)
 * @property {string | URL} [wasmBaseUrl] folder holding webgguf-*.{mjs,cjs,wasm} (default: the package's dist/wasm/)
 * @property {string} [cacheDir] Node only: directory of the model store (default $XDG_CACHE_HOME/webgguf or ~/.cache/webgguf)
 * @property {{ error: (text: string) => void }} [logger] receives the native engine's error output, line by line (default console)
 */

/**
 * @typedef {object} LoadOptions
 * @property {(progress: import('./model_loader.js').LoadProgress) => void} [onProgress]
 * @property {AbortSignal} [signal]
 * @property {boolean} [cache] keep downloaded files in the model store and load from it offline (default true)
 * @property {string} [cacheDir] Node only: directory of the model store (default: the Engine's)
 * @property {number | 'max'} [n_ctx] context length in tokens; 'max' and the default: the longest that fits
 *   the advisor's memory budget for this device (weights + KV cache of the chosen types + scratch), at most the trained one
 * @property {number} [retries] reconnection attempts per dropped download (default 5)
 * @property {number} [retryDelayMs] base delay between reconnection attempts (default 500)
 * @property {number} [parallelParts] split parts downloaded at once (default 3)
 * @property {import('./index.js').KvCacheType} [cache_type_k] KV cache key type (default 'f16')
 * @property {import('./index.js').KvCacheType} [cache_type_v] KV cache value type (default 'f16')
 */

/**
 * Converts what the user gave to something postMessage can carry. Buffers are copied, not
 * transferred, so the caller keeps its bytes.
 * @param {any} source
 */
function portableSource(source) {
  const absolute = (/** @type {any} */ s) => {
    if (s instanceof URL) return s.href;
    // Relative URLs must resolve against the page, not against the worker's script.
    if (typeof s === 'string' && !IS_NODE && globalThis.location) return new URL(s, globalThis.location.href).href;
    return s;
  };
  return Array.isArray(source) ? source.map(absolute) : absolute(source);
}

export class Engine {
  /** Which quantization fits a device: see js/advisor.js (no engine instance needed). */
  static advise = advise;

  /**
   * @param {import('./worker_port.js').WorkerHandle} worker
   * @param {RequestClient} client
   * @param {{ variant: 'mt' | 'st', threads: number, fallbackReason?: string }} runtime
   * @param {string | undefined} cacheDir
   */
  constructor(worker, client, runtime, cacheDir) {
    this.worker = worker;
    this.client = client;
    /** Which wasm build runs and with how many threads (and why not threaded, if not). */
    this.runtime = runtime;
    this.cacheDir = cacheDir;
    /** @type {any} info of the loaded model */
    this.modelInfo = null;
    /** @type {ChatTemplate | null} */
    this.template = null;
    /** texts of the model's BOS/EOS tokens, for the chat template */
    this.specialTokens = { bos_token: '', eos_token: '' };
    // The result's shape follows params.stream (index.d.ts's overloads).
    const completions = { create: (/** @type {any} */ params) => /** @type {any} */ (this.createChatCompletion(params)) };
    /** OpenAI-style `engine.chat.completions.create()`. @type {import('./index.js').Engine['chat']} */
    this.chat = Object.freeze({ completions: Object.freeze(completions) });
    /**
     * A fetch-compatible function serving OpenAI's HTTP API (POST /v1/chat/completions,
     * POST /v1/completions, GET /v1/models) from this engine: pass it as `fetch` to the openai SDK.
     */
    this.fetch = createOpenAIFetch(this);
    /** The model store (downloads kept for offline use). */
    this.cache = Object.freeze({
      list: (/** @type {{ cacheDir?: string }} */ options = {}) =>
        this.client.request('cacheList', { cacheDir: options.cacheDir ?? this.cacheDir }),
      delete: (/** @type {string | URL} */ url, /** @type {{ cacheDir?: string }} */ options = {}) =>
        this.client.request('cacheDelete', { url: String(url), cacheDir: options.cacheDir ?? this.cacheDir }),
    });
  }

  /**
   * Starts a worker with the wasm engine.
   * @param {EngineOptions} [options]
   * @returns {Promise<Engine>}
   */
  static async create(options = {}) {
    const threads = options.threads === undefined || options.threads === 'auto' ? await defaultThreadCount() : options.threads;
    if (!Number.isInteger(threads) || threads < 1) throw new InvalidArgumentError("threads must be a positive integer or 'auto'.");
    const worker = await spawnWorker(new URL('./worker.js', import.meta.url));
    const client = new RequestClient((message, transfer) => worker.post(message, transfer), (busy) => worker.setBusy(busy));
    const logger = options.logger ?? console;
    worker.listen((message) => {
      if (message.type === 'log') {
        logger.error(`webgguf: ${message.text}`);
        return;
      }
      client.handleMessage(message);
      // A wasm instance that trapped may hold gigabytes: release it now, not at the next create().
      if (message.type === 'fatal') worker.terminate();
    }, (error) => {
      client.failAll(new WorkerCrashedError(`The engine worker crashed (${error.message}); create a new Engine and load the model again.`, { cause: error }));
    });
    try {
      const wasmBaseUrl = options.wasmBaseUrl === undefined ? undefined : String(options.wasmBaseUrl);
      const runtime = await client.request('init', { threads, wasmBaseUrl });
      return new Engine(worker, client, runtime, options.cacheDir);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
  }

  /**
   * Loads a model: probes its header, then streams it into wasm memory.
   * @param {string | URL | Array<string | URL> | Blob | ArrayBuffer | Uint8Array} source
   * @param {LoadOptions} [options]
   * @returns {Promise<any>} the model info
   */
  async load(source, options = {}) {
    const { onProgress, signal, ...rest } = options;
    this.modelInfo = null;
    this.template = null;
    const payload = {
      ...rest, source: portableSource(source), cache: options.cache ?? true, cacheDir: options.cacheDir ?? this.cacheDir,
    };
    const info = await this.client.request('load', payload, {
      signal, onEvent: (event) => { if (event.kind === 'progress') onProgress?.(stripKind(event)); },
    });
    const specials = await Promise.all([info.bos, info.eos].map((id) =>
      (id >= 0 ? this.client.request('detokenize', { ids: [id], renderSpecial: true }) : '')));
    this.specialTokens = { bos_token: specials[0], eos_token: specials[1] };
    this.modelInfo = info;
    return info;
  }

  /**
   * Reads the GGUF header of a model (metadata and tensor table) without loading it: only the
   * first bytes are fetched. Arrays longer than 1000 elements are summarised as { type, length }.
   * @param {string | URL | Array<string | URL> | Blob | ArrayBuffer | Uint8Array} source
   * @param {{ signal?: AbortSignal, retries?: number, retryDelayMs?: number }} [options]
   * @returns {Promise<any>} { version, alignment, dataOffset, metadata, tensors, fileSize, parts, ... }
   */
  async inspect(source, options = {}) {
    const { signal, ...rest } = options;
    return this.client.request('inspect', { ...rest, source: portableSource(source) }, { signal });
  }

  /**
   * What each quantization preset would make of a model: the exact size of the file
   * llama-quantize would write, and the memory a context of n_ctx tokens needs on top of the
   * weights, and with each KV cache type (per token more: how long a context fits). Reads only
   * the header. Feed the result to `advise()` (js/advisor.js).
   * @param {string | URL | Blob | ArrayBuffer | Uint8Array} source an F32/F16/BF16 GGUF
   * @param {{ n_ctx?: number, signal?: AbortSignal, retries?: number, retryDelayMs?: number }} [options]
   * @returns {Promise<{ name: string, original_bytes: number, context_bytes: number,
   *                     presets: Array<{ preset: string, file_bytes: number }>, n_ctx: number, n_ctx_train: number,
   *                     cache_types: Array<{ cache_type: import('./index.js').KvCacheType, context_bytes: number, bytes_per_token: number }> }>}
   */
  async planQuantization(source, options = {}) {
    const { signal, n_ctx = 4096, ...rest } = options;
    return this.client.request('planQuantization', { ...rest, n_ctx, source: portableSource(source) }, { signal });
  }

  /**
   * Quantizes an F32/F16/BF16 GGUF to a llama.cpp preset (the bytes llama-quantize writes),
   * streaming tensor by tensor: memory stays near one slab of one tensor. The loaded model, if
   * any, stays loaded.
   * @param {string | URL | Blob | ArrayBuffer | Uint8Array} source as for load(); a path in Node
   * @param {string} preset e.g. 'Q4_K_M' (see quant_presets: Q8_0, Q6_K, Q5_K_M, ... F16)
   * @param {{ onProgress?: (p: import('./quantize.js').QuantizeProgress) => void, signal?: AbortSignal,
   *           output?: string | FileSystemFileHandle, sha256?: boolean, retries?: number, retryDelayMs?: number,
   *           imatrix?: Uint8Array | ArrayBuffer, imatrixName?: string, includeWeights?: string[],
   *           excludeWeights?: string[], outputTensorType?: string, tokenEmbeddingType?: string, pure?: boolean }} [options]
   *   output: Node: the file path to write (required); browsers: an OPFS file name or a file
   *   handle written as it goes, or nothing for a Blob. sha256: hash the output while writing.
   *   imatrix: an importance matrix file (llama-quantize --imatrix; imatrixName is the name written
   *   into the output), and llama-quantize's --include-weights, --exclude-weights,
   *   --output-tensor-type, --token-embedding-type and --pure.
   * @returns {Promise<{ size: number, preset: string, fileType: number, inputSize: number, tensorCount: number,
   *                     sha256?: string, blob?: Blob, path?: string, handle?: FileSystemFileHandle, opfsName?: string }>}
   */
  async quantize(source, preset, options = {}) {
    const { onProgress, signal, ...rest } = options;
    if (typeof preset !== 'string') throw new InvalidArgumentError('quantize() needs a preset name such as "Q4_K_M".');
    if (rest.imatrix !== undefined) {
      if (rest.imatrix instanceof ArrayBuffer) rest.imatrix = new Uint8Array(rest.imatrix);
      if (!(rest.imatrix instanceof Uint8Array)) throw new InvalidArgumentError('imatrix must be the bytes of an imatrix file (Uint8Array or ArrayBuffer), e.g. engine.imatrix() result.file.');
    }
    for (const key of ['includeWeights', 'excludeWeights']) {
      const names = rest[key];
      if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === 'string'))) {
        throw new InvalidArgumentError(`${key} must be an array of tensor name parts.`);
      }
    }
    return this.client.request('quantize', { ...rest, preset, source: portableSource(source) }, {
      signal, onEvent: (event) => { if (event.kind === 'progress') onProgress?.(stripKind(event)); },
    });
  }

  /** Frees the model (the worker and wasm stay ready for the next load). */
  async unload() {
    this.modelInfo = null;
    this.template = null;
    await this.client.request('unload');
  }

  /** @returns {Promise<any>} architecture, parameters, quantization, context, memory; null when nothing is loaded */
  async info() {
    return this.client.request('info');
  }

  /**
   * Wasm heap accounting: `used` bytes in live allocations (model, KV cache, scratch) and the
   * heap's current `heapSize` (wasm memory never shrinks). After an unload or an aborted
   * request `used` returns to its earlier value.
   * @returns {Promise<{ used: number, free: number, heapSize: number }>}
   */
  async memory() {
    return this.client.request('memory');
  }

  /**
   * The conversation in the KV cache as bytes (a saved session: its tokens, the model's identity,
   * the cache types and the cache rows of the positions it uses). Keep them (IndexedDB, a file)
   * and give them to loadSession() after a reload: the next turn then evaluates only new tokens.
   * @returns {Promise<Uint8Array>}
   */
  async saveSession() {
    return this.client.request('saveSession');
  }

  /**
   * Restores a session saveSession() gave, with the same model, cache types and a context at
   * least as long as the conversation (InvalidSessionError naming the difference otherwise, and
   * truncated or corrupt bytes too; the current conversation then stays as it was).
   * @param {Uint8Array | ArrayBuffer | Blob} session
   * @returns {Promise<{ n_tokens: number }>} the conversation's tokens now in the cache
   */
  async loadSession(session) {
    /** @type {Uint8Array} */
    let bytes;
    if (session instanceof Uint8Array) bytes = session;
    else if (session instanceof ArrayBuffer) bytes = new Uint8Array(session);
    else if (typeof Blob !== 'undefined' && session instanceof Blob) bytes = new Uint8Array(await session.arrayBuffer());
    else throw new InvalidArgumentError('loadSession() takes the Uint8Array (or an ArrayBuffer or Blob of it) saveSession() gave.');
    return this.client.request('loadSession', { bytes });
  }

  /**
   * @param {string} text
   * @param {{ addSpecial?: boolean, parseSpecial?: boolean }} [options]
   * @returns {Promise<number[]>}
   */
  async tokenize(text, options = {}) {
    return this.client.request('tokenize', { text, addSpecial: options.addSpecial ?? false, parseSpecial: options.parseSpecial ?? false });
  }

  /**
   * @param {ArrayLike<number>} ids
   * @param {{ renderSpecial?: boolean }} [options]
   * @returns {Promise<string>}
   */
  async detokenize(ids, options = {}) {
    return this.client.request('detokenize', { ids: Array.from(ids), renderSpecial: options.renderSpecial ?? false });
  }

  /**
   * Perplexity of `text` with chunks of `ctx` tokens, scored as llama-perplexity does.
   * @param {string} text
   * @param {{ ctx?: number, onProgress?: (p: { chunk: number, n_chunks: number, ppl: number }) => void, signal?: AbortSignal }} [options]
   * @returns {Promise<{ ppl: number, n_chunks: number, n_tokens: number, ctx: number, ms: number }>}
   */
  async perplexity(text, options = {}) {
    if (typeof text !== 'string') throw new InvalidArgumentError('perplexity() takes a string.');
    return this.client.request('perplexity', { text, ctx: options.ctx ?? 512 }, {
      signal: options.signal,
      onEvent: (event) => options.onProgress?.(stripKind(event)),
    });
  }

  /**
   * Importance matrix of the loaded model over calibration `text`, collected as llama-imatrix
   * does (chunks of `ctx` tokens, every block weight's input activations squared and summed):
   * the file llama-imatrix writes (GGUF; `format: 'dat'` for its legacy format), for
   * quantize(..., { imatrix }) here or llama-quantize --imatrix.
   * @param {string} text
   * @param {{ ctx?: number, chunks?: number, dataset?: string, format?: 'gguf' | 'dat', signal?: AbortSignal,
   *           onProgress?: (p: { chunk: number, n_chunks: number }) => void }} [options]
   * @returns {Promise<{ file: Uint8Array, n_chunks: number, n_tokens: number, ctx: number, ms: number }>}
   */
  async imatrix(text, options = {}) {
    if (typeof text !== 'string') throw new InvalidArgumentError('imatrix() takes the calibration text as a string.');
    const { onProgress, signal, ctx = 512, chunks = 0, dataset = '', format = 'gguf' } = options;
    if (!Number.isInteger(ctx) || ctx < 1) throw new InvalidArgumentError('ctx must be a positive integer.');
    if (!Number.isInteger(chunks) || chunks < 0) throw new InvalidArgumentError('chunks must be a non-negative integer.');
    if (format !== 'gguf' && format !== 'dat') throw new InvalidArgumentError("format must be 'gguf' or 'dat'.");
    if (typeof dataset !== 'string') throw new InvalidArgumentError('dataset must be a string (a name for the text).');
    this.requireModel();
    return this.client.request('imatrix', { text, ctx, chunks, dataset, legacy: format === 'dat' }, {
      signal, onEvent: (event) => { if (event.kind === 'imatrix') onProgress?.(stripKind(event)); },
    });
  }

  /**
   * KL divergence of the loaded model against a base model (e.g. the F16 it was quantized from),
   * as llama-perplexity --kl-divergence computes it: the perplexity chunks of `text`, scored at
   * positions ctx/2 .. ctx-2; mean KL(base || model), top-1 agreement and both perplexities.
   * The base is loaded next to the model for the run (same worker, a second wasm engine: the
   * memory of both at once) and freed after.
   * @param {string | URL | Blob | ArrayBuffer | Uint8Array} baseSource as for load()
   * @param {string} text
   * @param {{ ctx?: number, chunks?: number, signal?: AbortSignal, retries?: number, retryDelayMs?: number,
   *           onProgress?: (p: { chunk: number, n_chunks: number, kl: number, same_top: number }) => void }} [options]
   * @returns {Promise<{ kl: number, kl_error: number, same_top: number, same_top_error: number, ppl: number,
   *                     ppl_error: number, base_ppl: number, base_ppl_error: number, positions: number,
   *                     n_chunks: number, n_tokens: number, ctx: number, ms: number }>}
   */
  async klDivergence(baseSource, text, options = {}) {
    if (typeof text !== 'string') throw new InvalidArgumentError('klDivergence() takes the text as a string.');
    const { onProgress, signal, ctx = 512, chunks = 0, ...rest } = options;
    if (!Number.isInteger(chunks) || chunks < 0) throw new InvalidArgumentError('chunks must be a non-negative integer.');
    this.requireModel();
    return this.client.request('klDivergence', { ...rest, base: portableSource(baseSource), text, ctx, chunks }, {
      signal, onEvent: (event) => { if (event.kind === 'klDivergence') onProgress?.(stripKind(event)); },
    });
  }

  /**
   * Continues a raw prompt (no chat template). OpenAI completions shape (`choices[0].text`).
   * @param {string} prompt
   * @param {import('./index.js').TextCompletionParams & { stream?: boolean }} [params]
   * @returns {Promise<any>} a TextCompletion, or an AsyncIterable of them when params.stream (index.d.ts's overloads)
   */
  async complete(prompt, params = {}) {
    if (typeof prompt !== 'string') throw new InvalidArgumentError('complete() takes a prompt string.');
    const info = this.requireModel();
    if (params.grammar !== undefined && (typeof params.grammar !== 'string' || params.grammar.trim() === '')) {
      throw new InvalidArgumentError('grammar must be a string of GBNF, not empty (root rule "root").');
    }
    const logprobs = textLogprobSettings(params);
    const shapes = completionShapes('text', this.modelName(), { logprobs: logprobs.logprobs, includeUsage: params.stream_options?.include_usage });
    // A raw prompt is shifted only when asked (and then keeps n_keep tokens, default 0).
    const shift = { context_shift: params.context_shift ?? false, n_keep: params.n_keep };
    return this.generate({ prompt, addSpecial: Boolean(info.add_bos), grammar: params.grammar, ...logprobs, ...shift },
                         shapes, params);
  }

  /**
   * @param {any} params an OpenAI chat request (messages, tools, tool_choice, response_format, grammar, logprobs…)
   */
  async createChatCompletion(params) {
    const info = this.requireModel();
    if (!params || !Array.isArray(params.messages)) throw new InvalidArgumentError('chat.completions.create() needs { messages: [...] }.');
    // Compiled on first use: a template that does not parse must not prevent complete().
    this.template ??= new ChatTemplate(info.chat_template, this.specialTokens);
    const request = readChatRequest(params, { templateSource: this.template.source });
    const logprobs = chatLogprobSettings(params);
    const prompt = this.template.render(request.messages, { tools: request.tools });
    // Templates that print bos_token themselves must not get a second one from the tokenizer.
    const bos = this.specialTokens.bos_token;
    const addSpecial = Boolean(info.add_bos) && !(bos && prompt.startsWith(bos));
    const shapes = completionShapes('chat', this.modelName(), {
      logprobs: logprobs.logprobs,
      includeUsage: params.stream_options?.include_usage,
      reply: {
        family: request.family, toolNames: request.toolNames, parseReasoning: request.parseReasoning,
        startsInsideReasoning: promptOpensThinking(prompt),
      },
    });
    // Chat shifts by default, keeping the system prompt (llama-server's --context-shift).
    const shift = {
      context_shift: params.context_shift ?? true, n_keep: params.n_keep,
      keep_prefix: this.systemPrefix(request),
    };
    return this.generate({ prompt, addSpecial, grammar: request.grammar, ...logprobs, ...shift }, shapes, params);
  }

  /**
   * The rendered system prompt (what context shift keeps by default): the template applied to
   * the first message alone when it is a system message; '' when there is none or the template
   * refuses a conversation of one system message.
   * @param {{ messages: any[], tools?: object[] }} request
   */
  systemPrefix(request) {
    if (request.messages[0]?.role !== 'system' || !this.template) return '';
    try {
      return this.template.render([request.messages[0]], { addGenerationPrompt: false, tools: request.tools });
    } catch {
      return '';
    }
  }

  modelName() {
    return this.modelInfo?.name || this.modelInfo?.architecture || 'gguf';
  }

  /**
   * @param {{ prompt: string, addSpecial: boolean, grammar?: string, logprobs: boolean, top_logprobs: number }} request
   * @param {ReturnType<typeof completionShapes>} shapes
   * @param {import('./completions.js').GenerationParams} params
   */
  async generate(request, shapes, params) {
    const settings = generationSettings(params, DEFAULT_MAX_TOKENS);
    const { grammar, ...rest } = request;
    const payload = { ...rest, ...settings, ...(grammar !== undefined ? { grammar } : {}) };
    return runCompletion(({ onEvent, signal }) => this.client.request('generate', payload, { onEvent, signal }), shapes, params);
  }

  /** @param {number} threads */
  async setThreads(threads) {
    if (!Number.isInteger(threads) || threads < 1) throw new InvalidArgumentError('threads must be a positive integer.');
    this.runtime = { ...this.runtime, threads: await this.client.request('setThreads', { threads }) };
    return this.runtime.threads;
  }

  /** Stops the worker; every pending and later request fails. Create a new Engine to continue. */
  async terminate() {
    this.client.failAll(new WorkerCrashedError('The engine was terminated; create a new Engine to continue.'));
    await this.worker.terminate();
  }

  requireModel() {
    if (!this.modelInfo) throw new NoModelError('No model is loaded: call engine.load() first.');
    return this.modelInfo;
  }
}

/**
 * @param {{ kind: string }} event
 * @returns {any} the event's fields without its kind (their shapes: the progress types of index.d.ts)
 */
function stripKind(event) {
  const { kind, ...rest } = event;
  return rest;
}
