// Tool-call parsing per model family: replies written in each template's documented format ->
// the tool_calls (and content, reasoning) OpenAI returns; malformed replies (truncated JSON, a
// function that was not offered, bad syntax) stay plain content. Every row is checked whole and
// streamed in pieces of 1, 3 and 7 characters: the deltas add up to the same message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ReplyParser } from '../../js/chat_reply.js';
import { TOOL_CALL_FAMILIES, detectToolCallFamily, familyByName } from '../../js/tool_calls/families.js';
import { vendoredPath } from './helpers/fixtures.js';

const TOOLS = new Set(['get_weather', 'search']);
const weather = (args) => ({ name: 'get_weather', arguments: args });

/** family -> rows of [reply, expected calls (name + arguments object) or null for plain content, expected content] */
const TABLE = {
  hermes: [
    ['<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>', [weather({ city: 'Paris' })], ''],
    ['Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo", "days": 2}}\n</tool_call>\n<tool_call>\n{"name": "search", "arguments": {"q": "a <b> c"}}\n</tool_call>',
      [weather({ city: 'Oslo', days: 2 }), { name: 'search', arguments: { q: 'a <b> c' } }], 'Let me check.'],
    ['<tool_call>\n{"name": "get_weather", "arguments": {"city": "Par', null, '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Par'],
    ['<tool_call>\n{"name": "launch_rocket", "arguments": {}}\n</tool_call>', null, '<tool_call>\n{"name": "launch_rocket", "arguments": {}}\n</tool_call>'],
    ['No tools needed: 2 < 3.', null, 'No tools needed: 2 < 3.'],
  ],
  mistral: [
    ['[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Rome"}, "id": "a1b2c3d4e"}]', [{ ...weather({ city: 'Rome' }), id: 'a1b2c3d4e' }], ''],
    ['[TOOL_CALLS]get_weather[ARGS]{"city": "Bern"}', [weather({ city: 'Bern' })], ''],
    ['[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Nice"}}, {"name": "search", "arguments": {"q": "Nice"}}]',
      [weather({ city: 'Nice' }), { name: 'search', arguments: { q: 'Nice' } }], ''],
    ['[TOOL_CALLS][{"name": "fly", "arguments": {}}]', null, '[TOOL_CALLS][{"name": "fly", "arguments": {}}]'],
    ['[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": ', null, '[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": '],
    ['Plain [answer].', null, 'Plain [answer].'],
  ],
  lfm2: [
    ['<|tool_call_start|>[get_weather(city="Lima", days=3)]<|tool_call_end|>', [weather({ city: 'Lima', days: 3 })], ''],
    ['Checking.<|tool_call_start|>[get_weather(city=\'Quito\'), search(q="x", exact=True)]<|tool_call_end|>Done.',
      [weather({ city: 'Quito' }), { name: 'search', arguments: { q: 'x', exact: true } }], 'Checking.\nDone.'],
    ['<|tool_call_start|>[{"name": "search", "arguments": {"q": "json"}}]<|tool_call_end|>', [{ name: 'search', arguments: { q: 'json' } }], ''],
    ['<|tool_call_start|>[get_weather(city="Li', null, '<|tool_call_start|>[get_weather(city="Li'],
    ['<|tool_call_start|>[fly(to="Mars")]<|tool_call_end|>', null, '<|tool_call_start|>[fly(to="Mars")]<|tool_call_end|>'],
    ['Lima is in Peru.', null, 'Lima is in Peru.'],
  ],
  phi4: [
    ['functools[{"name": "get_weather", "arguments": {"city": "Kyiv"}}]', [weather({ city: 'Kyiv' })], ''],
    ['I will look it up. functools[{"name": "get_weather", "arguments": {"city": "Riga"}}, {"name": "search", "arguments": {"q": "Riga"}}]',
      [weather({ city: 'Riga' }), { name: 'search', arguments: { q: 'Riga' } }], 'I will look it up.'],
    ['functools[{"name": "nope", "arguments": {}}]', null, 'functools[{"name": "nope", "arguments": {}}]'],
    ['functools[{"name": "get_weather", "argu', null, 'functools[{"name": "get_weather", "argu'],
    ['The functools module is useful.', null, 'The functools module is useful.'],
  ],
  granite: [
    ['<|tool_call|>[{"name": "get_weather", "arguments": {"city": "Accra"}}]', [weather({ city: 'Accra' })], ''],
    ['<|tool_call|>[{"name": "get_weather", "arguments": {"city": "Lomé"}}, {"name": "search", "arguments": {"q": "Togo"}}]',
      [weather({ city: 'Lomé' }), { name: 'search', arguments: { q: 'Togo' } }], ''],
    ['<|tool_call|>[{"name": "get_weather", "arguments": "not json"}]', null, '<|tool_call|>[{"name": "get_weather", "arguments": "not json"}]'],
    ['<|tool_call|>[{"name": "fly", "arguments": {}}]', null, '<|tool_call|>[{"name": "fly", "arguments": {}}]'],
    ['<|tool_call|>[{"name": "get_weather"', null, '<|tool_call|>[{"name": "get_weather"'],
    ['Accra is warm today.', null, 'Accra is warm today.'],
  ],
  llama3: [
    ['{"name": "get_weather", "parameters": {"city": "Cairo"}}', [weather({ city: 'Cairo' })], ''],
    ['<|python_tag|>{"name": "search", "parameters": {"q": "llamas"}}', [{ name: 'search', arguments: { q: 'llamas' } }], ''],
    ['{"name": "get_weather", "parameters": {"city": "Cai', null, '{"name": "get_weather", "parameters": {"city": "Cai'],
    ['{"not": "a call"}', null, '{"not": "a call"}'],
    ['The weather is fine.', null, 'The weather is fine.'],
  ],
  gemma3: [
    ['[get_weather(city="Tokyo")]', [weather({ city: 'Tokyo' })], ''],
    ['```tool_code\nget_weather(city="Seoul", days=1)\n```', [weather({ city: 'Seoul', days: 1 })], ''],
    ['{"name": "get_weather", "parameters": {"city": "Delhi"}}', [weather({ city: 'Delhi' })], ''],
    ['[get_weather(city="Tok', null, '[get_weather(city="Tok'],
    ['[1, 2, 3] are numbers.', null, '[1, 2, 3] are numbers.'],
  ],
  generic: [
    ['{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Lagos"}}]}', [weather({ city: 'Lagos' })], ''],
    ['{"response": "Hello there."}', [], 'Hello there.'],
    ['{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Lag', null, '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Lag'],
    ['Just text.', null, 'Just text.'],
  ],
};

