// One benchmark run in the page (served cross-origin isolated, so both engines can thread):
// creates the engine, loads the file, runs one untimed completion as long as the timed one
// (warm-up), then the timed completion, and reports load time, prefill and decode speed and
// memory. bench/run.mjs starts a fresh Chromium for every run, so nothing (KV cache, wasm memory,
// another engine's idle workers) carries over between runs or engines; the prompts of different runs also start with different tokens (after BOS), and
// the warm-up's KV cache is dropped before the timed completion (see runOurs/runWllama).
import { Engine } from '/js/index.js';
import { Wllama } from '/node_modules/@wllama/wllama/esm/index.js';

const WLLAMA_WASM = '/node_modules/@wllama/wllama/esm/wasm/wllama.wasm';
const N_CTX = 512;
const GENERATED_TOKENS = 64;

/** The page's memory (all its workers included) when the browser can measure it. */
async function measureMemory() {
  if (typeof performance.measureUserAgentSpecificMemory !== 'function' || !crossOriginIsolated) return null;
  const { bytes } = await performance.measureUserAgentSpecificMemory();
  return bytes;
}

/** Time to fetch the whole file, the "download time" of the load target. */
async function downloadMs(modelUrl) {
  const started = performance.now();
  const response = await fetch(modelUrl, { cache: 'no-store' });
  await response.arrayBuffer();
  return performance.now() - started;
}

/**
 * The metrics of one run, from the engine's own timings (its own prompt token count).
 * @param {{ engine: string, threads: number, load_ms: number, timings: any, memory: number | null,
 *           memorySource?: string, fallbackMemory: number | null, extra?: object }} run
 */
function report({ engine, threads, load_ms, timings, memory, memorySource = 'measureUserAgentSpecificMemory', fallbackMemory, extra }) {
  return {
    engine,
    threads,
    load_ms,
    prompt_n: timings.prompt_n,
    prompt_ms: timings.prompt_ms,
    prefill_tps: (timings.prompt_n * 1000) / timings.prompt_ms,
    predicted_n: timings.predicted_n,
    predicted_ms: timings.predicted_ms,
    decode_tps: (timings.predicted_n * 1000) / timings.predicted_ms,
    memory_bytes: memory ?? fallbackMemory,
    memory_source: memory !== null ? memorySource : 'engine-reported model memory (weights + KV + scratch)',
    ...extra,
  };
}

async function runOurs({ modelUrl, threads, prompt, warmup }) {
  const started = performance.now();
  const engine = await Engine.create({ threads });
  try {
    const info = await engine.load(modelUrl, { n_ctx: N_CTX, cache: false });
    const load_ms = performance.now() - started;
    await engine.complete(warmup, { max_tokens: GENERATED_TOKENS, temperature: 0 });
    // Every prompt starts with BOS, which our engine would reuse from the warm-up's KV cache:
    // reload (the compiled code stays warm) so the timed run evaluates all its prompt tokens.
    await engine.unload();
    await engine.load(modelUrl, { n_ctx: N_CTX, cache: false });
    const result = await engine.complete(prompt, { max_tokens: GENERATED_TOKENS, temperature: 0 });
    // Our engine's memory is its wasm memory, which only grows: its size after the timed run is
    // the peak. (measureUserAgentSpecificMemory does not see our worker's memory in Chromium:
    // it reported 3 MB for a 17 MB model.)
    const { heapSize } = await engine.memory();
    return report({
      engine: 'ours', threads: engine.runtime.threads, load_ms, timings: result.timings, memory: heapSize,
      memorySource: 'wasm memory size after the timed run (engine.memory().heapSize)',
      fallbackMemory: info.memory.total_bytes,
      extra: {
        variant: engine.runtime.variant, fallback_reason: engine.runtime.fallbackReason,
        prompt_reused: result.timings.prompt_reused, kv_bytes: info.memory.kv_bytes, text: result.choices[0].text,
      },
    });
  } finally {
    await engine.terminate();
  }
}

async function runWllama({ modelUrl, threads, prompt, warmup }) {
  const started = performance.now();
  const wllama = new Wllama({ default: WLLAMA_WASM }, { suppressNativeLog: true });
  wllama.setCompat(null); // local wasm only, never the CDN
  try {
    // n_gpu_layers 0: CPU only (headless Chromium has no usable WebGPU here anyway).
    await wllama.loadModelFromUrl(modelUrl, { n_ctx: N_CTX, n_threads: threads, n_gpu_layers: 0, useCache: false });
    const load_ms = performance.now() - started;
    await wllama.createCompletion({ prompt: warmup, max_tokens: GENERATED_TOKENS, temperature: 0 });
    // cache_prompt: false makes llama.cpp's server context evaluate the whole prompt (no BOS reuse).
    const result = await wllama.createCompletion({ prompt, max_tokens: GENERATED_TOKENS, temperature: 0, cache_prompt: false });
    const memory = await measureMemory();
    return report({
      engine: 'wllama', threads: wllama.getNumThreads(), load_ms, timings: result.timings, memory, fallbackMemory: null,
      extra: { variant: wllama.isMultithread() ? 'mt' : 'st', prompt_reused: result.timings.cache_n, text: result.choices[0].text },
    });
  } finally {
    await wllama.exit();
  }
}

window.benchmark = {
  /** @param {{ engine: 'ours' | 'wllama', modelUrl: string, threads: number, prompt: string, warmup: string }} options */
  async run(options) {
    if (options.engine === 'ours') return runOurs(options);
    if (options.engine === 'wllama') return runWllama(options);
    throw new Error(`unknown engine ${options.engine}`);
  },
  downloadMs,
  crossOriginIsolated: () => crossOriginIsolated,
};
document.getElementById('log').textContent = 'ready';
