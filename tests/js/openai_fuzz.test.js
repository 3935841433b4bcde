// Seeded random input for the new parsers (issue #23): random JSON schemas through the grammar
// converter (a grammar string or an InvalidArgumentError, nothing else), and random replies built
// from tool-call markers, JSON and text through every family's reply parser (never a throw, and
// the streamed deltas always add up to the whole message). WEBGGUF_FUZZ_SEED replays a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonSchemaToGrammar } from '../../js/json_schema_grammar.js';
import { InvalidArgumentError } from '../../js/errors.js';
import { ReplyParser } from '../../js/chat_reply.js';
import { TOOL_CALL_FAMILIES } from '../../js/tool_calls/families.js';
import { seededRandom } from './helpers/seeded_random.js';

const SEED = Number(process.env.WEBGGUF_FUZZ_SEED ?? 23);
const pick = (random, list) => list[Math.floor(random() * list.length)];

const KEYWORDS = ['type', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'minItems', 'maxItems', 'enum', 'const',
  'pattern', 'minLength', 'maxLength', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'anyOf', 'oneOf', 'allOf',
  '$ref', '$defs', 'description', 'not', 'multipleOf'];
const TYPES = ['string', 'number', 'integer', 'boolean', 'null', 'object', 'array', 'weird', ['string', 'null']];
const PATTERNS = ['^abc$', '^[a-z]+$', '^(a|b)*$', '^x{2,3}$', '^.$', '^a(b$', '^\\d$', '^[^"]$', '^(?:x)$', 'nope', '^a{2,x}$', '^]$', '^\\$'];

function randomValue(random, depth) {
  const r = random();
  if (r < 0.2) return Math.floor(random() * 200) - 100;
  if (r < 0.4) return pick(random, ['a', 'é', '"q"', '', 'x\ny']);
  if (r < 0.5) return null;
  if (r < 0.6) return random() < 0.5;
  if (r < 0.8 && depth < 2) return Array.from({ length: Math.floor(random() * 3) }, () => randomValue(random, depth + 1));
  return depth < 2 ? { k: randomValue(random, depth + 1) } : 1.5;
}

function randomSchema(random, depth) {
  if (depth > 3 || random() < 0.15) return random() < 0.5 ? {} : { type: pick(random, TYPES) };
  const schema = {};
  const n = 1 + Math.floor(random() * 3);
  for (let i = 0; i < n; i++) {
    const key = pick(random, KEYWORDS);
    switch (key) {
      case 'type': schema.type = pick(random, TYPES); break;
      case 'properties': schema.properties = { a: randomSchema(random, depth + 1), 'b c': randomSchema(random, depth + 1) }; break;
      case 'required': schema.required = random() < 0.5 ? ['a'] : ['a', 'b c']; break;
      case 'additionalProperties': schema.additionalProperties = random() < 0.3 ? false : random() < 0.5 ? true : randomSchema(random, depth + 1); break;
      case 'items': case 'prefixItems': schema[key] = random() < 0.7 ? randomSchema(random, depth + 1) : [randomSchema(random, depth + 1)]; break;
      case 'anyOf': case 'oneOf': case 'allOf': schema[key] = [randomSchema(random, depth + 1), randomSchema(random, depth + 1)]; break;
      case 'enum': schema.enum = [randomValue(random, 0), randomValue(random, 0)]; break;
      case 'const': schema.const = randomValue(random, 0); break;
      case 'pattern': schema.pattern = pick(random, PATTERNS); break;
      case 'format': schema.format = pick(random, ['date', 'time', 'date-time', 'uuid', 'email']); break;
      case '$ref': schema.$ref = pick(random, ['#/$defs/d', '#/$defs/missing', '#']); break;
      case '$defs': schema.$defs = { d: randomSchema(random, depth + 1) }; break;
      case 'description': schema.description = 'text'; break;
      case 'not': schema.not = {}; break;
      default: schema[key] = pick(random, [0, 1, 3, 10, -5, 2.5, 'x']);
    }
  }
  return schema;
}

test('2000 random schemas: a grammar or an InvalidArgumentError, never another failure', (t) => {
  t.diagnostic(`schema fuzz seed ${SEED} (replay with WEBGGUF_FUZZ_SEED=${SEED})`);
  const random = seededRandom(SEED);
  let refused = 0;
  for (let i = 0; i < 2000; i++) {
    const schema = randomSchema(random, 0);
    try {
      const grammar = jsonSchemaToGrammar(schema);
      assert.match(grammar, /^root ::= /m, JSON.stringify(schema));
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) assert.fail(`iteration ${i} (seed ${SEED}): ${error.stack} for ${JSON.stringify(schema)}`);
      refused++;
    }
  }
  t.diagnostic(`${refused} of 2000 refused with a named error`);
});

const PIECES = ['<tool_call>', '</tool_call>', '[TOOL_CALLS]', '[ARGS]', '<|tool_call_start|>', '<|tool_call_end|>', 'functools[', '<|tool_call|>',
  '<|python_tag|>', '```tool_code\n', '```', '<think>', '</think>', '{"name": "get_weather", "arguments": {"city": "P"}}', '{"name": "x"',
  '[get_weather(city="a")]', 'get_weather(', '{"tool_calls": [', ']}', '{', '}', '[', ']', '"', '\\', ' ', '\n', 'hello', 'é', '🙂', '<', '<tool'];

test('3000 random replies through every family: no throw, streamed deltas equal the whole message', (t) => {
  t.diagnostic(`reply fuzz seed ${SEED}`);
  const random = seededRandom(SEED + 1);
  for (let i = 0; i < 3000; i++) {
    const reply = Array.from({ length: Math.floor(random() * 8) }, () => pick(random, PIECES)).join('');
    const family = pick(random, TOOL_CALL_FAMILIES);
    const options = { family, toolNames: new Set(['get_weather']), parseReasoning: random() < 0.8, startsInsideReasoning: random() < 0.2 };
    const whole = new ReplyParser(options);
    whole.push(reply);
    whole.finish();
    const streamed = new ReplyParser(options);
    const step = 1 + Math.floor(random() * 5);
    let content = '';
    let reasoning = '';
    const calls = [];
    const take = (deltas) => deltas.forEach((d) => {
      content += d.content ?? '';
      reasoning += d.reasoning_content ?? '';
      for (const call of d.tool_calls ?? []) {
        if (call.id) calls[call.index] = { function: { ...call.function } };
        else calls[call.index].function.arguments += call.function.arguments;
      }
    });
    for (let k = 0; k < reply.length; k += step) take(streamed.push(reply.slice(k, k + step)));
    take(streamed.finish());
    const message = whole.message();
    const where = `iteration ${i} (seed ${SEED}), ${family.name}, step ${step}: ${JSON.stringify(reply)}`;
    assert.equal(content, message.content ?? '', where);
    assert.equal(reasoning, message.reasoning_content ?? '', where);
    assert.deepEqual(calls.map((c) => [c.function.name, c.function.arguments]), (message.tool_calls ?? []).map((c) => [c.function.name, c.function.arguments]), where);
  }
});
