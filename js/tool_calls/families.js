/**
 * The tool-call formats of the model families we run, one table: how to recognise a family's
 * chat template, where a tool call starts in a reply, how to read the calls, and the shape a
 * grammar forces when tool_choice is 'required' or names a function. Formats are the ones each
 * template documents (and llama.cpp's common/chat.cpp reads); a reply in no format is content.
 * @module tool_calls/families
 */

import { endOfJsonValue, readJsonValue, tryParseJson } from './json_scan.js';
import { parsePythonicCalls } from './pythonic.js';

/**
 * @typedef {{ name: string, arguments: unknown, id?: string }} RawCall a call as the model wrote it
 * @typedef {{ calls: RawCall[], trailing: string }} SectionParse calls, and text after them
 * @typedef {object} ToolCallFamily
 * @property {string} name
 * @property {(templateSource: string) => boolean} detect
 * @property {string[]} openers texts that start a tool-call section anywhere in a reply
 * @property {boolean} leadingJson a reply that starts with '{' or '[' may be a call
 * @property {(section: string) => SectionParse | null} parse reads the section (from its opener, or the whole reply)
 * @property {{ before: string, after: string, list: 'repeat' | 'array' | 'single' | 'generic', argumentsKey: string }} forced
 * @property {RegExp} [idPattern] the call ids the template accepts (others are rewritten)
 */

/** `{ name, arguments | parameters, id? }` objects (the JSON most families write). @param {unknown} value */
function asCall(value) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = /** @type {Record<string, unknown>} */ (value);
  const fn = typeof record.function === 'object' && record.function !== null ? /** @type {Record<string, unknown>} */ (record.function) : record;
  if (typeof fn.name !== 'string') return null;
  const args = fn.arguments ?? fn.parameters ?? {};
  /** @type {RawCall} */
  const call = { name: fn.name, arguments: typeof args === 'string' ? tryParseJson(args) ?? args : args };
  if (typeof record.id === 'string') call.id = record.id;
  return call;
}

/** A JSON list (or one object) of calls right after `prefix`. @param {string} prefix */
function jsonListAfter(prefix) {
  return (/** @type {string} */ section) => {
    if (!section.startsWith(prefix)) return null;
    const read = readJsonValue(section, prefix.length);
    if (!read) return null;
    const calls = (Array.isArray(read.value) ? read.value : [read.value]).map(asCall);
    if (calls.length === 0 || calls.some((c) => c === null)) return null;
    return { calls: /** @type {RawCall[]} */ (calls), trailing: section.slice(read.end) };
  };
}

/** `<open>{json}</close>` repeated (Hermes, Qwen 2.5/3). @param {string} open @param {string} close */
function taggedJsonCalls(open, close) {
  return (/** @type {string} */ section) => {
    const calls = [];
    let rest = section;
    while (rest.trimStart().startsWith(open)) {
      rest = rest.trimStart().slice(open.length);
      const read = readJsonValue(rest, 0);
      const call = read && asCall(read.value);
      if (!read || !call) return null;
      calls.push(call);
      rest = rest.slice(read.end).trimStart();
      if (rest.startsWith(close)) rest = rest.slice(close.length);
      else if (rest.length > 0) return null;
    }
    return calls.length > 0 ? { calls, trailing: rest } : null;
  };
}

/** Python-style calls, optionally wrapped in markers. @param {string} open @param {string} close */
function pythonicBetween(open, close) {
  return (/** @type {string} */ section) => {
    if (!section.startsWith(open)) return null;
    const end = close ? section.indexOf(close, open.length) : section.length;
    const inner = section.slice(open.length, end < 0 ? section.length : end);
    const calls = parsePythonicCalls(inner);
    if (!calls) return null;
    return { calls, trailing: end < 0 ? '' : section.slice(end + close.length) };
  };
}

