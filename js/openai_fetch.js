/**
 * `engine.fetch`: a fetch-compatible function that answers OpenAI's HTTP API from the loaded
 * engine, so HTTP clients (the openai SDK, the AI SDK's openai-compatible provider) run
 * unchanged in the page: POST …/chat/completions, POST …/completions, GET …/models, under any
 * base URL. `stream: true` answers with server-sent events as OpenAI sends them; bad requests get
 * OpenAI's error body and status; the request's AbortSignal stops the generation.
 * @module openai_fetch
 */

import { AbortError, ContextFullError, InvalidArgumentError, NoModelError, WebggufError } from './errors.js';

/** HTTP status and OpenAI error type of each failure kind. @type {Record<string, [number, string]>} */
const STATUS_BY_CODE = {
  invalid_argument: [400, 'invalid_request_error'],
  context_full: [400, 'invalid_request_error'],
  chat_template: [400, 'invalid_request_error'],
  no_model: [503, 'server_error'],
};

/**
 * The request field an InvalidArgumentError names (its message starts with it).
 * @param {string} message
 */
function paramOf(message) {
  const match = /^([a-z_]+(?:\[\d+\])*(?:\.[a-z_]+(?:\[\d+\])*)*)\b/.exec(message);
  return match && !['the', 'a', 'an', 'each'].includes(match[1]) ? match[1] : null;
}

/** @param {number} status @param {string} message @param {string} type @param {string | null} param @param {string | null} code */
function errorResponse(status, message, type, param = null, code = null) {
  return new Response(JSON.stringify({ error: { message, type, param, code } }), {
    status, headers: { 'content-type': 'application/json' },
  });
}

/** @param {unknown} error */
function responseForError(error) {
  if (error instanceof WebggufError) {
    const [status, type] = STATUS_BY_CODE[error.code] ?? [500, 'server_error'];
    const code = error instanceof ContextFullError ? 'context_length_exceeded' : error instanceof NoModelError ? 'model_not_loaded' : null;
    return errorResponse(status, error.message, type, error instanceof InvalidArgumentError ? paramOf(error.message) : null, code);
  }
  return errorResponse(500, error instanceof Error ? error.message : String(error), 'server_error');
}

/** The DOMException fetch rejects with when its signal aborts. @param {AbortSignal} signal */
function abortReason(signal) {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError');
}

/** @param {any} chunk @param {boolean} includeUsage */
function wireChunk(chunk, includeUsage) {
  if (includeUsage) return chunk;
  const { usage, timings, ...rest } = chunk;
  return rest;
}

/**
 * Server-sent events of a chunk stream: `data: {json}` per chunk, then `data: [DONE]`. A failure
 * after the first byte is sent as an error event (the status is already 200).
 * @param {AsyncIterable<any>} chunks @param {boolean} includeUsage
 */
function eventStream(chunks, includeUsage) {
  const encoder = new TextEncoder();
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      try {
        const { value, done } = await iterator.next();
        if (done) {
          controller.enqueue(encoder.encode('data: [DONE]\n\n'));
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(wireChunk(value, includeUsage))}\n\n`));
      } catch (error) {
        if (error instanceof AbortError) { controller.error(error); return; }
        const body = await responseForError(error).text();
        controller.enqueue(encoder.encode(`data: ${body}\n\n`));
        controller.close();
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/**
 * @param {import('./engine.js').Engine} engine
 * @returns {(input: string | URL | Request, init?: RequestInit) => Promise<Response>}
 */
export function createOpenAIFetch(engine) {
  return async function openaiFetch(input, init = {}) {
    const request = input instanceof Request ? input : null;
    const url = new URL(request ? request.url : String(input), 'http://webgguf.local/');
    const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
    const signal = init.signal ?? request?.signal ?? undefined;
    if (signal?.aborted) throw abortReason(signal);
    const path = url.pathname.replace(/\/+$/, '');

    if (path.endsWith('/models')) {
      if (method !== 'GET') return errorResponse(405, `${method} is not allowed on ${path}: use GET.`, 'invalid_request_error');
      const info = engine.modelInfo;
      const data = info ? [{ id: engine.modelName(), object: 'model', created: 0, owned_by: 'webgguf' }] : [];
      return new Response(JSON.stringify({ object: 'list', data }), { status: 200, headers: { 'content-type': 'application/json' } });
    }
    const chat = path.endsWith('/chat/completions');
    if (!chat && !path.endsWith('/completions')) {
      return errorResponse(404, `There is no ${method} ${path} here: webgguf serves /v1/chat/completions, /v1/completions and /v1/models.`, 'invalid_request_error', null, 'unknown_url');
    }
    if (method !== 'POST') return errorResponse(405, `${method} is not allowed on ${path}: use POST.`, 'invalid_request_error');

    let body;
    try {
      const text = init.body !== undefined && init.body !== null ? await new Response(init.body).text() : await request?.text() ?? '';
      body = JSON.parse(text);
    } catch {
      return errorResponse(400, 'The request body is not valid JSON.', 'invalid_request_error');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return errorResponse(400, 'The request body must be a JSON object.', 'invalid_request_error');

    const params = { ...body, signal };
    try {
      let result;
      if (chat) {
        result = await engine.chat.completions.create(params);
      } else {
        if (typeof body.prompt !== 'string') return errorResponse(400, 'prompt must be a string.', 'invalid_request_error', 'prompt');
        result = await engine.complete(body.prompt, params);
      }
      if (body.stream) {
        const includeUsage = Boolean(body.stream_options?.include_usage);
        return new Response(eventStream(/** @type {AsyncIterable<any>} */ (result), includeUsage), {
          status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
        });
      }
      return new Response(JSON.stringify(result), { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (error) {
      if (error instanceof AbortError || (error instanceof Error && error.name === 'AbortError')) throw signal ? abortReason(signal) : error;
      return responseForError(error);
    }
  };
}
