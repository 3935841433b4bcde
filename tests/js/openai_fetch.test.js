// engine.fetch serves OpenAI's HTTP API: the official openai SDK and the AI SDK's
// openai-compatible provider run unchanged against it (a chat, a json_schema reply and a tool
// call, streamed and whole), bad requests get OpenAI's error bodies with status 400 naming the
// field, and the engine stays usable. The engine runs on the fake wasm module (its model replies
// with a fixed text); grammar-constrained generation on the real engine: chat_grammar_wasm.test.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamText, generateText, jsonSchema, tool, Output } from 'ai';
import Ajv from 'ajv';
import { Engine, InvalidArgumentError } from '../../js/index.js';
import * as fakeGguf from './helpers/fake_gguf.js';
import { vendoredPath } from './helpers/fixtures.js';

const { makeFakeGguf } = fakeGguf;
const FAKE_WASM = new URL('./fixtures/fake-wasm/', import.meta.url);
const QWEN_TEMPLATE = vendoredPath('chat-templates/Qwen-Qwen2.5-7B-Instruct.jinja');
const REPLY = 'A river is a large natural stream of water.';
const PERSON = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0, maximum: 150 } }, required: ['name', 'age'], additionalProperties: false };
const WEATHER_TOOL = { type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const TOOL_REPLY = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';

let dir;
let engine;
let template;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'webgguf-openai-'));
  template = await readFile(QWEN_TEMPLATE, 'utf8');
  engine = await Engine.create({ threads: 1, wasmBaseUrl: FAKE_WASM });
});
after(async () => { await engine.terminate(); await rm(dir, { recursive: true, force: true }); });

/** @param {string} reply */
async function loadReplying(reply) {
  await engine.load(makeFakeGguf({ architecture: 'qwen2', name: 'fake-qwen', reply, chat_template: template, n_ctx_train: 4096 }, 1000), { cache: false });
}

const client = () => new OpenAI({ apiKey: 'local', baseURL: 'http://webgguf.local/v1', fetch: engine.fetch, maxRetries: 0 });

test('openai SDK: a streamed chat, with include_usage; a whole one; the models list', async () => {
  await loadReplying(REPLY);
  const stream = await client().chat.completions.create({
    model: 'any', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is ' }, { type: 'text', text: 'a river?' }] }],
    stream: true, stream_options: { include_usage: true }, max_completion_tokens: 100,
  });
  let text = '';
  const chunks = [];
  for await (const chunk of stream) { chunks.push(chunk); text += chunk.choices[0]?.delta?.content ?? ''; }
  assert.equal(text, REPLY);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.equal(chunks.at(-2).choices[0].finish_reason, 'stop');
  assert.deepEqual(chunks.at(-1).choices, []);
  assert.equal(chunks.at(-1).usage.completion_tokens, REPLY.length);
  const whole = await client().chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5 });
  assert.equal(whole.choices[0].message.content, REPLY.slice(0, 5));
  assert.equal(whole.choices[0].finish_reason, 'length');
  const models = await client().models.list();
  assert.deepEqual(models.data.map((m) => m.id), ['fake-qwen']);
  const completion = await client().completions.create({ model: 'any', prompt: 'Once', max_tokens: 3 });
  assert.equal(completion.choices[0].text, REPLY.slice(0, 3));
});

test('openai SDK: a json_schema reply parses and validates with ajv', async () => {
  const person = { name: 'Ada', age: 36 };
  await loadReplying(JSON.stringify(person));
  const format = { type: 'json_schema', json_schema: { name: 'person', schema: PERSON, strict: true } };
  const stream = await client().chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'Who?' }], response_format: format, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  const validate = new Ajv().compile(PERSON);
  assert.ok(validate(JSON.parse(text)), JSON.stringify(validate.errors));
  const parsed = await client().chat.completions.parse({ model: 'any', messages: [{ role: 'user', content: 'Who?' }], response_format: format });
  assert.deepEqual(parsed.choices[0].message.parsed, person);
});

