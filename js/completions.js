/**
 * OpenAI-shaped completion results and streams over the worker's `generate` request:
 * sampling-parameter validation, the async-iterable chunk stream, and the final result objects.
 * @module completions
 */

import { AbortError, InvalidArgumentError } from './errors.js';
import { ReplyParser } from './chat_reply.js';

/** Defaults as llama.cpp's server (temperature 0 means greedy). */
const SAMPLING_DEFAULTS = {
  temperature: 0.8, top_k: 40, top_p: 0.95, min_p: 0.05, repeat_penalty: 1.0, repeat_last_n: 64,
  frequency_penalty: 0, presence_penalty: 0,
};

/**
 * @typedef {object} GenerationParams
 * @property {number} [max_tokens]
 * @property {number} [max_completion_tokens] OpenAI's newer name of max_tokens (wins when both are given)
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
  const maxTokens = params.max_completion_tokens ?? params.max_tokens ?? defaultMaxTokens;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new InvalidArgumentError(`${params.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens'} must be a positive integer.`);
  }
  const stop = params.stop === undefined ? [] : Array.isArray(params.stop) ? params.stop : [params.stop];
  if (stop.some((s) => typeof s !== 'string')) throw new InvalidArgumentError('stop must be a string or an array of strings.');
  return { sampling, max_tokens: maxTokens, stop };
}

/**
 * Chat `logprobs` (boolean) and `top_logprobs` (0..20, needs logprobs) as the worker takes them.
 * @param {{ logprobs?: unknown, top_logprobs?: unknown }} params
 * @returns {{ logprobs: boolean, top_logprobs: number }}
 */
export function chatLogprobSettings(params) {
  const { logprobs = false, top_logprobs: top } = params;
  if (logprobs !== null && typeof logprobs !== 'boolean') throw new InvalidArgumentError('logprobs must be a boolean.');
  if (top !== undefined && top !== null) {
    if (!Number.isInteger(top) || /** @type {number} */ (top) < 0 || /** @type {number} */ (top) > 20) {
      throw new InvalidArgumentError(`top_logprobs must be an integer from 0 to 20 (got ${JSON.stringify(top)}).`);
    }
    if (!logprobs) throw new InvalidArgumentError('top_logprobs needs logprobs: true.');
  }
  return { logprobs: Boolean(logprobs), top_logprobs: /** @type {number} */ (top ?? 0) };
}

/**
 * Text completions' logprobs: the legacy API's integer (0..5 alternatives per token), or the
 * chat API's `logprobs: true` with `top_logprobs` (0..20).
 * @param {{ logprobs?: unknown, top_logprobs?: unknown }} params
 */
