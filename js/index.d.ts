// Type declarations of the webgguf public API (hand-written; the implementation is plain JS + JSDoc).

export interface EngineOptions {
  /** Threads of the threaded build ('auto': about half the cores). The single-threaded build uses 1. */
  threads?: number | 'auto';
  /** Folder holding webgguf-*.{mjs,cjs,wasm}; default: the package's dist/wasm/. */
  wasmBaseUrl?: string | URL;
  /** Node only: directory of the model store (default $XDG_CACHE_HOME/webgguf or ~/.cache/webgguf). */
  cacheDir?: string;
  /**
   * Receives what the native engine writes to stderr (a failed assertion, a wasm abort), line by
   * line, prefixed "webgguf: ". The worker forwards it to the page. Default: console.
   */
  logger?: EngineLogger;
}

export interface EngineLogger {
  error(text: string): void;
}

export interface RuntimeInfo {
  /** 'mt': pthreads + SIMD build; 'st': single-threaded SIMD build. */
  variant: 'mt' | 'st';
  threads: number;
  /** Why the threaded build is not used, when it is not. */
  fallbackReason?: string;
}

export interface LoadProgress {
  phase: 'probe' | 'download' | 'cache' | 'read';
  /** Bytes in wasm memory so far. */
  loaded: number;
  /** Bytes of the whole model (all split parts). */
  total: number;
  /** Bytes per second since the body started. */
  rate: number;
}

export interface LoadOptions {
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
  /** Keep downloads in the model store and load from it offline (default true). */
  cache?: boolean;
  /** Node only: directory of the model store (default: the Engine's). */
  cacheDir?: string;
  /**
   * Context length in tokens. 'max', and the default: the longest context that fits the advisor's
   * memory budget for this device (memoryBudget(): weights + KV cache of the chosen cache types +
   * scratch), at most the model's training context.
   */
  n_ctx?: number | 'max';
  /** Reconnection attempts without progress per download (default 5). */
  retries?: number;
  /** Base delay between reconnection attempts in ms (default 500). */
  retryDelayMs?: number;
  /** Split parts downloaded at once (default 3). */
  parallelParts?: number;
  /** KV cache element types, llama.cpp's cache_type_k / cache_type_v (default 'f16'); q8_0 halves the cache, q4_0 quarters it. */
  cache_type_k?: KvCacheType;
  cache_type_v?: KvCacheType;
}

export type KvCacheType = 'f16' | 'q8_0' | 'q4_0';

export type ModelSource = string | URL | Array<string | URL> | Blob | ArrayBuffer | Uint8Array;

export interface ModelInfo {
  architecture: string;
  name: string;
  n_params: number;
  n_vocab: number;
  n_ctx: number;
  n_ctx_train: number;
  n_embd: number;
  n_layer: number;
  n_head: number;
  n_head_kv: number;
  /** Hidden size of the feed-forward block. */
  n_ff: number;
  file_type: number;
  quantization: string;
  memory: { weights_bytes: number; kv_bytes: number; recurrent_bytes: number; scratch_bytes: number; total_bytes: number };
  bos: number;
  eos: number;
  eot: number;
  /** The GGUF's Jinja chat template; null when it has none (ChatML is used). */
  chat_template: string | null;
  add_bos: boolean;
  wasm_variant?: 'mt' | 'st';
  threads?: number;
  /** Present on the value returned by load(). */
  load_ms?: number;
  from_cache?: boolean;
  cache_type_k?: KvCacheType;
  cache_type_v?: KvCacheType;
}

export interface GgufTensorInfo {
  name: string;
  /** ggml type name ('f16', 'q4_K'). */
  type: string;
  typeId: number;
  /** ne[0] (row length) first. */
  shape: number[];
  /** Relative to the data section. */
  offset: number;
  size: number;
}

export interface GgufHeader {
  status: 'ok';
  version: number;
  alignment: number;
  dataOffset: number;
  /** Values: numbers (BigInt beyond 2^53), booleans, strings, arrays; arrays over 1000 elements as { type, length }. */
  metadata: Record<string, unknown>;
  tensors: GgufTensorInfo[];
  fileSize: number;
  /** Number of split parts the source stands for. */
  parts: number;
}

/** A text part of a message's content (this engine reads text only). */
export interface ChatContentPart {
  type: 'text';
  text: string;
}

