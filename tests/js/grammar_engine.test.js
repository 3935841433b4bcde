// Grammars and logprobs through the JS Engine on the real wasm module (dist/wasm) with the
// lexi-28m chat model: an invalid grammar is an InvalidArgumentError naming `grammar` and the
// line:column, and the engine stays usable; constrained output follows the grammar; the
// worker's generate request emits a logprobs entry before the text of each token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, InvalidArgumentError } from '../../js/index.js';
import { FIXTURES_DIR, needsModels, sharedPath } from './helpers/fixtures.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const MODEL = sharedPath('models/lexi-28m-chat-f16.gguf');
const QUESTION = [{ role: 'user', content: 'What is a river?' }];

/** @type {Engine} */
let engine;
before(async () => {
  if (needsModels) return;
  assert.ok(existsSync(resolve(root, 'dist/wasm/webgguf-st-node.cjs')), 'dist/wasm is not built (npm run build)');
  engine = await Engine.create({ threads: 1 });
  await engine.load(MODEL, { cache: false, n_ctx: 512 });
});
after(async () => { await engine?.terminate(); });

test('an unparsable grammar is an InvalidArgumentError naming grammar and line:column; the engine stays usable', { skip: needsModels }, async () => {
  const before = await engine.complete('The river', { temperature: 0, max_tokens: 12 });
  await assert.rejects(
    engine.complete('The river', { temperature: 0, max_tokens: 12, grammar: 'root ::= "a"\nitem ::= [a-' }),
    (error) => error instanceof InvalidArgumentError && /grammar error at 2:13: unexpected end of input/.test(error.message));
  await assert.rejects(engine.complete('The river', { temperature: 0, grammar: 'root ::= root "x"' }),
    (error) => error instanceof InvalidArgumentError && /grammar error: rule 'root' is left-recursive/.test(error.message));
  await assert.rejects(engine.complete('The river', { grammar: 42 }),
    (error) => error instanceof InvalidArgumentError && /grammar must be a string/.test(error.message));
  await assert.rejects(engine.complete('The river', { logprobs: true, top_logprobs: 21 }),
    (error) => error instanceof InvalidArgumentError && /top_logprobs/.test(error.message));
  const again = await engine.complete('The river', { temperature: 0, max_tokens: 12 });
  assert.equal(again.choices[0].text, before.choices[0].text);
});

test('constrained output follows the grammar and ends where it may', { skip: needsModels }, async () => {
  const grammar = 'root ::= "{\\"answer\\": \\"" [a-z ]{1,24} "\\"}"';
  const result = await engine.complete('<|im_start|>user\nWhat is a river?<|im_end|>\n<|im_start|>assistant\n',
    { temperature: 0, max_tokens: 64, grammar });
  assert.equal(result.choices[0].finish_reason, 'stop');
  const parsed = JSON.parse(result.choices[0].text);
  assert.match(parsed.answer, /^[a-z ]{1,24}$/);
  // Sampling with a seed under a grammar stays inside it too.
  const sampled = await engine.complete('The river', { temperature: 1, seed: 3, max_tokens: 64, grammar });
  assert.match(sampled.choices[0].text, /^\{"answer": "[a-z ]{1,24}"\}$/);
  // The chat answer without a grammar is unchanged afterwards.
  const chat = await engine.chat.completions.create({ messages: QUESTION, temperature: 0, max_tokens: 8 });
  assert.match(chat.choices[0].message.content, /^A river is/);
});

test('the worker emits a logprobs entry before the text of each token', { skip: needsModels }, async () => {
  const events = [];
  const outcome = await engine.client.request('generate', {
    prompt: 'The river', addSpecial: true, max_tokens: 16, stop: [], logprobs: true, top_logprobs: 3,
    sampling: { temperature: 0, top_k: 40, top_p: 0.95, min_p: 0.05, repeat_penalty: 1, repeat_last_n: 64,
                frequency_penalty: 0, presence_penalty: 0, seed: 1 },
  }, { onEvent: (event) => events.push(event) });
  const entries = events.filter((e) => e.kind === 'logprobs').map((e) => e.entry);
  assert.equal(entries.length, outcome.completion_tokens);
  let text = '';
  let bytes = [];
  for (const event of events) {
    if (event.kind === 'logprobs') bytes = bytes.concat(event.entry.bytes);
    if (event.kind === 'text') {
      text += event.text;
      assert.ok(Buffer.from(bytes).toString('utf8').startsWith(text));
    }
  }
  for (const entry of entries) {
    assert.equal(entry.token, Buffer.from(entry.bytes).toString('utf8'));
    assert.equal(entry.top_logprobs.length, 3);
    assert.equal(entry.top_logprobs[0].token, entry.token);  // greedy: the most likely token
    assert.ok(Math.abs(entry.top_logprobs[0].logprob - entry.logprob) < 1e-6);
    assert.ok(entry.top_logprobs[0].logprob >= entry.top_logprobs[1].logprob);
    assert.ok(entry.top_logprobs[2].logprob <= 0);
  }
  // Without logprobs there are no such events.
  const plain = [];
  await engine.client.request('generate', {
    prompt: 'The river', addSpecial: true, max_tokens: 4, stop: [],
    sampling: { temperature: 0, top_k: 40, top_p: 0.95, min_p: 0.05, repeat_penalty: 1, repeat_last_n: 64,
                frequency_penalty: 0, presence_penalty: 0, seed: 1 },
  }, { onEvent: (event) => plain.push(event) });
  assert.ok(plain.every((e) => e.kind === 'text'));
});
