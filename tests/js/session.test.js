// Saved sessions on the wasm engine (issue 18): engine.saveSession() in one Engine and
// engine.loadSession() in another (a reloaded page's) continue a chat token for token as the
// first one does, evaluating only the new turn; on a sliding-window model (gemma3 synth
// tiny-deep) whose rings have wrapped too. Sessions that do not fit are InvalidSessionError
// naming the problem, and the engine keeps its conversation and answers on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, InvalidArgumentError, InvalidSessionError } from '../../js/index.js';
import { FIXTURES_DIR, needsModels } from './helpers/fixtures.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const CHAT_MODEL = join(FIXTURES_DIR, 'models/lexi-28m-chat-f16.gguf');
const BASE_MODEL = join(FIXTURES_DIR, 'models/lexi-28m-f16.gguf');
const bin = process.env.WEBGGUF_BIN ?? join(root, 'build/native/webgguf');
const GREEDY = { temperature: 0, max_tokens: 16 };

let first;
let second;
before(async () => {
  if (needsModels) return;
  first = await Engine.create({ threads: 1 });
  second = await Engine.create({ threads: 1 });
});
after(async () => {
  await first?.terminate();
  await second?.terminate();
});

const turn1 = [{ role: 'user', content: 'What is a river?' }];

/** Both engines: turn 1 in `first`, its session restored into `second`; then turn 2 in both. */
async function continueInBoth(loadOptions) {
  await first.load(CHAT_MODEL, { cache: false, n_ctx: 512, ...loadOptions });
  const reply = await first.chat.completions.create({ messages: turn1, ...GREEDY });
  const session = await first.saveSession();
  assert.ok(session instanceof Uint8Array && session.length > 0);
  await second.load(CHAT_MODEL, { cache: false, n_ctx: 512, ...loadOptions });
  const restored = await second.loadSession(session);
  const turn2 = [...turn1, reply.choices[0].message, { role: 'user', content: 'And what is a lake?' }];
  const a = await first.chat.completions.create({ messages: turn2, ...GREEDY });
  const b = await second.chat.completions.create({ messages: turn2, ...GREEDY });
  return { restored, session, a, b };
}

test('a restored session continues the chat token for token and evaluates only the new turn', { skip: needsModels }, async () => {
  for (const options of [{}, { cache_type_k: 'q8_0', cache_type_v: 'q4_0' }]) {
    const { restored, a, b } = await continueInBoth(options);
    assert.equal(b.choices[0].message.content, a.choices[0].message.content, JSON.stringify(options));
    assert.equal(b.timings.prompt_n, a.timings.prompt_n, 'the same new tokens evaluated');
    assert.equal(b.timings.prompt_reused, a.timings.prompt_reused);
    assert.ok(b.timings.prompt_reused >= restored.n_tokens - 1 && restored.n_tokens > 10, JSON.stringify({ restored, t: b.timings }));
    assert.ok(b.timings.prompt_n < b.usage.prompt_tokens / 2, JSON.stringify(b.timings));
  }
});

test('a session from another model, other cache types, a shorter context or broken bytes is InvalidSessionError', { skip: needsModels }, async () => {
  await first.load(CHAT_MODEL, { cache: false, n_ctx: 512 });
  await first.chat.completions.create({ messages: turn1, ...GREEDY });
  const session = await first.saveSession();
  const refusals = [
    [BASE_MODEL, {}, session, /saved with another model/],
    [CHAT_MODEL, { cache_type_k: 'q8_0' }, session, /KV cache of f16 keys and f16 values; this model is loaded with q8_0 keys and f16 values/],
    [CHAT_MODEL, { n_ctx: 16 }, session, /but the context holds 16: load the model with n_ctx >= /],
    [CHAT_MODEL, {}, session.subarray(0, session.length - 100), /truncated/],
    [CHAT_MODEL, {}, session.map((v, i) => (i === 100 ? v ^ 1 : v)), /corrupt: its checksum/],
  ];
  for (const [model, options, bytes, message] of refusals) {
    await second.load(model, { cache: false, n_ctx: 512, ...options });
    const before = await second.complete('The river', { temperature: 0, max_tokens: 4 });
    await assert.rejects(second.loadSession(bytes), (e) => e instanceof InvalidSessionError && message.test(e.message), String(message));
    // The engine's own conversation is still in the cache: the same prompt evaluates one token.
    const again = await second.complete('The river', { temperature: 0, max_tokens: 4 });
    assert.equal(again.choices[0].text, before.choices[0].text);
    assert.equal(again.timings.prompt_n, 1);
  }
  await assert.rejects(second.loadSession('bytes'), InvalidArgumentError);
  // A Blob of the bytes is taken as they are.
  await second.load(CHAT_MODEL, { cache: false, n_ctx: 512 });
  const fromBlob = await second.loadSession(new Blob([session]));
  assert.equal(fromBlob.n_tokens, (await first.loadSession(session)).n_tokens);
  assert.ok(fromBlob.n_tokens > 10);
});

test('a sliding-window model whose rings wrapped restores and continues exactly', { skip: needsModels }, async () => {
  assert.ok(existsSync(bin), `${bin} is not built (scripts/build.sh native)`);
  const dir = mkdtempSync(join(tmpdir(), 'webgguf-session-'));
  try {
    const file = join(dir, 'gemma3-tiny-deep.gguf');
    execFileSync(bin, ['synth', file, '--shape', 'tiny-deep', '--arch', 'gemma3', '--stddev', '0.07', '--vocab-from', BASE_MODEL]);
    const text = readFileSync(join(FIXTURES_DIR, 'data/eval.txt'), 'utf8');
    const prompt = text.slice(0, 1400);  // ~350 tokens: past the 255-row rings of the local layers
    await first.load(file, { cache: false, n_ctx: 512 });
    const start = await first.complete(prompt, { temperature: 0, max_tokens: 8 });
    const session = await first.saveSession();
    await second.load(file, { cache: false, n_ctx: 512 });
    await second.loadSession(session);
    const next = `${prompt}${start.choices[0].text} and then`;
    const a = await first.complete(next, { temperature: 0, max_tokens: 12 });
    const b = await second.complete(next, { temperature: 0, max_tokens: 12 });
    assert.equal(b.choices[0].text, a.choices[0].text);
    assert.equal(b.timings.prompt_n, a.timings.prompt_n);
    assert.ok(b.timings.prompt_n < 10, JSON.stringify(b.timings));
    // A context shorter than the conversation is refused by name.
    await second.load(file, { cache: false, n_ctx: 200 });
    await assert.rejects(second.loadSession(session), (e) => e instanceof InvalidSessionError && /holds \d+ tokens but the context holds 200/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
