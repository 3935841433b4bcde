/**
 * The message protocol between the page (or Node main thread) and the engine's worker.
 *
 * Page → worker: `{ id, type, payload }` for a request, `{ type: 'abort', id }` to cancel one.
 * Worker → page: `{ id, type: 'result', value }`, `{ id, type: 'error', error }`,
 *                `{ id, type: 'event', event }` (progress, streamed tokens), and
 *                `{ type: 'fatal', error }` when the wasm instance is unusable: every pending
 *                request then fails with that error and the engine must be recreated, and
 *                `{ type: 'log', level: 'error', text }`: a line the native code wrote to stderr.
 * @module protocol
 */

import { AbortError, WorkerCrashedError, deserializeError } from './errors.js';

/** Request types the worker understands. */
export const REQUEST_TYPES = Object.freeze([
  'init', 'load', 'inspect', 'planQuantization', 'unload', 'info', 'tokenize', 'detokenize', 'generate', 'perplexity', 'setThreads',
  'cacheList', 'cacheDelete', 'memory', 'quantize', 'klDivergence', 'saveSession', 'loadSession', 'imatrix',
]);

/**
 * @typedef {{ id: number, type: string, payload: unknown }} RequestMessage
 * @typedef {{ type: 'abort', id: number }} AbortMessage
 * @typedef {{ id: number, type: 'result', value: unknown }} ResultMessage
 * @typedef {{ id: number, type: 'error', error: { code: string, message: string, details?: Record<string, unknown> } }} ErrorMessage
 * @typedef {{ id: number, type: 'event', event: unknown }} EventMessage
 * @typedef {{ type: 'fatal', error: { code: string, message: string, details?: Record<string, unknown> } }} FatalMessage
 * @typedef {{ type: 'log', level: 'error', text: string }} LogMessage
 * @typedef {ResultMessage | ErrorMessage | EventMessage | FatalMessage | LogMessage} WorkerMessage
 */

/**
 * @typedef {object} PendingRequest
 * @property {(value: unknown) => void} resolve
 * @property {(error: Error) => void} reject
 * @property {((event: unknown) => void) | undefined} onEvent
 * @property {(() => void) | undefined} detachSignal
 */

/**
 * The page side of the protocol: numbers requests, routes replies and events to them, forwards
 * aborts, and fails everything pending when the worker dies.
 */
export class RequestClient {
  /**
   * @param {(message: RequestMessage | AbortMessage, transfer?: Transferable[]) => void} post
   * @param {(busy: boolean) => void} [onBusyChange] called when the first request starts and the last settles
   */
  constructor(post, onBusyChange) {
    this.post = post;
    this.onBusyChange = onBusyChange;
    this.nextId = 1;
    /** @type {Map<number, PendingRequest>} */
    this.pending = new Map();
    /** @type {Error | null} set once the worker is unusable */
    this.fatalError = null;
  }

