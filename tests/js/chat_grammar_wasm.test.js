// Grammar-constrained chat on the real wasm engine (dist/wasm) with lexi-28m-chat: every schema of
// the table (tests/js/helpers/json_schemas.js) as response_format json_schema gives JSON that ajv
// validates against it; a forced tool call in every family's format parses back into calls whose
// arguments match the tool's parameters; logprobs come with every token; an unparsable grammar is
// an InvalidArgumentError (HTTP 400 through engine.fetch) and the engine stays usable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import OpenAI from 'openai';
import { Engine, InvalidArgumentError } from '../../js/index.js';
import { forcedToolCallGrammar } from '../../js/chat_request.js';
import { validToolCalls } from '../../js/chat_reply.js';
import { TOOL_CALL_FAMILIES } from '../../js/tool_calls/families.js';
import { SCHEMAS } from './helpers/json_schemas.js';

const MODULE = new URL('../../dist/wasm/webgguf-st-node.cjs', import.meta.url);
const MODEL = fileURLToPath(new URL('../../web/models/lexi-28m-chat-Q4_K_M.gguf', import.meta.url));
const ajv = new Ajv2020({ strict: false });
addFormats(ajv);
const TOOLS = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 20 }, days: { type: 'integer', minimum: 1, maximum: 7 } }, required: ['city'] } } },
  { type: 'function', function: { name: 'set_alarm', parameters: { type: 'object', properties: { time: { type: 'string', format: 'time' } }, required: ['time'], additionalProperties: false } } },
];

/** @type {Engine} */
let engine;
before(async () => {
  assert.ok(existsSync(MODULE), `${fileURLToPath(MODULE)} is missing: run \`npm run build\``);
  engine = await Engine.create({ threads: 1 });
  await engine.load(MODEL, { cache: false, n_ctx: 2048 });
});
after(async () => { await engine?.terminate(); });

// The grammar bounds everything but free strings, where a 28M model may ramble until max_tokens:
// such a reply is a prefix, not a finished JSON, and the schema gets another seed (at most 4).
const ATTEMPTS = 4;

test(`${SCHEMAS.length} schemas: every finished reply under response_format json_schema validates with ajv`, async (t) => {
  const failures = [];
  let truncated = 0;
  for (const [i, { name, schema }] of SCHEMAS.entries()) {
    let finished = false;
    for (let attempt = 0; attempt < ATTEMPTS && !finished; attempt++) {
      const result = await engine.chat.completions.create({
        messages: [{ role: 'user', content: `Give me an example of ${name} as JSON.` }],
        response_format: { type: 'json_schema', json_schema: { name: 'example', schema } },
        temperature: 0.7, seed: 1000 + 100 * attempt + i, max_tokens: 400,
      });
      const text = result.choices[0].message.content;
      if (result.choices[0].finish_reason === 'length') { truncated++; continue; }
      finished = true;
      let value;
      try { value = JSON.parse(text); } catch { failures.push(`${name}: not JSON: ${text}`); continue; }
      if (!ajv.validate(schema, value)) failures.push(`${name}: ${text} fails: ${ajv.errorsText()}`);
    }
    if (!finished) failures.push(`${name}: ${ATTEMPTS} replies reached max_tokens`);
  }
  t.diagnostic(`${truncated} replies reached max_tokens inside a free string and were retried with another seed`);
  assert.deepEqual(failures, []);
});

test("json_object and a hand-written GBNF grammar constrain the reply", async () => {
  const object = await engine.chat.completions.create({ messages: [{ role: 'user', content: 'A JSON object, please.' }], response_format: { type: 'json_object' }, seed: 3, max_tokens: 300 });
  const parsed = JSON.parse(object.choices[0].message.content);
  assert.equal(typeof parsed, 'object');
  assert.ok(parsed !== null && !Array.isArray(parsed));
  const yesNo = await engine.chat.completions.create({ messages: [{ role: 'user', content: 'Is water wet?' }], grammar: 'root ::= ("yes" | "no") "."', seed: 4 });
  assert.match(yesNo.choices[0].message.content, /^(yes|no)\.$/);
});

