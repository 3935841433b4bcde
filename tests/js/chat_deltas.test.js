// Shaping of chat and text completions from the worker's events, without a worker: logprobs
// entries (the worker contract: one before the text of its token) land in OpenAI's
// choices[].logprobs, streamed chunk by chunk and whole; tool calls end with finish_reason
// 'tool_calls'; include_usage adds the usage-only chunk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completionShapes, runCompletion, chatLogprobSettings } from '../../js/completions.js';
import { familyByName } from '../../js/tool_calls/families.js';
import { InvalidArgumentError } from '../../js/errors.js';

const entry = (token, logprob) => ({ token, bytes: [...Buffer.from(token)], logprob, top_logprobs: [{ token, bytes: [...Buffer.from(token)], logprob }] });
const OUTCOME = { finish_reason: 'stop', prompt_tokens: 4, completion_tokens: 2, timings: {} };

/** A worker stand-in: emits logprobs then text for each token. */
const fakeStart = (tokens) => async ({ onEvent }) => {
  for (const [token, logprob] of tokens) {
    onEvent({ kind: 'logprobs', entry: entry(token, logprob) });
    onEvent({ kind: 'text', text: token });
  }
  return OUTCOME;
};

test('chat logprobs: whole and streamed carry every entry in order', async () => {
  const tokens = [['Hel', -0.5], ['lo', -0.1]];
  const whole = await runCompletion(fakeStart(tokens), completionShapes('chat', 'm', { logprobs: true }), {});
  assert.deepEqual(whole.choices[0].logprobs.content.map((e) => [e.token, e.logprob]), tokens);
  assert.equal(whole.choices[0].message.content, 'Hello');
  const chunks = [];
  for await (const c of await runCompletion(fakeStart(tokens), completionShapes('chat', 'm', { logprobs: true, includeUsage: true }), { stream: true })) chunks.push(c);
  const streamed = chunks.flatMap((c) => c.choices[0]?.logprobs?.content ?? []);
  assert.deepEqual(streamed.map((e) => [e.token, e.logprob]), tokens);
  assert.deepEqual(chunks.at(-1).choices, []);
  assert.equal(chunks.at(-1).usage.total_tokens, 6);
  assert.equal(chunks.at(-2).choices[0].finish_reason, 'stop');
});

test('text completion logprobs use the legacy shape (tokens, token_logprobs, top_logprobs, text_offset)', async () => {
  const whole = await runCompletion(fakeStart([['a', -1], ['bc', -2]]), completionShapes('text', 'm', { logprobs: true }), {});
  assert.deepEqual(whole.choices[0].logprobs, { tokens: ['a', 'bc'], token_logprobs: [-1, -2], top_logprobs: [{ a: -1 }, { bc: -2 }], text_offset: [0, 1] });
});

test("a tool call reply ends with finish_reason 'tool_calls' and a tool_calls delta", async () => {
  const reply = { family: familyByName('hermes'), toolNames: new Set(['f']), parseReasoning: true, startsInsideReasoning: false };
  const tokens = [['<tool_call>', 0], ['\n{"name": "f", ', 0], ['"arguments": {}}\n</tool_call>', 0]];
  const chunks = [];
  for await (const c of await runCompletion(fakeStart(tokens), completionShapes('chat', 'm', { reply }), { stream: true })) chunks.push(c);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  const calls = chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? []);
  // OpenAI's order: the call's id, type and name with empty arguments, then its arguments.
  assert.deepEqual(calls.map((c) => [c.index, c.type, c.function.name, c.function.arguments]), [[0, 'function', 'f', ''], [0, undefined, undefined, '{}']]);
  assert.match(calls[0].id, /^call_/);
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'tool_calls');
  assert.ok(chunks.every((c) => !c.choices[0].delta.content));
});

test('logprobs settings: top_logprobs 0..20 and only with logprobs', () => {
  assert.deepEqual(chatLogprobSettings({ logprobs: true, top_logprobs: 20 }), { logprobs: true, top_logprobs: 20 });
  assert.throws(() => chatLogprobSettings({ logprobs: true, top_logprobs: 21 }), (e) => e instanceof InvalidArgumentError && /top_logprobs/.test(e.message));
  assert.throws(() => chatLogprobSettings({ top_logprobs: 2 }), /top_logprobs needs logprobs/);
  assert.throws(() => chatLogprobSettings({ logprobs: 'yes' }), /logprobs must be a boolean/);
});

test('text completion logprobs: the legacy integer (0..5) or true with top_logprobs (0..20)', async () => {
  const { textLogprobSettings } = await import('../../js/completions.js');
  assert.deepEqual(textLogprobSettings({ logprobs: 3 }), { logprobs: true, top_logprobs: 3 });
  assert.deepEqual(textLogprobSettings({ logprobs: true, top_logprobs: 20 }), { logprobs: true, top_logprobs: 20 });
  assert.deepEqual(textLogprobSettings({}), { logprobs: false, top_logprobs: 0 });
  assert.throws(() => textLogprobSettings({ logprobs: 6 }), /logprobs must be an integer from 0 to 5/);
  assert.throws(() => textLogprobSettings({ logprobs: true, top_logprobs: 21 }), /top_logprobs/);
});