/** The first parser that reads the section. @param {Array<(s: string) => SectionParse | null>} parsers */
const firstOf = (...parsers) => (/** @type {string} */ section) => {
  for (const parse of parsers) {
    const result = parse(section);
    if (result) return result;
  }
  return null;
};

/** A reply that is a JSON call object (or a list of them) and nothing else but space. */
function wholeJson(/** @type {string} */ section) {
  const read = readJsonValue(section, 0);
  if (!read) return null;
  const calls = (Array.isArray(read.value) ? read.value : [read.value]).map(asCall);
  if (calls.length === 0 || calls.some((c) => c === null)) return null;
  return { calls: /** @type {RawCall[]} */ (calls), trailing: section.slice(read.end) };
}

/** @type {ToolCallFamily[]} in detection order; 'generic' (last) matches every template */
export const TOOL_CALL_FAMILIES = [
  {
    // <tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>, one block per call.
    name: 'hermes',
    detect: (src) => src.includes('<tool_call>'),
    openers: ['<tool_call>'],
    leadingJson: false,
    parse: taggedJsonCalls('<tool_call>', '</tool_call>'),
    forced: { before: '<tool_call>\n', after: '\n</tool_call>', list: 'repeat', argumentsKey: 'arguments' },
  },
  {
    // [TOOL_CALLS][{"name": "f", "arguments": {...}, "id": "abcdefghi"}] (Mistral Nemo / Small).
    name: 'mistral',
    detect: (src) => src.includes('[TOOL_CALLS]'),
    openers: ['[TOOL_CALLS]'],
    leadingJson: false,
    parse: firstOf(jsonListAfter('[TOOL_CALLS]'), mistralNamedArgs),
    forced: { before: '[TOOL_CALLS]', after: '', list: 'array', argumentsKey: 'arguments' },
    // Mistral's templates raise on any call id that is not 9 letters or digits.
    idPattern: /^[a-zA-Z0-9]{9}$/,
  },
  {
    // <|tool_call_start|>[f(a="x")]<|tool_call_end|>; JSON lists when asked for JSON (LFM2, LFM2.5).
    name: 'lfm2',
    detect: (src) => src.includes('<|tool_list_start|>') || src.includes('List of tools: ['),
    openers: ['<|tool_call_start|>'],
    leadingJson: false,
    parse: firstOf(pythonicBetween('<|tool_call_start|>', '<|tool_call_end|>'), jsonBetween('<|tool_call_start|>', '<|tool_call_end|>')),
    forced: { before: '<|tool_call_start|>', after: '<|tool_call_end|>', list: 'array', argumentsKey: 'arguments' },
  },
  {
    // functools[{"name": "f", "arguments": {...}}] (Phi-4-mini; tools are given in <|tool|>…<|/tool|>).
    name: 'phi4',
    detect: (src) => src.includes('<|tool|>') || src.includes('functools'),
    openers: ['functools['],
    leadingJson: false,
    parse: (section) => jsonListAfter('functools')(section),
    forced: { before: 'functools', after: '', list: 'array', argumentsKey: 'arguments' },
  },
  {
    // <|tool_call|>[{"name": "f", "arguments": {...}}] (Granite 3.x / 4.x).
    name: 'granite',
    detect: (src) => src.includes('<|start_of_role|>'),
    openers: ['<|tool_call|>', '<tool_call>'],
    leadingJson: false,
    parse: firstOf(jsonListAfter('<|tool_call|>'), taggedJsonCalls('<tool_call>', '</tool_call>')),
    forced: { before: '<|tool_call|>', after: '', list: 'array', argumentsKey: 'arguments' },
  },
  {
    // {"name": "f", "parameters": {...}}, optionally after <|python_tag|> (Llama 3.1–3.3 JSON tool calling).
    name: 'llama3',
    detect: (src) => src.includes('<|start_header_id|>'),
    openers: ['<|python_tag|>'],
    leadingJson: true,
    parse: (section) => wholeJson(section.startsWith('<|python_tag|>') ? section.slice('<|python_tag|>'.length) : section),
    forced: { before: '', after: '', list: 'single', argumentsKey: 'parameters' },
  },
  {
    // Google's documented Gemma 3 function calling: [f(a=1), g(b="x")] (or in a ```tool_code block),
    // or {"name": "f", "parameters": {...}} when the prompt asks for JSON.
    name: 'gemma3',
    detect: (src) => src.includes('<start_of_turn>'),
    openers: ['```tool_code'],
    leadingJson: true,
    parse: firstOf(pythonicBetween('```tool_code', '```'), pythonicBetween('', ''), wholeJson),
    forced: { before: '', after: '', list: 'single', argumentsKey: 'parameters' },
  },
  {
    // Templates without a tool format: {"tool_calls": [{"name": "f", "arguments": {...}}]} (or
    // {"response": "…"}), taught by a system message, as llama.cpp's generic format.
    name: 'generic',
    detect: () => true,
    openers: [],
    leadingJson: true,
    parse: genericJson,
    forced: { before: '', after: '', list: 'generic', argumentsKey: 'arguments' },
  },
];