/** A function call the model made (OpenAI's shape: `arguments` is JSON text). */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool' | (string & {});
  /** A string or text parts (joined); null on an assistant turn that only calls tools. */
  content: string | ChatContentPart[] | null;
  /** Assistant turns: the calls it made (given to the template with object arguments). */
  tool_calls?: ToolCall[];
  /** Tool turns: which call this is the result of. */
  tool_call_id?: string;
  name?: string;
}

/** A function the model may call; `parameters` is a JSON schema (see jsonSchemaToGrammar). */
export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: JsonSchema; strict?: boolean };
}

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export type JsonSchema = boolean | { [keyword: string]: unknown };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; description?: string; schema: JsonSchema; strict?: boolean | null } };

export interface GenerationParams {
  max_tokens?: number;
  /** OpenAI's newer name of max_tokens (wins when both are given). */
  max_completion_tokens?: number;
  /** 0 is greedy. Default 0.8. */
  temperature?: number;
  top_k?: number;
  top_p?: number;
  min_p?: number;
  repeat_penalty?: number;
  repeat_last_n?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  seed?: number;
  stop?: string | string[];
  /** A GBNF grammar (root rule `root`), as llama-server and wllama take it. */
  grammar?: string;
  /**
   * When the conversation or the reply overflows the context, keep its first n_keep tokens and
   * drop the oldest half of the rest instead of failing (llama-server's --context-shift). Default
   * true for chat, false for complete(); the result's timings.context_shifts counts the shifts.
   */
  context_shift?: boolean;
  /** Tokens context shift keeps (default: chat, the system prompt; complete(), 0); at most half the context. */
  n_keep?: number;
  /** OpenAI's: with include_usage, one more chunk (choices: []) carries the usage. */
  stream_options?: { include_usage?: boolean };
  signal?: AbortSignal;
}

/** 'tool_calls' when the reply is tool calls. */
export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface Timings {
  /** Prompt tokens evaluated (the rest were reused from the KV cache). */
  prompt_n: number;
  prompt_reused: number;
  prompt_ms: number;
  prompt_per_second: number;
  predicted_n: number;
  predicted_ms: number;
  predicted_per_second: number;
}

export interface TopLogprob {
  token: string;
  /** UTF-8 bytes of the token (a token may hold part of a character). */
  bytes: number[];
  logprob: number;
}

export interface TokenLogprob extends TopLogprob {
  /** The `top_logprobs` most likely tokens at this position. */
  top_logprobs: TopLogprob[];
}

export interface ChatLogprobs {
  content: TokenLogprob[];
  refusal: null;
}

/** The legacy completions API's logprobs. */
export interface TextLogprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Array<Record<string, number>>;
  text_offset: number[];
}

export interface AssistantMessage {
  role: 'assistant';
  /** null when the reply is only tool calls. */
  content: string | null;
  /** The `<think>` part of reasoning models (Qwen3, DeepSeek-R1 distills), unless reasoning_format is 'none'. */
  reasoning_content?: string;
  tool_calls?: ToolCall[];
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{ index: 0; message: AssistantMessage; finish_reason: FinishReason; logprobs: ChatLogprobs | null }>;
  usage: Usage;
  timings: Timings;
}

export interface ChatCompletionDelta {
  role?: 'assistant';
  content?: string;
  reasoning_content?: string;
  /** As OpenAI streams a call: first its index, id, type and name (arguments ''), then its arguments. */
  tool_calls?: Array<{ index: number; id?: string; type?: 'function'; function: { name?: string; arguments: string } }>;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  /** Empty on the usage chunk of stream_options.include_usage. */
  choices: Array<{ index: 0; delta: ChatCompletionDelta; finish_reason: FinishReason | null; logprobs: ChatLogprobs | null }>;
  /** On the last chunk only. */
  usage?: Usage;
  timings?: Timings;
}

export interface TextCompletion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: Array<{ index: 0; text: string; finish_reason: 'stop' | 'length' | null; logprobs: TextLogprobs | null }>;
  usage?: Usage;
  timings?: Timings;
}

export interface ChatCompletionParams extends GenerationParams {
  messages: ChatMessage[];
  stream?: boolean;
  /** Constrains the reply to JSON (json_object) or to a schema (json_schema) with a grammar. */
  response_format?: ResponseFormat;
  /** Functions the model may call, described to it by its own chat template. */
  tools?: ChatTool[];
  /** 'required' and a named function are enforced by a grammar in the family's format. */
  tool_choice?: ToolChoice;
  /** Default true: with a forced tool_choice, one or more calls. */
  parallel_tool_calls?: boolean;
  logprobs?: boolean;
  /** 0..20 most likely alternatives per token; needs logprobs: true. */
  top_logprobs?: number;
  /** 'auto' (default): `<think>` reasoning goes to reasoning_content; 'none': it stays in content. */
  reasoning_format?: 'auto' | 'none';
  /** Accepted and ignored (the loaded model answers), as for a one-model server. */
  model?: string;
}