/** @param {string} family @param {string} reply @param {number} piece */
function parse(family, reply, piece, extra = {}) {
  const parser = new ReplyParser({ family: familyByName(family), toolNames: TOOLS, parseReasoning: true, startsInsideReasoning: false, ...extra });
  const deltas = [];
  for (let i = 0; i < reply.length; i += piece) deltas.push(...parser.push(reply.slice(i, i + piece)));
  deltas.push(...parser.finish());
  return { message: parser.message(), deltas };
}

/** The message a client rebuilds from the deltas (as the openai SDK's stream helper does). */
function sumOfDeltas(deltas) {
  const out = { content: '', reasoning: '', calls: [] };
  for (const delta of deltas) {
    out.content += delta.content ?? '';
    out.reasoning += delta.reasoning_content ?? '';
    for (const call of delta.tool_calls ?? []) {
      // The first delta of a call has its id, type and name; later ones add to its arguments.
      if (call.id) out.calls[call.index] = { id: call.id, type: call.type, function: { name: call.function.name, arguments: call.function.arguments } };
      else out.calls[call.index].function.arguments += call.function.arguments;
    }
  }
  return out;
}

for (const family of TOOL_CALL_FAMILIES) {
  test(`${family.name}: ${TABLE[family.name].length} replies -> tool_calls, whole and streamed`, () => {
    for (const [reply, calls, content] of TABLE[family.name]) {
      const whole = parse(family.name, reply, reply.length).message;
      const expectCalls = calls && calls.length > 0 ? calls : null;
      if (expectCalls) {
        assert.deepEqual(whole.tool_calls.map((c, i) => ({ name: c.function.name, arguments: JSON.parse(c.function.arguments), ...(expectCalls[i].id ? { id: c.id } : {}) })), expectCalls, reply);
        const idPattern = family.idPattern ?? /^call_[a-zA-Z0-9]{24}$/;
        assert.ok(whole.tool_calls.every((c) => c.type === 'function' && idPattern.test(c.id)), `${reply}: ids`);
      } else {
        assert.equal(whole.tool_calls, undefined, reply);
      }
      assert.equal(whole.content ?? '', content, reply);
      for (const piece of [1, 3, 7]) {
        const streamed = parse(family.name, reply, piece);
        const sum = sumOfDeltas(streamed.deltas);
        assert.equal(sum.content, content, `${reply} in pieces of ${piece}`);
        assert.deepEqual(sum.calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)]), (expectCalls ?? []).map((c) => [c.name, c.arguments]), `${reply} in pieces of ${piece}`);
      }
    }
  });
}

