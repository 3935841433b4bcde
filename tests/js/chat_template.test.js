// Chat templates: the real templates of popular models render a conversation; ChatML is exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { ChatTemplate, CHATML_TEMPLATE } from '../../js/chat_template.js';
import { ChatTemplateError, InvalidArgumentError } from '../../js/errors.js';
import { vendoredPath } from './helpers/fixtures.js';

const TEMPLATES = vendoredPath('chat-templates/');
const CONVERSATION = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello!' },
  { role: 'user', content: 'What is a river?' },
];

test('every fixture template renders a system + 2-turn conversation ending with the assistant opener', () => {
  const names = readdirSync(TEMPLATES).filter((name) => name.endsWith('.jinja'));
  assert.ok(names.length >= 10);
  for (const name of names) {
    const template = new ChatTemplate(readFileSync(TEMPLATES + name, 'utf8'), { bos_token: '<BOS>', eos_token: '<EOS>' });
    const prompt = template.render(CONVERSATION);
    for (const text of ['Hi', 'Hello!', 'What is a river?', 'You are terse.']) assert.ok(prompt.includes(text), `${name}: ${text}`);
    assert.ok(prompt.indexOf('Hi') < prompt.indexOf('Hello!') && prompt.indexOf('Hello!') < prompt.lastIndexOf('What is a river?'), name);
    assert.ok(!prompt.trimEnd().endsWith('What is a river?'), `${name}: generation prompt appended`);
  }
});

test('ChatML (models without a template) renders exactly', () => {
  const template = new ChatTemplate(undefined);
  assert.equal(template.isDefault, true);
  assert.equal(template.source, CHATML_TEMPLATE);
  assert.equal(template.render(CONVERSATION),
    '<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n'
    + '<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nWhat is a river?<|im_end|>\n<|im_start|>assistant\n');
  assert.equal(template.render([{ role: 'user', content: 'What is a river?' }]),
    '<|im_start|>user\nWhat is a river?<|im_end|>\n<|im_start|>assistant\n');
});

test('bos_token comes from the model; Gemma gets its system prompt folded into the first user turn', () => {
  const gemma = new ChatTemplate(readFileSync(`${TEMPLATES}google-gemma-2-2b-it.jinja`, 'utf8'), { bos_token: '<bos>' });
  assert.equal(gemma.render(CONVERSATION.slice(0, 2)),
    '<bos><start_of_turn>user\nYou are terse.\n\nHi<end_of_turn>\n<start_of_turn>model\n');
});

test('a template that raises, or does not parse, gives a ChatTemplateError; bad messages are rejected', () => {
  const gemma = new ChatTemplate(readFileSync(`${TEMPLATES}google-gemma-2-2b-it.jinja`, 'utf8'));
  assert.throws(() => gemma.render([{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }]),
    (e) => e instanceof ChatTemplateError && /alternate/.test(e.message));
  assert.throws(() => new ChatTemplate('{% for x in %}'), ChatTemplateError);
  assert.throws(() => gemma.render([]), InvalidArgumentError);
  assert.throws(() => gemma.render([{ role: 'user' }]), InvalidArgumentError);
});