/** [TOOL_CALLS]name[ARGS]{...} (Mistral Small 3.2 and later), one block per call. @param {string} section */
function mistralNamedArgs(section) {
  const calls = [];
  let rest = section;
  while (rest.startsWith('[TOOL_CALLS]')) {
    rest = rest.slice('[TOOL_CALLS]'.length);
    const args = rest.indexOf('[ARGS]');
    if (args < 0) return null;
    const name = rest.slice(0, args).replace(/\[CALL_ID\].*$/s, '').trim();
    const read = readJsonValue(rest, args + '[ARGS]'.length);
    if (!name || !read) return null;
    calls.push({ name, arguments: read.value });
    rest = rest.slice(read.end).trimStart();
  }
  return calls.length > 0 ? { calls, trailing: rest } : null;
}

/** A JSON list between markers. @param {string} open @param {string} close */
function jsonBetween(open, close) {
  return (/** @type {string} */ section) => {
    const parsed = jsonListAfter(open)(section);
    if (!parsed) return null;
    const trailing = parsed.trailing.trimStart();
    return { calls: parsed.calls, trailing: trailing.startsWith(close) ? trailing.slice(close.length) : trailing };
  };
}

/** @param {string} section */
function genericJson(section) {
  const start = section.search(/\S/);
  if (start < 0 || section[start] !== '{') return null;
  const end = endOfJsonValue(section, start);
  const value = end < 0 ? undefined : tryParseJson(section.slice(start, end));
  if (typeof value !== 'object' || value === null) return null;
  const record = /** @type {Record<string, unknown>} */ (value);
  if (Array.isArray(record.tool_calls)) {
    const calls = record.tool_calls.map(asCall);
    if (calls.length === 0 || calls.some((c) => c === null)) return null;
    return { calls: /** @type {RawCall[]} */ (calls), trailing: section.slice(end) };
  }
  const single = asCall(record.tool_call);
  if (single) return { calls: [single], trailing: section.slice(end) };
  if (typeof record.response === 'string') return { calls: [], trailing: record.response };
  return null;
}

/**
 * The family whose format a chat template uses.
 * @param {string} templateSource
 * @param {boolean} templateTakesTools whether the template reads `tools` at all
 * @returns {ToolCallFamily}
 */
export function detectToolCallFamily(templateSource, templateTakesTools) {
  const generic = /** @type {ToolCallFamily} */ (TOOL_CALL_FAMILIES.at(-1));
  if (!templateTakesTools) return generic;
  return TOOL_CALL_FAMILIES.find((family) => family.detect(templateSource)) ?? generic;
}

/** @param {string} name */
export function familyByName(name) {
  return TOOL_CALL_FAMILIES.find((family) => family.name === name);
}
