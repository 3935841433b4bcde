/**
 * The one place that knows whether we run in a browser (Web Worker) or in Node (worker_threads):
 * both sides of the engine worker talk through the small port objects made here.
 * @module worker_port
 */

export const IS_NODE = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined'
  && typeof (/** @type {any} */ (globalThis).WorkerGlobalScope) === 'undefined';

/**
 * @typedef {object} WorkerHandle the page's side of the worker
 * @property {(message: unknown, transfer?: Transferable[]) => void} post
 * @property {(onMessage: (message: any) => void, onCrash: (error: Error) => void) => void} listen
 * @property {() => Promise<void>} terminate
 * @property {(busy: boolean) => void} setBusy Node: an idle worker must not keep the process alive
 */

/**
 * Starts the engine worker (a module Web Worker, or a worker_threads Worker in Node).
 * @param {URL} workerUrl URL of js/worker.js
 * @returns {Promise<WorkerHandle>}
 */
export async function spawnWorker(workerUrl) {
  if (IS_NODE) {
    const { Worker } = await import('node:worker_threads');
    const worker = new Worker(workerUrl);
    worker.unref();
    let terminating = false;
    return {
      post: (message, transfer) => worker.postMessage(message, /** @type {any} */ (transfer)),
      listen(onMessage, onCrash) {
        worker.on('message', onMessage);
        worker.on('error', (error) => onCrash(error));
        worker.on('exit', (code) => {
          if (!terminating) onCrash(new Error(`worker exited with code ${code}`));
        });
      },
      async terminate() { terminating = true; await worker.terminate(); },
      setBusy(busy) { if (busy) worker.ref(); else worker.unref(); },
    };
  }
  const worker = new Worker(workerUrl, { type: 'module', name: 'webgguf-engine' });
  return {
    post: (message, transfer) => worker.postMessage(message, transfer ?? []),
    listen(onMessage, onCrash) {
      worker.addEventListener('message', (event) => onMessage(event.data));
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        onCrash(new Error(event.message || 'worker error'));
      });
      worker.addEventListener('messageerror', () => onCrash(new Error('a worker message could not be decoded')));
    },
    async terminate() { worker.terminate(); },
    setBusy() {},
  };
}

/**
 * The worker's side: posts to and receives from the page.
 * @returns {Promise<{ post: (message: unknown, transfer?: Transferable[]) => void, listen: (onMessage: (message: any) => void) => void }>}
 */
export async function connectToParent() {
  if (IS_NODE) {
    const { parentPort } = await import('node:worker_threads');
    if (!parentPort) throw new Error('js/worker.js must run inside a worker');
    return {
      post: (message, transfer) => parentPort.postMessage(message, /** @type {any} */ (transfer)),
      listen: (onMessage) => { parentPort.on('message', onMessage); },
    };
  }
  const scope = /** @type {any} */ (globalThis);
  return {
    post: (message, transfer) => scope.postMessage(message, transfer ?? []),
    listen: (onMessage) => scope.addEventListener('message', (/** @type {MessageEvent} */ event) => onMessage(event.data)),
  };
}

/**
 * Lets queued messages (an abort) be delivered between two generation steps. setImmediate runs
 * after Node's poll phase, where worker messages arrive; browsers use a MessageChannel round trip
 * (setTimeout would be clamped to 4 ms).
 * @returns {Promise<void>}
 */
export const yieldToEventLoop = (() => {
  if (typeof setImmediate === 'function') return () => new Promise((resolve) => setImmediate(resolve));
  const channel = new MessageChannel();
  /** @type {Array<() => void>} */
  const waiting = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return () => new Promise((resolve) => { waiting.push(() => resolve(undefined)); channel.port2.postMessage(0); });
})();

/** About half the logical cores (leave the rest to the page and the OS), at least 1. */
export async function defaultThreadCount() {
  let cores = globalThis.navigator?.hardwareConcurrency;
  if (IS_NODE) {
    const os = await import('node:os');
    cores = os.availableParallelism?.() ?? os.cpus().length;
  }
  return Math.max(1, Math.floor((cores ?? 2) / 2));
}