test('reasoning goes to reasoning_content, also with the prompt opening <think>; reasoning_format none keeps it', () => {
  const reply = '<think>\nThe user wants weather.\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';
  for (const piece of [1, 4, reply.length]) {
    const { message, deltas } = parse('hermes', reply, piece);
    assert.equal(message.reasoning_content, 'The user wants weather.');
    assert.equal(message.content, null);
    assert.equal(message.tool_calls.length, 1);
    assert.equal(sumOfDeltas(deltas).reasoning, 'The user wants weather.');
  }
  const opened = parse('hermes', 'Thinking hard.</think>The answer is 4.', 2, { startsInsideReasoning: true }).message;
  assert.deepEqual([opened.reasoning_content, opened.content], ['Thinking hard.', 'The answer is 4.']);
  const truncated = parse('hermes', '<think>still thinking', 3).message;
  assert.deepEqual([truncated.reasoning_content, truncated.content], ['still thinking', '']);
  const inline = parse('hermes', '<think>x</think>Hi', 1, { parseReasoning: false }).message;
  assert.equal(inline.content, '<think>x</think>Hi');
  assert.equal(inline.reasoning_content, undefined);
});

test('family detection from real templates', () => {
  const templates = vendoredPath('chat-templates/');
  const detect = (file) => {
    const source = readFileSync(join(templates, file), 'utf8');
    return detectToolCallFamily(source, /\btools\b/.test(source)).name;
  };
  assert.equal(detect('Qwen-Qwen2.5-7B-Instruct.jinja'), 'hermes');
  assert.equal(detect('Qwen-Qwen3-0.6B.jinja'), 'hermes');
  assert.equal(detect('mistralai-Mistral-Nemo-Instruct-2407.jinja'), 'mistral');
  assert.equal(detect('meta-llama-Llama-3.1-8B-Instruct.jinja'), 'llama3');
  assert.equal(detect('ibm-granite-granite-3.3-2B-Instruct.jinja'), 'granite');
  assert.equal(detect('google-gemma-2-2b-it.jinja'), 'generic', 'Gemma 2 templates take no tools');
  assert.equal(detectToolCallFamily('<start_of_turn>{{ tools }}', true).name, 'gemma3');
  assert.equal(detectToolCallFamily('<|tool_list_start|>{{ tools }}', true).name, 'lfm2');
  assert.equal(detectToolCallFamily('<|tool|>{{ tools }}<|/tool|>', true).name, 'phi4');
});

test('a tool conversation renders through every fixture template (tools given as apply_chat_template does)', async () => {
  const { readdirSync } = await import('node:fs');
  const { ChatTemplate } = await import('../../js/chat_template.js');
  const { readChatRequest } = await import('../../js/chat_request.js');
  const templates = vendoredPath('chat-templates/');
  const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
  const messages = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc123xyz', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_abc123xyz', content: 'TEMP_21' },
  ];
  const files = readdirSync(templates).filter((name) => name.endsWith('.jinja'));
  assert.ok(files.length >= 10);
  for (const file of files) {
    const source = readFileSync(join(templates, file), 'utf8');
    const request = readChatRequest({ messages, tools }, { templateSource: source });
    const prompt = new ChatTemplate(source, { bos_token: '<s>', eos_token: '</s>' }).render(request.messages, { tools: request.tools });
    assert.ok(prompt.includes('get_weather') && prompt.includes('Weather of a city'), `${file}: the tool is described`);
    assert.ok(prompt.includes('Paris') && prompt.includes('TEMP_21'), `${file}: the call and its result are in the prompt`);
  }
});