  /**
   * Sends a request; resolves with the worker's result, rejects with a named error.
   * @param {string} type one of REQUEST_TYPES
   * @param {unknown} [payload]
   * @param {{ onEvent?: (event: any) => void, signal?: AbortSignal, transfer?: Transferable[] }} [options]
   * @returns {Promise<any>}
   */
  request(type, payload, options = {}) {
    if (!REQUEST_TYPES.includes(type)) throw new TypeError(`unknown request type ${type}`);
    if (this.fatalError) return Promise.reject(this.fatalError);
    const { onEvent, signal, transfer } = options;
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      /** @type {PendingRequest} */
      const entry = { resolve, reject, onEvent, detachSignal: undefined };
      if (signal) {
        const onAbort = () => this.post({ type: 'abort', id });
        signal.addEventListener('abort', onAbort, { once: true });
        entry.detachSignal = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(id, entry);
      if (this.pending.size === 1) this.onBusyChange?.(true);
      try {
        this.post({ id, type, payload }, transfer);
      } catch (error) {
        this.settle(id);
        reject(error);
      }
    });
  }

  /**
   * Routes one message from the worker.
   * @param {WorkerMessage} message
   */
  handleMessage(message) {
    if (message.type === 'log') return; // the Engine hands these to its logger
    if (message.type === 'fatal') {
      this.failAll(deserializeError(message.error));
      return;
    }
    const entry = this.pending.get(message.id);
    if (!entry) return; // a late event for a request that already settled
    if (message.type === 'event') {
      entry.onEvent?.(message.event);
    } else if (message.type === 'result') {
      this.settle(message.id);
      entry.resolve(message.value);
    } else if (message.type === 'error') {
      this.settle(message.id);
      entry.reject(deserializeError(message.error));
    }
  }

  /**
   * Rejects every pending request and every later one with `error` (worker crash or termination).
   * @param {Error} [error]
   */
  failAll(error = new WorkerCrashedError('The engine worker stopped unexpectedly; create a new Engine.')) {
    this.fatalError = error;
    const entries = [...this.pending.values()];
    this.pending.clear();
    if (entries.length > 0) this.onBusyChange?.(false);
    for (const entry of entries) {
      entry.detachSignal?.();
      entry.reject(error);
    }
  }

  /** @param {number} id */
  settle(id) {
    const entry = this.pending.get(id);
    if (!entry) return;
    entry.detachSignal?.();
    this.pending.delete(id);
    if (this.pending.size === 0) this.onBusyChange?.(false);
  }
}

/**
 * The worker side: dispatches requests to handlers, gives each an AbortSignal and an event sink,
 * and reports results, errors and fatal failures.
 */
export class RequestServer {
  /**
   * @param {(message: WorkerMessage, transfer?: Transferable[]) => void} post
   * @param {Record<string, (payload: any, context: RequestContext) => Promise<unknown> | unknown>} handlers
   * @param {{ serializeError: (e: unknown) => any, isFatal: (e: unknown) => boolean }} errorPolicy
   */
  constructor(post, handlers, errorPolicy) {
    this.post = post;
    this.handlers = handlers;
    this.errorPolicy = errorPolicy;
    /** @type {Map<number, AbortController>} */
    this.running = new Map();
    this.dead = false;
    // Requests run one at a time, in order: the wasm engine is single-owner state.
    /** @type {Promise<void>} */
    this.queue = Promise.resolve();
  }

  /** @param {RequestMessage | AbortMessage} message */
  handleMessage(message) {
    if (message.type === 'abort') {
      this.running.get(message.id)?.abort(new AbortError());
      return;
    }
    const controller = new AbortController();
    this.running.set(message.id, controller);
    this.queue = this.queue.then(() => this.run(/** @type {RequestMessage} */ (message), controller));
  }

  /**
   * @param {RequestMessage} message
   * @param {AbortController} controller
   */
  async run(message, controller) {
    const { id, type, payload } = message;
    try {
      if (this.dead) throw new WorkerCrashedError('The engine is unusable after a fatal error; create a new Engine.');
      const handler = this.handlers[type];
      if (!handler) throw new TypeError(`worker has no handler for ${type}`);
      /** @type {RequestContext} */
      const context = {
        signal: controller.signal,
        emit: (event, transfer) => this.post({ id, type: 'event', event }, transfer),
      };
      if (controller.signal.aborted) throw new AbortError();
      const value = await handler(payload, context);
      // Bytes a handler returns (a saved session) are its own: they move instead of being copied.
      this.post({ id, type: 'result', value }, value instanceof Uint8Array ? [value.buffer] : undefined);
    } catch (error) {
      if (this.errorPolicy.isFatal(error)) {
        this.dead = true;
        this.post({ type: 'fatal', error: this.errorPolicy.serializeError(error) });
      } else {
        this.post({ id, type: 'error', error: this.errorPolicy.serializeError(error) });
      }
    } finally {
      this.running.delete(id);
    }
  }
}

/**
 * @typedef {object} RequestContext
 * @property {AbortSignal} signal aborted when the page aborts this request
 * @property {(event: unknown, transfer?: Transferable[]) => void} emit sends a progress/token event
 */
