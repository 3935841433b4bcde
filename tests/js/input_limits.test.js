// Input limits on the real wasm module (README "Limits"): empty prompts and conversations, a
// prompt longer than the context, lone surrogates and bytes instead of text, unknown roles and a
// template that raises. Each is a named error or the documented behaviour, and the engine keeps
// answering. A missing or stale wasm build fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, ChatTemplateError, ContextFullError, InvalidArgumentError } from '../../js/index.js';
import { ChatTemplate } from '../../js/chat_template.js';
import { ROOT, wasmModulePath } from './helpers/fixtures.js';

wasmModulePath('webgguf-st-node.cjs');
const MODEL = `${ROOT}web/models/lexi-28m-chat-Q4_K_M.gguf`;
const N_CTX = 64;
const GREEDY = { temperature: 0, max_tokens: 4 };

/** @type {Engine} */
let engine;
let expected = '';
const ask = async (/** @type {any[]} */ messages) => (await engine.chat.completions.create({ messages, ...GREEDY })).choices[0].message.content;

before(async () => {
  engine = await Engine.create({ threads: 1 });
  await engine.load(MODEL, { cache: false, n_ctx: N_CTX });
  expected = await ask([{ role: 'user', content: 'What is a river?' }]);
  assert.ok(expected.length > 0);
});
after(async () => { await engine?.terminate(); });

test('an empty prompt or conversation is InvalidArgumentError; an empty message content is a valid turn', async () => {
  assert.equal((await engine.info()).add_bos, false, 'lexi adds no BOS, so an empty prompt has no tokens');
  await assert.rejects(engine.complete('', GREEDY), (e) => e instanceof InvalidArgumentError && /no tokens/.test(e.message));
  await assert.rejects(engine.chat.completions.create({ messages: [], ...GREEDY }), InvalidArgumentError);
  await assert.rejects(engine.chat.completions.create({ ...GREEDY }), InvalidArgumentError);
  const result = await engine.chat.completions.create({ messages: [{ role: 'user', content: '' }], ...GREEDY });
  assert.equal(result.usage.completion_tokens, GREEDY.max_tokens);
  assert.equal(await ask([{ role: 'user', content: 'What is a river?' }]), expected);
});

test('without context shift a prompt longer than the context is ContextFullError with both numbers; nothing is evaluated', async () => {
  const long = 'river '.repeat(N_CTX * 2);
  const tokens = (await engine.tokenize(long)).length;
  await assert.rejects(engine.complete(long, GREEDY),
    (e) => e instanceof ContextFullError && e.message.includes(`${tokens} tokens`) && e.message.includes(`holds ${N_CTX}`));
  await assert.rejects(engine.chat.completions.create({ messages: [{ role: 'user', content: long }], ...GREEDY, context_shift: false }),
                       ContextFullError);
  const again = await engine.chat.completions.create({ messages: [{ role: 'user', content: 'What is a river?' }], ...GREEDY });
  assert.equal(again.choices[0].message.content, expected);
  assert.equal(again.timings.prompt_reused, again.usage.prompt_tokens - 1, 'the refused prompt left the cached conversation alone');
});

test('lone surrogates become U+FFFD (as TextEncoder does) without eating the next character', async () => {
  const replaced = await engine.tokenize('a\uFFFDb');
  assert.deepEqual(await engine.tokenize('a\uD800b'), replaced);
  assert.deepEqual(await engine.tokenize('a\uDC00b'), replaced);
  assert.deepEqual(await engine.tokenize('a\uFFFD'), await engine.tokenize('a\uD83D'));
  assert.deepEqual(await engine.tokenize('🙂'), await engine.tokenize('\uD83D\uDE42'), 'a surrogate pair is one character');
  assert.equal(await engine.detokenize(replaced), 'a\uFFFDb');
  const result = await engine.chat.completions.create({ messages: [{ role: 'user', content: 'x\uDBFF' }], stop: ['\uD800'], ...GREEDY });
  assert.equal(result.usage.completion_tokens, GREEDY.max_tokens);
  assert.equal(await ask([{ role: 'user', content: 'What is a river?' }]), expected);
});

test('prompts must be strings: bytes (valid or not) are InvalidArgumentError', async () => {
  const bytes = new Uint8Array([0x66, 0xff, 0xfe, 0x80]);
  await assert.rejects(engine.complete(/** @type {any} */ (bytes), GREEDY), InvalidArgumentError);
  await assert.rejects(engine.tokenize(/** @type {any} */ (bytes)), InvalidArgumentError);
  await assert.rejects(ask([{ role: 'user', content: bytes }]), InvalidArgumentError);
  // The documented way: decode first; invalid bytes become U+FFFD.
  assert.deepEqual(await engine.tokenize(new TextDecoder().decode(bytes)), await engine.tokenize('f\uFFFD\uFFFD\uFFFD'));
});

test('unknown roles go to the template as they are; a template that raises is ChatTemplateError with its message', async () => {
  // lexi's ChatML template prints any role.
  const odd = await engine.chat.completions.create({ messages: [{ role: 'narrator', content: 'Once upon a time' }], ...GREEDY });
  assert.equal(odd.usage.prompt_tokens, (await engine.tokenize('<|im_start|>narrator\nOnce upon a time<|im_end|>\n<|im_start|>assistant\n', { parseSpecial: true })).length);
  await assert.rejects(ask([{ content: 'no role' }]), InvalidArgumentError);
  // Content as OpenAI's text parts is the same turn as their joined text; other parts are refused.
  assert.equal(await ask([{ role: 'user', content: [{ type: 'text', text: 'What is ' }, { type: 'text', text: 'a river?' }] }]), expected);
  await assert.rejects(ask([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }]), InvalidArgumentError);
  const strict = new ChatTemplate("{% for m in messages %}{% if m.role not in ['user', 'assistant'] %}"
    + "{{ raise_exception('Unknown role: ' + m.role) }}{% endif %}{{ m.content }}{% endfor %}");
  assert.throws(() => strict.render([{ role: 'narrator', content: 'x' }]),
    (e) => e instanceof ChatTemplateError && /Unknown role: narrator/.test(e.message));
  assert.equal(await ask([{ role: 'user', content: 'What is a river?' }]), expected);
});
