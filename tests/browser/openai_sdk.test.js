// The openai SDK and the AI SDK's openai-compatible provider in Chromium, unbundled (an import
// map of their ES modules), talking to the engine through engine.fetch: a streamed chat, a
// json_schema reply and a tool call on the fake wasm module (its model answers with a fixed
// text) and on the real wasm engine with lexi-28m-chat (grammar-constrained), and the example page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, sharedDir, startBrowser } from './harness.js';
import { importMapFor } from './import_map.js';
import { makeFakeGguf } from '../js/helpers/fake_gguf.js';

const PAGE = 'openai-sdk-test.html';
let browser;
let pageDir;
before(async () => {
  pageDir = mkdtempSync(join(tmpdir(), 'webgguf-openai-page-'));
  const importMap = importMapFor(repoRoot, ['openai', 'ai', '@ai-sdk/openai-compatible', '@huggingface/jinja'],
    { '@vercel/oidc': '/tests/browser/shims/vercel_oidc.js' });
  writeFileSync(join(pageDir, PAGE), `<!doctype html><meta charset="utf-8">
<script type="importmap">${JSON.stringify(importMap)}</script>
<script type="module">
  import OpenAI from 'openai';
  import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
  import { streamText, generateText, jsonSchema, tool, Output } from 'ai';
  import { Engine } from '/js/index.js';
  window.sdk = { OpenAI, createOpenAICompatible, streamText, generateText, jsonSchema, tool, Output, Engine };
  window.sdkReady = true;
</script>`);
  // The test page imports the SDKs' ES builds and the fake wasm module: mounted for this test only
  // (the site server serves just the site).
  browser = await startBrowser({
    extraRoots: [pageDir],
    mounts: [{ prefix: '/node_modules/', dir: join(repoRoot, 'node_modules') }, { prefix: '/tests/', dir: join(repoRoot, 'tests') }],
  });
});
after(async () => {
  await browser?.close();
  rmSync(pageDir, { recursive: true, force: true });
});

async function openPage() {
  const page = await browser.newPage();
  await page.goto(`${browser.baseUrl}/${PAGE}`);
  await page.waitForFunction(() => window.sdkReady === true);
  return page;
}

const template = readFileSync(join(repoRoot, 'tests/fixtures/chat-templates/Qwen-Qwen2.5-7B-Instruct.jinja'), 'utf8');
const fakeModel = (reply) => Array.from(makeFakeGguf({ architecture: 'qwen2', name: 'fake-qwen', reply, chat_template: template, n_ctx_train: 4096 }, 1000));

test('openai SDK and AI SDK in Chromium: chat, json_schema reply and tool call through engine.fetch', async () => {
  const page = await openPage();
  const result = await page.evaluate(async (models) => {
    const { OpenAI, createOpenAICompatible, streamText, generateText, jsonSchema, tool, Output, Engine } = window.sdk;
    const engine = await Engine.create({ threads: 1, wasmBaseUrl: new URL('/tests/js/fixtures/fake-wasm/', location.href) });
    const load = (bytes) => engine.load(new Uint8Array(bytes), { cache: false });
    const openai = new OpenAI({ apiKey: 'local', baseURL: 'http://local/v1', fetch: engine.fetch, dangerouslyAllowBrowser: true, maxRetries: 0 });
    const provider = createOpenAICompatible({ name: 'webgguf', baseURL: 'http://local/v1', fetch: engine.fetch, supportsStructuredOutputs: true });
    const person = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'] };
    const weather = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const out = {};

    await load(models.chat);
    let text = '';
    for await (const c of await openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Hi' }], stream: true })) text += c.choices[0]?.delta?.content ?? '';
    out.openaiChat = text;
    text = '';
    for await (const piece of streamText({ model: provider('x'), prompt: 'Hi' }).textStream) text += piece;
    out.aiChat = text;

    await load(models.json);
    text = '';
    const format = { type: 'json_schema', json_schema: { name: 'person', schema: person, strict: true } };
    for await (const c of await openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Who?' }], response_format: format, stream: true })) text += c.choices[0]?.delta?.content ?? '';
    out.openaiJson = JSON.parse(text);
    out.aiJson = (await generateText({ model: provider('x'), prompt: 'Who?', output: Output.object({ schema: jsonSchema(person) }) })).output;

    await load(models.tool);
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: weather } }];
    const final = await openai.chat.completions.stream({ model: 'x', messages: [{ role: 'user', content: 'Paris?' }], tools }).finalChatCompletion();
    out.openaiTool = [final.choices[0].finish_reason, final.choices[0].message.tool_calls[0].function.name, final.choices[0].message.tool_calls[0].function.arguments];
    const aiTool = streamText({ model: provider('x'), prompt: 'Paris?', tools: { get_weather: tool({ inputSchema: jsonSchema(weather) }) } });
    out.aiTool = (await aiTool.toolCalls).map((c) => [c.toolName, c.input]);

    try {
      await openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Hi' }], logprobs: true, top_logprobs: 99 });
    } catch (error) {
      out.badRequest = [error.status, error.param];
    }
    await engine.terminate();
    return out;
  }, { chat: fakeModel('A river is water.'), json: fakeModel('{"name": "Ada", "age": 36}'), tool: fakeModel('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>') });
  assert.equal(result.openaiChat, 'A river is water.');
  assert.equal(result.aiChat, 'A river is water.');
  assert.deepEqual(result.openaiJson, { name: 'Ada', age: 36 });
  assert.deepEqual(result.aiJson, { name: 'Ada', age: 36 });
  assert.deepEqual(result.openaiTool, ['tool_calls', 'get_weather', '{"city":"Paris"}']);
  assert.deepEqual(result.aiTool, [['get_weather', { city: 'Paris' }]]);
  assert.deepEqual(result.badRequest, [400, 'top_logprobs']);
  await page.close();
});