export interface TextCompletionParams extends GenerationParams {
  /** 0..5 most likely alternatives per token (the legacy completions API), or true with top_logprobs. */
  logprobs?: number | boolean;
  /** 0..20, with logprobs: true. */
  top_logprobs?: number;
}

export interface CachedModel {
  url: string;
  size: number;
  sha256?: string;
  createdAt: string;
}

export interface PerplexityResult {
  ppl: number;
  n_chunks: number;
  n_tokens: number;
  ctx: number;
  ms: number;
}

/** llama-perplexity --kl-divergence figures of the loaded model against a base model. */
export interface KlDivergenceResult {
  /** Mean KL(base || model) per scored position, and its standard error. */
  kl: number;
  kl_error: number;
  /** Fraction (0..1) of positions where both models' most likely next token is the same. */
  same_top: number;
  same_top_error: number;
  /** Perplexity of the loaded model and of the base over the scored positions. */
  ppl: number;
  ppl_error: number;
  base_ppl: number;
  base_ppl_error: number;
  positions: number;
  n_chunks: number;
  n_tokens: number;
  ctx: number;
  ms: number;
}

/** Wasm heap accounting: live malloc bytes and the linear memory's size (it never shrinks). */
export interface WasmMemoryUsage {
  used: number;
  free: number;
  heapSize: number;
}

