/**
 * One named error class per failure, each with a message that says what to do about it.
 * Every class extends WebggufError and carries a stable `code` string; errors cross the worker
 * boundary as plain `{ name, code, message, details }` records and are rebuilt here.
 * @module errors
 */

/** Base class of every error thrown by webgguf. */
export class WebggufError extends Error {
  /**
   * @param {string} message what went wrong and what to do about it
   * @param {{ cause?: unknown, details?: Record<string, unknown> }} [options]
   */
  constructor(message, options = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    /** @type {Record<string, unknown>} */
    this.details = options.details ?? {};
  }

  /**
   * Stable machine-readable identifier of the failure kind.
   * @returns {import('./index.js').ErrorCode}
   */
  get code() {
    return /** @type {any} */ (this.constructor).code;
  }

  static code = 'internal';
}

/** The network failed (offline, DNS, connection reset) and retries did not help. */
export class NetworkError extends WebggufError {
  static code = 'network';
}

/** The server answered with an HTTP error status. */
export class HttpStatusError extends WebggufError {
  static code = 'http_status';
  /** @param {number} status @param {string} url @param {{ cause?: unknown }} [options] */
  static forResponse(status, url, options) {
    const hint = status === 404 ? 'check the URL (file name, repository and revision)'
      : status === 401 || status === 403 ? 'the file needs authentication or is gated: download it yourself and pass a File or path'
      : status === 416 ? 'the server rejected the byte range; the file may have changed while downloading'
      : status >= 500 ? 'the server is failing; try again later' : 'check the URL';
    return new HttpStatusError(`HTTP ${status} fetching ${url}: ${hint}.`, { ...options, details: { status, url } });
  }
}

/** The browser blocked a cross-origin response: the server does not send CORS headers. */
export class CorsError extends WebggufError {
  static code = 'cors';
}

/** The bytes are not a GGUF file (bad magic, truncated or corrupt header). */
export class NotGgufError extends WebggufError {
  static code = 'not_gguf';
}

/** The model's architecture is not implemented by this engine. */
export class UnsupportedArchitectureError extends WebggufError {
  static code = 'unsupported_architecture';
}

/** A tensor uses a quantization type this engine cannot run. */
export class UnsupportedTypeError extends WebggufError {
  static code = 'unsupported_type';
}

/** Weights + KV cache + scratch do not fit in the 4 GB of wasm32 memory (or the device refused). */
export class ModelTooBigError extends WebggufError {
  static code = 'too_big';
}

/** The browser's storage quota does not allow caching the model. */
export class QuotaExceededError extends WebggufError {
  static code = 'quota';
}

/**
 * The operation was cancelled through its AbortSignal. Its `name` is 'AbortError' so code that
 * checks `err.name === 'AbortError'` (as for fetch) keeps working.
 */