test('the openai SDK on the real wasm engine (lexi-28m-chat) in Chromium: a chat, a json_schema reply and a forced tool call', async () => {
  const page = await openPage();
  const result = await page.evaluate(async () => {
    const { OpenAI, Engine } = window.sdk;
    const engine = await Engine.create({ threads: 1 });
    await engine.load('/models/lexi-28m-chat-Q4_K_M.gguf', { cache: false });
    const openai = new OpenAI({ apiKey: 'local', baseURL: 'http://local/v1', fetch: engine.fetch, dangerouslyAllowBrowser: true });
    const messages = [{ role: 'user', content: 'What is a river?' }];
    let text = '';
    const chunks = [];
    const stream = await openai.chat.completions.create({ model: 'lexi', messages, stream: true, temperature: 0, max_tokens: 20, stream_options: { include_usage: true } });
    for await (const c of stream) { chunks.push(c); text += c.choices[0]?.delta?.content ?? ''; }
    const schema = { type: 'object', properties: { word: { type: 'string', maxLength: 30 }, letters: { type: 'integer', minimum: 1, maximum: 30 } }, required: ['word', 'letters'], additionalProperties: false };
    let json = '';
    const jsonStream = await openai.chat.completions.create({ model: 'lexi', messages, stream: true, seed: 2,
      response_format: { type: 'json_schema', json_schema: { name: 'word', schema, strict: true } } });
    for await (const c of jsonStream) json += c.choices[0]?.delta?.content ?? '';
    const tools = [{ type: 'function', function: { name: 'define', parameters: { type: 'object', properties: { word: { type: 'string', maxLength: 20 } }, required: ['word'] } } }];
    const call = await openai.chat.completions.stream({ model: 'lexi', messages, tools, tool_choice: 'required', seed: 3 }).finalChatCompletion();
    await engine.terminate();
    return {
      text, finish: chunks.at(-2).choices[0].finish_reason, usage: chunks.at(-1).usage, json,
      toolFinish: call.choices[0].finish_reason, calls: call.choices[0].message.tool_calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)]),
    };
  });
  assert.match(result.text, /^A river is a large natural stream of water/);
  assert.equal(result.finish, 'length');
  assert.equal(result.usage.completion_tokens, 20);
  const value = JSON.parse(result.json);
  assert.deepEqual(Object.keys(value).sort(), ['letters', 'word']);
  assert.ok(typeof value.word === 'string' && value.word.length <= 30 && Number.isInteger(value.letters) && value.letters >= 1 && value.letters <= 30, result.json);
  assert.equal(result.toolFinish, 'tool_calls');
  assert.ok(result.calls.length >= 1 && result.calls.every(([name, args]) => name === 'define' && typeof args.word === 'string' && args.word.length <= 20), JSON.stringify(result.calls));
  await page.close();
});

test('examples/openai-sdk: the page answers a question through the openai SDK', async () => {
  const page = await browser.newPage();
  await page.goto(`${browser.baseUrl}/examples/openai-sdk/`);
  await page.waitForFunction(() => document.getElementById('out').textContent === 'Ready.', null, { timeout: 60_000 });
  await page.click('button');
  // The page samples (temperature 0.8): any reply of a few words shows the SDK streamed it.
  await page.waitForFunction(() => document.getElementById('out').textContent.trim().split(/\s+/).length >= 5, null, { timeout: 60_000 });
  await page.close();
});