export declare class Engine {
  /** Use Engine.create(). */
  protected constructor(worker: unknown, client: unknown, runtime: RuntimeInfo, cacheDir: string);
  static create(options?: EngineOptions): Promise<Engine>;
  readonly runtime: RuntimeInfo;
  readonly chat: {
    readonly completions: {
      /**
       * Limits (README "Limits"): `messages` must be a non-empty array of `{ role: string, content:
       * string | text parts }` (InvalidArgumentError otherwise; an empty content is a valid turn). Roles are passed
       * to the model's template unchanged: ChatML prints any role, a template that calls
       * `raise_exception` rejects with ChatTemplateError carrying its message. With context_shift
       * (the default for chat) a conversation or reply that overflows the context keeps its first
       * n_keep tokens and drops the oldest half of the rest; with context_shift: false a rendered
       * prompt longer than the context rejects with ContextFullError (nothing is evaluated) and a
       * reply that reaches the end of the context ends with finish_reason 'length'. Lone UTF-16 surrogates become U+FFFD. An abort
       * stops the prompt's evaluation between chunks of 64 tokens, or generation between tokens.
       */
      create(params: ChatCompletionParams & { stream: true }): Promise<AsyncIterable<ChatCompletionChunk>>;
      create(params: ChatCompletionParams & { stream?: false }): Promise<ChatCompletion>;
      create(params: ChatCompletionParams): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>;
    };
  };
  readonly cache: {
    list(options?: { cacheDir?: string }): Promise<CachedModel[]>;
    delete(url: string | URL, options?: { cacheDir?: string }): Promise<boolean>;
  };
  /** Which quantization fits a device, from planQuantization()'s sizes. */
  static advise(input: AdviseInput): Advice;
  load(source: ModelSource, options?: LoadOptions): Promise<ModelInfo>;
  /** Exact file size of every preset and the memory a context needs, from the header alone. */
  planQuantization(source: ModelSource, options?: {
    n_ctx?: number;
    signal?: AbortSignal;
    retries?: number;
    retryDelayMs?: number;
  }): Promise<QuantizationPlan>;
  /**
   * Quantizes an F32/F16/BF16 GGUF to a llama.cpp preset, streaming (memory near one tensor slab):
   * the bytes llama-quantize writes. Already-quantized inputs are refused (UnsupportedTypeError).
   */
  quantize(source: ModelSource, preset: QuantPresetName | string, options?: QuantizeOptions): Promise<QuantizeResult>;
  /** The GGUF header of a model without loading it (only its first bytes are read). */
  inspect(source: ModelSource, options?: { signal?: AbortSignal; retries?: number; retryDelayMs?: number }): Promise<GgufHeader>;
  unload(): Promise<void>;
  info(): Promise<ModelInfo | null>;
  /** Live wasm heap bytes; back to the same figure after an unload or an aborted request. */
  memory(): Promise<WasmMemoryUsage>;
  /**
   * The conversation in the KV cache as bytes (a saved session: tokens, model identity, cache
   * types, the cache rows of the positions used). After a reload, loadSession() restores it and
   * the next turn evaluates only its new tokens.
   */
  saveSession(): Promise<Uint8Array>;
  /**
   * Restores saveSession()'s bytes. Another model, other cache types, a context shorter than the
   * conversation, truncated or corrupt bytes: InvalidSessionError naming it (the conversation in
   * the cache stays as it was).
   */
  loadSession(session: Uint8Array | ArrayBuffer | Blob): Promise<{ n_tokens: number }>;
  /** Text must be a string (bytes: InvalidArgumentError; decode them with TextDecoder); lone surrogates become U+FFFD. */
  tokenize(text: string, options?: { addSpecial?: boolean; parseSpecial?: boolean }): Promise<number[]>;
  detokenize(ids: ArrayLike<number>, options?: { renderSpecial?: boolean }): Promise<string>;
  /**
   * Continues a raw prompt string. An empty prompt (no tokens: the model adds no BOS) rejects with
   * InvalidArgumentError; one longer than the context with ContextFullError. See chat.completions.create.
   */
  complete(prompt: string, params: TextCompletionParams & { stream: true }): Promise<AsyncIterable<TextCompletion>>;
  complete(prompt: string, params?: TextCompletionParams & { stream?: false }): Promise<TextCompletion>;
  /**
   * A fetch-compatible function serving OpenAI's HTTP API from this engine, under any base URL:
   * POST …/chat/completions, POST …/completions (server-sent events with `stream: true`), GET …/models.
   * Bad requests answer with OpenAI's error body (400 naming the field in `error.param`); the
   * request's AbortSignal stops the generation. `new OpenAI({ apiKey: 'local', baseURL:
   * 'http://local/v1', fetch: engine.fetch })` and the AI SDK's
   * `createOpenAICompatible({ name, baseURL, fetch: engine.fetch })` run unchanged.
   */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  perplexity(text: string, options?: {
    ctx?: number;
    onProgress?: (progress: { chunk: number; n_chunks: number; ppl: number }) => void;
    signal?: AbortSignal;
  }): Promise<PerplexityResult>;
  /**
   * Importance matrix of the loaded model over calibration text, as llama-imatrix collects it:
   * chunks of `ctx` tokens (default 512; `chunks` limits how many, 0 = all; the text must hold at
   * least one chunk), each block weight's input activations squared and summed per column. The
   * result is llama-imatrix's file (GGUF, or its legacy .dat with `format: 'dat'`), for
   * `quantize(source, 'IQ2_XXS', { imatrix })` or llama-quantize --imatrix. `dataset` names the
   * text inside the file (llama-imatrix writes its -f argument).
   */
  imatrix(text: string, options?: {
    ctx?: number;
    chunks?: number;
    dataset?: string;
    format?: 'gguf' | 'dat';
    onProgress?: (progress: { chunk: number; n_chunks: number }) => void;
    signal?: AbortSignal;
  }): Promise<ImatrixResult>;
  /**
   * KL divergence against a base model (e.g. the F16 the loaded model was quantized from), as
   * llama-perplexity --kl-divergence: chunks of `ctx` tokens (default 512; `chunks` limits how
   * many, 0 = all), positions ctx/2 .. ctx-2. The base is loaded beside the model for the run
   * (both in memory at once) and freed after. Needs the same vocabulary.
   */
  klDivergence(baseSource: ModelSource, text: string, options?: {
    ctx?: number;
    chunks?: number;
    onProgress?: (progress: { chunk: number; n_chunks: number; kl: number; same_top: number }) => void;
    signal?: AbortSignal;
    retries?: number;
    retryDelayMs?: number;
  }): Promise<KlDivergenceResult>;
  setThreads(threads: number): Promise<number>;
  terminate(): Promise<void>;
}

export type QuantPresetName =
  | 'F32' | 'F16' | 'BF16' | 'Q8_0' | 'Q6_K' | 'Q5_K_M' | 'Q5_K_S' | 'Q5_1' | 'Q5_0' | 'Q4_K_M' | 'Q4_K_S'
  | 'Q4_1' | 'Q4_0' | 'IQ4_NL' | 'IQ4_XS' | 'Q3_K_L' | 'Q3_K_M' | 'Q3_K_S' | 'IQ3_M' | 'IQ3_S' | 'IQ3_XS'
  | 'IQ3_XXS' | 'Q2_K' | 'Q2_K_S' | 'IQ2_M' | 'IQ2_S' | 'IQ2_XS' | 'IQ2_XXS' | 'IQ1_M' | 'IQ1_S';