test('openai SDK: a tool call (Qwen 2.5 template, Hermes format), streamed and whole, then the tool result turn', async () => {
  await loadReplying(TOOL_REPLY);
  const messages = [{ role: 'user', content: 'Weather in Paris?' }];
  const whole = await client().chat.completions.create({ model: 'any', messages, tools: [WEATHER_TOOL] });
  const call = whole.choices[0].message.tool_calls[0];
  assert.equal(whole.choices[0].finish_reason, 'tool_calls');
  assert.equal(whole.choices[0].message.content, null);
  assert.deepEqual([call.type, call.function.name, JSON.parse(call.function.arguments)], ['function', 'get_weather', { city: 'Paris' }]);

  const runner = client().chat.completions.stream({ model: 'any', messages, tools: [WEATHER_TOOL], tool_choice: 'auto' });
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].finish_reason, 'tool_calls');
  assert.equal(final.choices[0].message.tool_calls[0].function.name, 'get_weather');
  assert.deepEqual(JSON.parse(final.choices[0].message.tool_calls[0].function.arguments), { city: 'Paris' });

  const followUp = [...messages, whole.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '{"temp": 21}' }];
  const next = await client().chat.completions.create({ model: 'any', messages: followUp, tools: [WEATHER_TOOL] });
  assert.equal(next.choices[0].finish_reason, 'tool_calls');
});

test('AI SDK openai-compatible provider: streamText of a chat and a tool call; generateText with a JSON schema output', async () => {
  const provider = createOpenAICompatible({ name: 'webgguf', baseURL: 'http://webgguf.local/v1', fetch: engine.fetch, supportsStructuredOutputs: true });
  await loadReplying(REPLY);
  const chat = streamText({ model: provider('fake'), prompt: 'What is a river?' });
  let text = '';
  for await (const piece of chat.textStream) text += piece;
  assert.equal(text, REPLY);

  await loadReplying(TOOL_REPLY);
  const withTool = streamText({
    model: provider('fake'), prompt: 'Weather in Paris?',
    tools: { get_weather: tool({ description: 'Weather of a city', inputSchema: jsonSchema(WEATHER_TOOL.function.parameters) }) },
  });
  const calls = await withTool.toolCalls;
  assert.deepEqual(calls.map((c) => [c.toolName, c.input]), [['get_weather', { city: 'Paris' }]]);
  assert.equal(await withTool.finishReason, 'tool-calls');

  await loadReplying('{"name": "Ada", "age": 36}');
  const structured = await generateText({ model: provider('fake'), prompt: 'Who?', output: Output.object({ schema: jsonSchema(PERSON) }) });
  assert.deepEqual(structured.output, { name: 'Ada', age: 36 });
});

test('bad requests: HTTP 400 with OpenAI error bodies naming the field; aborts; the engine stays usable', async () => {
  await loadReplying(REPLY);
  const post = (body) => engine.fetch('http://x/v1/chat/completions', { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }) });
  const cases = [
    [{ grammar: 'root ::= ' }, null],
    [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'string', format: 'email' } } } }, 'response_format'],
    [{ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'strange' } } } } }] }, 'tools[0].function.parameters'],
    [{ tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'launch' } } }, 'tool_choice'],
    [{ logprobs: true, top_logprobs: 21 }, 'top_logprobs'],
    [{ max_completion_tokens: 0 }, 'max_completion_tokens'],
    [{ messages: [] }, 'messages'],
  ];
  for (const [body, param] of cases) {
    const response = await post(body);
    const text = await response.text();
    if (param === null) { assert.ok([200, 400].includes(response.status)); continue; }
    assert.equal(response.status, 400, `${JSON.stringify(body)}: ${text}`);
    const { error } = JSON.parse(text);
    assert.equal(error.type, 'invalid_request_error');
    assert.ok(error.param.startsWith(param), error.message);
    assert.ok(error.message.includes(param));
  }
  await assert.rejects(client().chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'x' }], logprobs: true, top_logprobs: 25 }),
    (error) => error instanceof OpenAI.BadRequestError && error.status === 400 && error.param === 'top_logprobs');
  assert.equal((await engine.fetch('http://x/v1/nothing')).status, 404);
  assert.equal((await engine.fetch('http://x/v1/chat/completions')).status, 405);
  assert.equal((await engine.fetch('http://x/v1/chat/completions', { method: 'POST', body: '{oops' })).status, 400);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(engine.fetch('http://x/v1/chat/completions', { method: 'POST', body: '{}', signal: controller.signal }), (e) => e.name === 'AbortError');
  const ok = await client().chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(ok.choices[0].message.content, REPLY);
});