for (const family of TOOL_CALL_FAMILIES) {
  test(`${family.name}: a forced tool call's grammar gives calls that parse and match the parameters`, async () => {
    for (const parallel of [false, true]) {
      const grammar = forcedToolCallGrammar(family, TOOLS, parallel);
      const result = await engine.complete('Call a function for the user.\n', { grammar, temperature: 0.8, seed: parallel ? 11 : 12, max_tokens: 300 });
      const text = result.choices[0].text;
      assert.equal(result.choices[0].finish_reason, 'stop', text);
      const parsed = family.parse(text);
      assert.ok(parsed, `${family.name} reads its own forced format: ${text}`);
      const calls = validToolCalls(parsed.calls, new Set(TOOLS.map((t) => t.function.name)), family.idPattern);
      assert.ok(calls && calls.length >= 1 && (parallel || calls.length === 1), text);
      for (const call of calls) {
        const tool = TOOLS.find((t) => t.function.name === call.function.name);
        assert.ok(ajv.validate(tool.function.parameters, JSON.parse(call.function.arguments)), `${text}: ${ajv.errorsText()}`);
      }
    }
  });
}

test("tool_choice 'required' and a named function through the chat API and the openai SDK", async () => {
  const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
  const required = await engine.chat.completions.create({ messages, tools: TOOLS, tool_choice: 'required', seed: 5, max_tokens: 300 });
  assert.equal(required.choices[0].finish_reason, 'tool_calls');
  assert.ok(required.choices[0].message.tool_calls.length >= 1);
  const openai = new OpenAI({ apiKey: 'local', baseURL: 'http://local/v1', fetch: engine.fetch, maxRetries: 0 });
  const named = await openai.chat.completions.stream({
    model: 'lexi', messages, tools: TOOLS, tool_choice: { type: 'function', function: { name: 'set_alarm' } }, seed: 6, max_tokens: 300,
  }).finalChatCompletion();
  const calls = named.choices[0].message.tool_calls;
  assert.equal(named.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(calls.map((c) => c.function.name), ['set_alarm']);
  assert.ok(ajv.validate(TOOLS[1].function.parameters, JSON.parse(calls[0].function.arguments)), calls[0].function.arguments);
  const person = SCHEMAS.find((s) => s.name === 'tool parameters (weather)').schema;
  let text = '';
  const stream = await openai.chat.completions.create({ model: 'lexi', messages, stream: true, seed: 7, max_tokens: 300,
    response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: person, strict: true } } });
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.ok(ajv.validate(person, JSON.parse(text)), text);
});

test('logprobs: one entry per generated token, with top_logprobs alternatives', async () => {
  const result = await engine.chat.completions.create({ messages: [{ role: 'user', content: 'What is a river?' }], temperature: 0, max_tokens: 12, logprobs: true, top_logprobs: 3 });
  const entries = result.choices[0].logprobs.content;
  assert.equal(entries.length, result.usage.completion_tokens);
  assert.equal(entries.map((e) => e.token).join(''), result.choices[0].message.content);
  for (const entry of entries) {
    assert.equal(entry.top_logprobs.length, 3);
    assert.ok(entry.logprob <= 0);
    // Greedy: the sampled token is the most likely one.
    assert.equal(entry.top_logprobs[0].token, entry.token);
  }
});

test('an unparsable grammar is an InvalidArgumentError naming grammar (HTTP 400 through fetch); the engine stays usable', async () => {
  const messages = [{ role: 'user', content: 'What is a river?' }];
  await assert.rejects(engine.chat.completions.create({ messages, grammar: 'root ::= "unclosed' }), (e) => e instanceof InvalidArgumentError && /grammar/.test(e.message));
  const response = await engine.fetch('http://local/v1/chat/completions', { method: 'POST', body: JSON.stringify({ messages, grammar: 'root ::= missing-rule' }) });
  assert.equal(response.status, 400);
  assert.match((await response.json()).error.message, /grammar/);
  const ok = await engine.chat.completions.create({ messages, temperature: 0, max_tokens: 8 });
  assert.match(ok.choices[0].message.content, /^A river/);
});
