// Chat-template fuzz: seeded random conversations (roles, contents with special-token text, Jinja
// syntax, unicode, lone surrogates, empty and long strings) through every fixture template and
// ChatML. A render returns a string or throws ChatTemplateError/InvalidArgumentError, never
// anything else; a well-formed conversation (optional system, then alternating user/assistant
// ending with user) always renders and contains its last question. WEBGGUF_FUZZ_SEED replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { ChatTemplate } from '../../js/chat_template.js';
import { ChatTemplateError, InvalidArgumentError } from '../../js/errors.js';
import { seededRandom } from './helpers/seeded_random.js';
import { vendoredPath } from './helpers/fixtures.js';

const TEMPLATES = vendoredPath('chat-templates/');
const ITERATIONS_PER_TEMPLATE = 150;
const SEED = Number(process.env.WEBGGUF_FUZZ_SEED ?? 9);
const ROLES = ['user', 'assistant', 'system', 'tool', 'narrator', '', 'User', '<|im_start|>'];
const PIECES = [
  'hello', ' ', '\n', '<|im_start|>', '<|im_end|>', '<|eot_id|>', '<start_of_turn>', '[INST]', '</s>', '<think>', '</think>',
  '{{ x }}', '{% if %}', '{#', "'", '"', '\\', 'é', '日本語', '🙂', '\u200d', '\uD800', '\uDFFF', '\u0000', 'x'.repeat(300),
];

/** @param {() => number} random @param {readonly any[]} list */
const pick = (random, list) => list[Math.floor(random() * list.length)];

/** @param {() => number} random */
function randomContent(random) {
  let text = '';
  const n = Math.floor(random() * 6);
  for (let i = 0; i < n; i++) text += pick(random, PIECES);
  return text;
}

/** @param {() => number} random */
function randomConversation(random) {
  return Array.from({ length: 1 + Math.floor(random() * 5) }, () => ({ role: pick(random, ROLES), content: randomContent(random) }));
}

/** @param {() => number} random */
function wellFormedConversation(random) {
  const messages = random() < 0.5 ? [{ role: 'system', content: randomContent(random) }] : [];
  const turns = Math.floor(random() * 3);
  for (let i = 0; i < turns; i++) messages.push({ role: 'user', content: randomContent(random) }, { role: 'assistant', content: randomContent(random) });
  messages.push({ role: 'user', content: `question ${Math.floor(random() * 1e6)}? ${randomContent(random)}` });
  return messages;
}

const templates = [
  { name: 'ChatML (no template)', source: undefined },
  ...readdirSync(TEMPLATES).filter((name) => name.endsWith('.jinja')).map((name) => ({ name, source: readFileSync(TEMPLATES + name, 'utf8') })),
];

test(`${ITERATIONS_PER_TEMPLATE} random conversations through each of ${templates.length} templates`, (t) => {
  t.diagnostic(`chat template fuzz seed ${SEED} (replay with WEBGGUF_FUZZ_SEED=${SEED})`);
  const random = seededRandom(SEED);
  let refused = 0;
  for (const { name, source } of templates) {
    const template = new ChatTemplate(source, { bos_token: '<s>', eos_token: '</s>' });
    for (let i = 0; i < ITERATIONS_PER_TEMPLATE; i++) {
      const messages = randomConversation(random);
      try {
        assert.equal(typeof template.render(messages), 'string');
      } catch (error) {
        if (!(error instanceof ChatTemplateError || error instanceof InvalidArgumentError)) {
          assert.fail(`${name}, iteration ${i} (seed ${SEED}): ${error} for ${JSON.stringify(messages)}`);
        }
        refused++;
      }
      const conversation = wellFormedConversation(random);
      const prompt = template.render(conversation);
      const question = conversation[conversation.length - 1].content.split('?')[0];
      assert.ok(prompt.includes(question), `${name}, iteration ${i}: the last question is in the prompt`);
    }
  }
  t.diagnostic(`${refused} of ${templates.length * ITERATIONS_PER_TEMPLATE} random conversations refused with a named error`);
});