export interface QuantizeProgress {
  phase: 'probe' | 'quantize' | 'done';
  tensorsDone: number;
  tensorCount: number;
  /** Output bytes written so far. */
  bytesDone: number;
  /** Size of the output file. */
  bytesTotal: number;
}

export interface ImatrixResult {
  /** The file, as llama-imatrix writes it. */
  file: Uint8Array;
  n_chunks: number;
  n_tokens: number;
  ctx: number;
  ms: number;
}

export interface QuantizeOptions {
  onProgress?: (progress: QuantizeProgress) => void;
  signal?: AbortSignal;
  /**
   * Node: the path of the output file (required). Browsers: an OPFS file name or a
   * FileSystemFileHandle, written as it goes; omitted: the result is a Blob.
   */
  output?: string | FileSystemFileHandle;
  /** Hash the output while writing it (result.sha256). */
  sha256?: boolean;
  /**
   * An importance matrix file (llama-imatrix's GGUF or .dat, or `engine.imatrix()`'s result.file):
   * llama-quantize --imatrix. The IQ1_*, IQ2_*, IQ3_XXS, IQ3_XS and Q2_K_S presets need one.
   */
  imatrix?: Uint8Array | ArrayBuffer;
  /** The name written to quantize.imatrix.file (llama-quantize writes its --imatrix path); default 'imatrix.gguf'. */
  imatrixName?: string;
  /** llama-quantize --include-weights / --exclude-weights: use the imatrix only for / not for tensors whose name contains one of these. */
  includeWeights?: string[];
  excludeWeights?: string[];
  /** llama-quantize --output-tensor-type / --token-embedding-type: a ggml type name such as 'q8_0'. */
  outputTensorType?: string;
  tokenEmbeddingType?: string;
  /** llama-quantize --pure: every weight matrix gets the preset's base type. */
  pure?: boolean;
  retries?: number;
  retryDelayMs?: number;
}

export interface QuantizeResult {
  /** Bytes of the output file. */
  size: number;
  preset: string;
  /** general.file_type written (llama_ftype). */
  fileType: number;
  /** Bytes of the input file. */
  inputSize: number;
  tensorCount: number;
  /** Lowercase hex, when options.sha256 was set. */
  sha256?: string;
  /** Browsers: the output (also for OPFS outputs, as a File). */
  blob?: Blob;
  /** Node: the output path. */
  path?: string;
  /** Browsers with an OPFS output: its handle (and name when given by name). */
  handle?: FileSystemFileHandle;
  opfsName?: string;
}

export interface QuantizationPlan {
  name: string;
  /** Bytes of the input file. */
  original_bytes: number;
  /** KV cache + scratch at the requested context. */
  context_bytes: number;
  presets: Array<{ preset: string; file_bytes: number }>;
  /** The context context_bytes is for, and the model's training context. */
  n_ctx: number;
  n_ctx_train: number;
  /** What a context costs with each KV cache type: at n_ctx, and per token more. */
  cache_types: KvCacheCost[];
}

export interface KvCacheCost {
  cache_type: KvCacheType;
  context_bytes: number;
  bytes_per_token: number;
}

export interface AdviseInput {
  presets: Array<{ preset: string; file_bytes: number }>;
  context_bytes: number;
  /** navigator.deviceMemory (GB), when known. */
  deviceMemoryGB?: number;
  /**
   * With planQuantization()'s cache_types, n_ctx and n_ctx_train: every row gets max_context, the
   * longest context that fits with `cache_type` (default 'f16'), and the advice names it.
   */
  cache_type?: KvCacheType;
  cache_types?: KvCacheCost[];
  n_ctx?: number;
  n_ctx_train?: number;
}

export interface Advice {
  rows: Array<{ preset: string; file_bytes: number; memory_bytes: number; fits: boolean; recommended: boolean; note: string; max_context?: number }>;
  recommended: string | null;
  /** Plain words: why this preset. */
  advice: string;
  budget_bytes: number;
}