export function textLogprobSettings(params) {
  const value = params.logprobs;
  if (typeof value === 'boolean' || params.top_logprobs !== undefined) return chatLogprobSettings(params);
  if (value === undefined || value === null) return { logprobs: false, top_logprobs: 0 };
  if (!Number.isInteger(value) || /** @type {number} */ (value) < 0 || /** @type {number} */ (value) > 5) {
    throw new InvalidArgumentError(`logprobs must be an integer from 0 to 5 for completions, or true with top_logprobs (got ${JSON.stringify(value)}).`);
  }
  return { logprobs: true, top_logprobs: /** @type {number} */ (value) };
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

/**
 * @typedef {{ token: string, bytes: number[], logprob: number, top_logprobs: Array<{ token: string, bytes: number[], logprob: number }> }} LogprobEntry
 */

/** @param {GenerateOutcome} outcome */
function usageOf(outcome) {
  return {
    prompt_tokens: outcome.prompt_tokens,
    completion_tokens: outcome.completion_tokens,
    total_tokens: outcome.prompt_tokens + outcome.completion_tokens,
  };
}

/** The legacy completions API's logprobs object for a run of entries. @param {LogprobEntry[]} entries @param {number} offset */
function textLogprobs(entries, offset) {
  const textOffset = [];
  let at = offset;
  for (const entry of entries) { textOffset.push(at); at += entry.token.length; }
  return {
    tokens: entries.map((e) => e.token),
    token_logprobs: entries.map((e) => e.logprob),
    top_logprobs: entries.map((e) => Object.fromEntries(e.top_logprobs.map((t) => [t.token, t.logprob]))),
    text_offset: textOffset,
  };
}

/**
 * Builds the OpenAI objects of one completion from the worker's events: chat (`delta` /
 * `message`, with reasoning and tool calls read by a ReplyParser) or text (`text`).
 * @param {'chat' | 'text'} kind
 * @param {string} model
 * @param {{ reply?: import('./chat_reply.js').ReplyOptions, logprobs?: boolean, includeUsage?: boolean }} [options]
 */
export function completionShapes(kind, model, options = {}) {
  const id = completionId(kind === 'chat' ? 'chatcmpl' : 'cmpl');
  const created = Math.floor(Date.now() / 1000);
  const chat = kind === 'chat';
  const parser = chat ? new ReplyParser(options.reply ?? { family: null, toolNames: new Set(), parseReasoning: true, startsInsideReasoning: false }) : null;
  /** @type {LogprobEntry[]} entries not yet sent in a chunk */
  let pendingLogprobs = [];
  /** @type {LogprobEntry[]} */
  const allLogprobs = [];
  let text = '';
  let sentRole = false;

  const takeLogprobs = () => {
    if (!options.logprobs) return null;
    const entries = pendingLogprobs;
    pendingLogprobs = [];
    return chat ? { content: entries, refusal: null } : textLogprobs(entries, text.length);
  };
  const chunk = (/** @type {any} */ choice, /** @type {Record<string, unknown>} */ extra = {}) => ({
    id, object: chat ? 'chat.completion.chunk' : 'text_completion', created, model, choices: [choice], ...extra,
  });
  /** @param {import('./chat_reply.js').ReplyDelta[]} deltas */
  const chatChunks = (deltas) => deltas.map((delta) => {
    const first = !sentRole;
    sentRole = true;
    return chunk({ index: 0, delta: first ? { role: 'assistant', ...delta } : delta, finish_reason: null, logprobs: takeLogprobs() });
  });
  const finishReason = (/** @type {GenerateOutcome} */ outcome) => (parser && parser.toolCalls.length > 0 ? 'tool_calls' : outcome.finish_reason);

  return {
    /** @param {LogprobEntry} entry the worker's logprobs of one sampled token */
    logprobs(entry) {
      pendingLogprobs.push(entry);
      allLogprobs.push(entry);
    },
    /** @param {string} piece @returns {any[]} the chunks this text completes */
    text(piece) {
      if (parser) return chatChunks(parser.push(piece));
      const out = chunk({ index: 0, text: piece, finish_reason: null, logprobs: takeLogprobs() });
      text += piece;
      return [out];
    },
    /** @param {GenerateOutcome} outcome @returns {any[]} the last chunks */
    finish(outcome) {
      const out = parser ? chatChunks(parser.finish()) : [];
      if (parser && !sentRole) out.push(...chatChunks([{ content: '' }]));
      const usage = usageOf(outcome);
      const choice = chat
        ? { index: 0, delta: {}, finish_reason: finishReason(outcome), logprobs: takeLogprobs() }
        : { index: 0, text: '', finish_reason: outcome.finish_reason, logprobs: takeLogprobs() };
      if (options.includeUsage) {
        // OpenAI's stream_options.include_usage: one more chunk, with no choices, carries the usage.
        out.push(chunk(choice), { ...chunk(null, { usage, timings: outcome.timings }), choices: [] });
      } else {
        out.push(chunk(choice, { usage, timings: outcome.timings }));
      }
      return out;
    },
    /** @param {string} fullText @param {GenerateOutcome} outcome the whole (non-streaming) result */
    result(fullText, outcome) {
      if (parser) {
        parser.push(fullText);
        parser.finish();
      }
      const choice = chat
        ? { index: 0, message: /** @type {NonNullable<typeof parser>} */ (parser).message(), finish_reason: finishReason(outcome),
          logprobs: options.logprobs ? { content: allLogprobs, refusal: null } : null }
        : { index: 0, text: fullText, finish_reason: outcome.finish_reason, logprobs: options.logprobs ? textLogprobs(allLogprobs, 0) : null };
      return { id, object: chat ? 'chat.completion' : 'text_completion', created, model, choices: [choice], usage: usageOf(outcome), timings: outcome.timings };
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
      const outcome = await start({
        signal: controller.signal,
        onEvent: (event) => {
          if (event.kind === 'text') text += event.text;
          else if (event.kind === 'logprobs') shapes.logprobs(event.entry);
        },
      });
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
  const notify = () => { wake?.(); wake = null; };
  start({
    signal: controller.signal,
    onEvent: (event) => {
      if (event.kind === 'logprobs') { shapes.logprobs(event.entry); return; }
      if (event.kind !== 'text') return;
      queue.push(...shapes.text(event.text));
      notify();
    },
  }).then((outcome) => { queue.push(...shapes.finish(outcome)); },
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
