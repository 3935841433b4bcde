/**
 * OpenAI-shaped completion results and streams over the worker's `generate` request:
 * sampling-parameter validation, the async-iterable chunk stream, and the final result objects.
 * @module completions
 */

import { AbortError, InvalidArgumentError } from './errors.js';

/** Defaults as llama.cpp's server (temperature 0 means greedy). */
const SAMPLING_DEFAULTS = {
  temperature: 0.8, top_k: 40, top_p: 0.95, min_p: 0.05, repeat_penalty: 1.0, repeat_last_n: 64,
  frequency_penalty: 0, presence_penalty: 0,
};

/**
 * @typedef {object} GenerationParams
 * @property {number} [max_tokens]
 * @property {number} [temperature]
 * @property {number} [top_k]
 * @property {number} [top_p]
 * @property {number} [min_p]
 * @property {number} [repeat_penalty]
 * @property {number} [repeat_last_n]
 * @property {number} [frequency_penalty]
 * @property {number} [presence_penalty]
 * @property {number} [seed]
 * @property {string | string[]} [stop]
 * @property {AbortSignal} [signal]
 * @property {boolean} [stream]
 */

/**
 * Validates the user's parameters and builds the worker's sampler settings.
 * @param {GenerationParams} params
 * @param {number} defaultMaxTokens
 */
export function generationSettings(params, defaultMaxTokens) {
  /** @type {Record<string, number>} */
  const sampling = {};
  for (const [name, fallback] of Object.entries(SAMPLING_DEFAULTS)) {
    const value = /** @type {any} */ (params)[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidArgumentError(`${name} must be a finite number (got ${value}).`);
    }
    sampling[name] = value;
  }
  if (sampling.temperature < 0) throw new InvalidArgumentError('temperature must be >= 0 (0 is greedy).');
  const seed = params.seed ?? Math.floor(Math.random() * 2 ** 31);
  if (!Number.isInteger(seed) || seed < 0) throw new InvalidArgumentError('seed must be a non-negative integer.');
  sampling.seed = seed;
  const maxTokens = params.max_tokens ?? defaultMaxTokens;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new InvalidArgumentError('max_tokens must be a positive integer.');
  const stop = params.stop === undefined ? [] : Array.isArray(params.stop) ? params.stop : [params.stop];
  if (stop.some((s) => typeof s !== 'string')) throw new InvalidArgumentError('stop must be a string or an array of strings.');
  return { sampling, max_tokens: maxTokens, stop };
}

let counter = 0;
/** @param {string} prefix */
function completionId(prefix) {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}${counter.toString(36)}`;
}

/**
 * @typedef {object} GenerateOutcome what the worker returns at the end of a generation
 * @property {'stop' | 'length'} finish_reason
 * @property {number} prompt_tokens
 * @property {number} completion_tokens
 * @property {Record<string, number>} timings
 */

/** @param {GenerateOutcome} outcome */
function usageOf(outcome) {
  return {
    prompt_tokens: outcome.prompt_tokens,
    completion_tokens: outcome.completion_tokens,
    total_tokens: outcome.prompt_tokens + outcome.completion_tokens,
  };
}

/**
 * Shapes for the two OpenAI APIs: chat (`delta.content` / `message.content`) and text (`text`).
 * @param {'chat' | 'text'} kind
 * @param {string} model
 */
export function completionShapes(kind, model) {
  const id = completionId(kind === 'chat' ? 'chatcmpl' : 'cmpl');
  const created = Math.floor(Date.now() / 1000);
  const object = kind === 'chat' ? 'chat.completion' : 'text_completion';
  return {
    /** @param {string} text @param {boolean} first */
    chunk(text, first) {
      const choice = kind === 'chat'
        ? { index: 0, delta: first ? { role: 'assistant', content: text } : { content: text }, finish_reason: null, logprobs: null }
        : { index: 0, text, finish_reason: null, logprobs: null };
      return { id, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created, model, choices: [choice] };
    },
    /** @param {GenerateOutcome} outcome */
    finalChunk(outcome) {
      const choice = kind === 'chat'
        ? { index: 0, delta: {}, finish_reason: outcome.finish_reason, logprobs: null }
        : { index: 0, text: '', finish_reason: outcome.finish_reason, logprobs: null };
      return {
        id, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created, model,
        choices: [choice], usage: usageOf(outcome), timings: outcome.timings,
      };
    },
    /** @param {string} text @param {GenerateOutcome} outcome */
    result(text, outcome) {
      const choice = kind === 'chat'
        ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: outcome.finish_reason, logprobs: null }
        : { index: 0, text, finish_reason: outcome.finish_reason, logprobs: null };
      return { id, object, created, model, choices: [choice], usage: usageOf(outcome), timings: outcome.timings };
    },
  };
}

/**
 * Runs one generation and returns either the whole result or an AsyncIterable of chunks.
 * Leaving a `for await` loop early aborts the generation in the worker.
 * @param {(options: { onEvent: (e: any) => void, signal: AbortSignal }) => Promise<GenerateOutcome>} start
 * @param {ReturnType<typeof completionShapes>} shapes
 * @param {{ stream?: boolean, signal?: AbortSignal }} params
 */
export async function runCompletion(start, shapes, params) {
  const controller = new AbortController();
  const userSignal = params.signal;
  if (userSignal?.aborted) throw new AbortError(undefined, { cause: userSignal.reason });
  const forwardAbort = () => controller.abort(userSignal?.reason);
  userSignal?.addEventListener('abort', forwardAbort, { once: true });

  if (!params.stream) {
    let text = '';
    try {
      const outcome = await start({ signal: controller.signal, onEvent: (event) => { if (event.kind === 'text') text += event.text; } });
      return shapes.result(text, outcome);
    } finally {
      userSignal?.removeEventListener('abort', forwardAbort);
    }
  }

  /** @type {any[]} */
  const queue = [];
  /** @type {(() => void) | null} */
  let wake = null;
  let finished = false;
  /** @type {unknown} */
  let failure;
  let first = true;
  const notify = () => { wake?.(); wake = null; };
  start({
    signal: controller.signal,
    onEvent: (event) => {
      if (event.kind !== 'text') return;
      queue.push(shapes.chunk(event.text, first));
      first = false;
      notify();
    },
  }).then((outcome) => { queue.push(shapes.finalChunk(outcome)); },
    (error) => { failure = error; })
    .finally(() => { finished = true; userSignal?.removeEventListener('abort', forwardAbort); notify(); });

  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          if (queue.length > 0) { yield queue.shift(); continue; }
          if (finished) {
            if (failure !== undefined) throw failure;
            return;
          }
          await new Promise((resolve) => { wake = () => resolve(undefined); });
        }
      } finally {
        // The consumer left early (break/return/throw): stop generating in the worker.
        if (!finished) controller.abort(new AbortError('The stream was closed by its consumer.'));
      }
    },
  };
}