export declare function advise(input: AdviseInput): Advice;
export declare const PRESET_NOTES: Readonly<Record<string, string>>;
export declare const WASM_MEMORY_LIMIT: number;
/** Bytes a page can use for a model and its context: WASM_MEMORY_LIMIT, or half of deviceMemoryGB when known. */
export declare function memoryBudget(deviceMemoryGB?: number): number;

export declare const CHATML_TEMPLATE: string;

/**
 * The GBNF grammar (root rule `root`) of the JSON texts a JSON schema accepts, with llama.cpp's
 * json_schema_to_grammar semantics: objects (required/optional properties, additionalProperties),
 * arrays (items, prefixItems, minItems, maxItems), enum, const, string pattern/minLength/maxLength/
 * format (date, time, date-time, uuid), integer ranges, anyOf/oneOf/allOf, local $ref/$defs.
 * A keyword the grammar cannot express is an InvalidArgumentError naming it.
 */
export declare function jsonSchemaToGrammar(schema: JsonSchema, options?: { propOrder?: string[]; dotall?: boolean }): string;

export declare class ChatTemplate {
  constructor(source: string | null | undefined, specialTokens?: { bos_token?: string; eos_token?: string });
  readonly source: string;
  /** True when the model had no template and ChatML is used. */
  readonly isDefault: boolean;
  /** `tools` is given to the template as Hugging Face's apply_chat_template does. */
  render(messages: Array<{ role: string; content: string; [key: string]: unknown }>, options?: { addGenerationPrompt?: boolean; tools?: ChatTool[] }): string;
}

export interface ByteSource {
  readonly size: number | undefined;
  readonly description: string;
  readHead(length: number, signal?: AbortSignal): Promise<Uint8Array>;
  chunks(start: number, signal?: AbortSignal): AsyncIterable<Uint8Array>;
}

export interface StoreWriter {
  write(chunk: Uint8Array): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export declare class ModelStore {
  /** Use ModelStore.open(). */
  protected constructor(backend: unknown);
  /** OPFS, else the Cache API in browsers; a directory (cacheDir, default ~/.cache/webgguf) in Node. */
  static open(options?: { cacheDir?: string }): Promise<ModelStore>;
  /** Whether the browser granted persistent storage (after ensureSpace). */
  readonly persisted: boolean | undefined;
  list(): Promise<CachedModel[]>;
  lookup(url: string, expect?: { size?: number; sha256?: string }): Promise<CachedModel | null>;
  openSource(url: string): Promise<ByteSource | null>;
  ensureSpace(bytes: number): Promise<void>;
  beginWrite(entry: { url: string; size: number; sha256?: string }): Promise<StoreWriter>;
  delete(url: string): Promise<boolean>;
}

/** All part names of a `name-00001-of-0000N.gguf` split set (other names: themselves). */
export declare function expandSplitName(name: string): string[];

export type ErrorCode =
  | 'internal' | 'network' | 'http_status' | 'cors' | 'not_gguf' | 'unsupported_architecture'
  | 'unsupported_type' | 'too_big' | 'quota' | 'aborted' | 'context_full' | 'worker_crashed'
  | 'invalid_argument' | 'no_model' | 'invalid_model' | 'invalid_session' | 'chat_template';

export declare class WebggufError extends Error {
  constructor(message: string, options?: { cause?: unknown; details?: Record<string, unknown> });
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
}
export declare class NetworkError extends WebggufError {}
export declare class HttpStatusError extends WebggufError {
  static forResponse(status: number, url: string, options?: { cause?: unknown }): HttpStatusError;
}
export declare class CorsError extends WebggufError {}
export declare class NotGgufError extends WebggufError {}
export declare class UnsupportedArchitectureError extends WebggufError {}
export declare class UnsupportedTypeError extends WebggufError {}
export declare class ModelTooBigError extends WebggufError {}
export declare class QuotaExceededError extends WebggufError {}
/** `name` is 'AbortError', as for aborted fetches. */
export declare class AbortError extends WebggufError {
  constructor(message?: string, options?: { cause?: unknown });
}
export declare class ContextFullError extends WebggufError {}
export declare class WorkerCrashedError extends WebggufError {}
export declare class InvalidArgumentError extends WebggufError {}
export declare class NoModelError extends WebggufError {}
export declare class InvalidModelError extends WebggufError {}
/** A saved session is truncated, corrupt, or from another model, cache types or a larger context. */
export declare class InvalidSessionError extends WebggufError {}
export declare class ChatTemplateError extends WebggufError {}
export declare function errorFromWasmCode(code: string, message?: string): WebggufError;