test('an AbortSignal stops a streamed reply mid-way (the reader fails with AbortError); the engine answers next', async () => {
  await engine.load(makeFakeGguf({ architecture: 'qwen2', reply: REPLY, chat_template: template, n_ctx_train: 4096, step_ms: 15 }, 1000), { cache: false });
  const controller = new AbortController();
  const response = await engine.fetch('http://x/v1/chat/completions', {
    method: 'POST', signal: controller.signal, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }),
  });
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const reader = response.body.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /^data: \{"id":"chatcmpl-/);
  controller.abort();
  await assert.rejects((async () => { for (;;) if ((await reader.read()).done) return; })(), (e) => e.name === 'AbortError');
  await loadReplying(REPLY);
  assert.equal((await client().chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'hi' }] })).choices[0].message.content, REPLY);
});

test('the same bad requests through the engine API are InvalidArgumentErrors naming the field', async () => {
  await loadReplying(REPLY);
  const messages = [{ role: 'user', content: 'hi' }];
  const cases = [
    [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'string', pattern: '^(?!x)$' } } } }, /response_format.*pattern/],
    [{ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { not: {} } } } } }] }, /tools\[0\]\.function\.parameters.*'not'/],
    [{ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'function', function: { name: 'g' } } }, /tool_choice names the function 'g'/],
    [{ logprobs: true, top_logprobs: 21 }, /top_logprobs/],
    [{ grammar: 42 }, /grammar/],
    [{ grammar: 'root ::= "a"', response_format: { type: 'json_object' } }, /grammar and response_format/],
  ];
  for (const [body, pattern] of cases) {
    await assert.rejects(engine.chat.completions.create({ messages, ...body }), (e) => e instanceof InvalidArgumentError && pattern.test(e.message), JSON.stringify(body));
  }
  assert.equal((await engine.chat.completions.create({ messages })).choices[0].message.content, REPLY);
});

test('a reasoning model (Qwen3 template): reasoning_content streams apart from content; reasoning_format none keeps it inline', async () => {
  const qwen3 = await readFile(vendoredPath('chat-templates/Qwen-Qwen3-0.6B.jinja'), 'utf8');
  const reply = '<think>\nA river is flowing water.\n</think>\n\nA stream of water.';
  await engine.load(makeFakeGguf({ architecture: 'qwen2', name: 'fake-qwen3', reply, chat_template: qwen3, n_ctx_train: 4096 }, 1000), { cache: false });
  const response = await engine.fetch('http://x/v1/chat/completions', { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'River?' }], stream: true }) });
  const events = (await response.text()).split('\n\n').filter(Boolean);
  assert.equal(events.at(-1), 'data: [DONE]');
  const deltas = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)).choices[0].delta);
  assert.equal(deltas.map((d) => d.reasoning_content ?? '').join(''), 'A river is flowing water.');
  assert.equal(deltas.map((d) => d.content ?? '').join(''), 'A stream of water.');
  assert.ok(deltas.findIndex((d) => d.content) > deltas.findLastIndex((d) => d.reasoning_content), 'reasoning streams before the answer');
  const whole = await client().chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'River?' }] });
  assert.deepEqual([whole.choices[0].message.reasoning_content, whole.choices[0].message.content], ['A river is flowing water.', 'A stream of water.']);
  const inline = await client().chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'River?' }], reasoning_format: 'none' });
  assert.equal(inline.choices[0].message.content, reply);
});