export class AbortError extends WebggufError {
  static code = 'aborted';
  /** @param {string} [message] @param {{ cause?: unknown }} [options] */
  constructor(message = 'The operation was aborted.', options) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** The conversation no longer fits in the context window. */
export class ContextFullError extends WebggufError {
  static code = 'context_full';
}

/** The worker running the engine died (out of memory, wasm trap); create a new Engine. */
export class WorkerCrashedError extends WebggufError {
  static code = 'worker_crashed';
}

/** An argument is missing or has the wrong type or value. */
export class InvalidArgumentError extends WebggufError {
  static code = 'invalid_argument';
}

/** A method that needs a model was called before `load()` finished (or after `unload()`). */
export class NoModelError extends WebggufError {
  static code = 'no_model';
}

/** The file is a GGUF but its content is inconsistent (missing tensor, wrong shape, bad vocab). */
export class InvalidModelError extends WebggufError {
  static code = 'invalid_model';
}

/**
 * A saved session cannot be restored: its bytes are truncated or corrupt, or it was saved with
 * another model, other KV cache types or a larger context than the one loaded.
 */
export class InvalidSessionError extends WebggufError {
  static code = 'invalid_session';
}

/** The chat template from the GGUF raised an error or failed to render. */
export class ChatTemplateError extends WebggufError {
  static code = 'chat_template';
}

const ERROR_CLASSES = [
  WebggufError, NetworkError, HttpStatusError, CorsError, NotGgufError, UnsupportedArchitectureError,
  UnsupportedTypeError, ModelTooBigError, QuotaExceededError, AbortError, ContextFullError,
  WorkerCrashedError, InvalidArgumentError, NoModelError, InvalidModelError, InvalidSessionError, ChatTemplateError,
];

/** @type {Map<string, typeof WebggufError>} */
const CLASS_BY_CODE = new Map(ERROR_CLASSES.map((cls) => [cls.code, cls]));

/** What to tell the user for each error code the wasm engine reports, after its own message. */
const WASM_CODE_ADVICE = {
  not_gguf: 'The file is not a GGUF model (or it is truncated); check the URL or file.',
  unsupported_architecture: 'This model architecture is not supported yet; the message above lists the ones that are (see "Supported models" in the README).',
  unsupported_type: 'A tensor uses an unsupported quantization type; try another quantization of the same model (e.g. Q4_K_M or Q8_0).',
  too_big: 'The model does not fit in the 4 GB of WebAssembly memory: use a smaller quantization or a smaller n_ctx.',
  context_full: 'The conversation does not fit in the context window: start a new conversation, shorten it, or load with a larger n_ctx.',
  bad_request: 'The request was rejected by the engine.',
  no_model: 'No model is loaded: call engine.load() first.',
  invalid_model: 'The GGUF file is inconsistent (missing or misshaped tensors); re-download or re-convert it.',
  invalid_session: 'The saved session was not restored (the conversation is as it was); start the conversation again or load the model it was saved with.',
};

const WASM_CODE_TO_CLASS = {
  not_gguf: NotGgufError,
  unsupported_architecture: UnsupportedArchitectureError,
  unsupported_type: UnsupportedTypeError,
  too_big: ModelTooBigError,
  context_full: ContextFullError,
  bad_request: InvalidArgumentError,
  no_model: NoModelError,
  invalid_model: InvalidModelError,
  invalid_session: InvalidSessionError,
};

/**
 * Builds the named error for a failure reported by the wasm engine (`{ ok:false, code, error }`).
 * @param {string} code wasm error code
 * @param {string} [message] the engine's own description
 * @returns {WebggufError}
 */
export function errorFromWasmCode(code, message) {
  const cls = WASM_CODE_TO_CLASS[/** @type {keyof typeof WASM_CODE_TO_CLASS} */ (code)] ?? WebggufError;
  const advice = WASM_CODE_ADVICE[/** @type {keyof typeof WASM_CODE_ADVICE} */ (code)];
  const text = [message, advice].filter(Boolean).join(' ') || `engine error (${code})`;
  return new cls(text, { details: { wasmCode: code } });
}

/**
 * Turns any thrown value into a structured-clone-safe record for postMessage.
 * @param {unknown} error
 * @returns {{ name: string, code: string, message: string, details: Record<string, unknown> }}
 */
export function serializeError(error) {
  if (error instanceof WebggufError) {
    return { name: error.name, code: error.code, message: error.message, details: error.details };
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return { name: 'AbortError', code: AbortError.code, message: error.message, details: {} };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { name: 'WebggufError', code: WebggufError.code, message, details: {} };
}

/**
 * Rebuilds the named error class from a serialized record.
 * @param {{ code: string, message: string, details?: Record<string, unknown> }} record
 * @returns {WebggufError}
 */
export function deserializeError(record) {
  const cls = CLASS_BY_CODE.get(record.code) ?? WebggufError;
  return new cls(record.message, { details: record.details ?? {} });
}

/**
 * Throws AbortError when the signal is aborted (with the signal's reason as cause).
 * @param {AbortSignal | undefined} signal
 */
export function throwIfAborted(signal) {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}
