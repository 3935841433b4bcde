/**
 * Reads an OpenAI chat request into what the engine needs: template messages (text parts
 * joined, assistant tool_calls with object arguments, tool results), the tools for the template,
 * the tool-call family, and the grammar that `response_format`, `grammar` or a forced
 * `tool_choice` asks for. Every bad field is an InvalidArgumentError naming it.
 * @module chat_request
 */

import { InvalidArgumentError } from './errors.js';
import { jsonSchemaToGrammar, formatLiteral } from './json_schema_grammar.js';
import { detectToolCallFamily } from './tool_calls/families.js';

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** @param {unknown} value @returns {value is Record<string, any>} */
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `content` as a string: a string, null (an assistant turn that only calls tools), or an array
 * of text parts. @param {unknown} content @param {string} field
 */
function contentText(content, field) {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) {
    return content.map((part, i) => {
      if (!isObject(part) || part.type !== 'text' || typeof part.text !== 'string') {
        throw new InvalidArgumentError(`${field}[${i}] must be { type: 'text', text: string } (this engine reads text only).`);
      }
      return part.text;
    }).join('');
  }
  throw new InvalidArgumentError(`${field} must be a string or an array of text parts.`);
}

/**
 * @param {unknown} messages
 * @returns {any[]} messages as Hugging Face templates read them
 */
export function templateMessages(messages) {
  if (!Array.isArray(messages) || messages.length === 0) throw new InvalidArgumentError('messages must be a non-empty array of { role, content }.');
  return messages.map((message, i) => {
    if (!isObject(message) || typeof message.role !== 'string') throw new InvalidArgumentError(`messages[${i}] must be { role: string, content }.`);
    const hasToolCalls = message.role === 'assistant' && message.tool_calls !== undefined && message.tool_calls !== null;
    if (typeof message.content !== 'string' && !Array.isArray(message.content) && !(message.content == null && hasToolCalls)) {
      throw new InvalidArgumentError(`messages[${i}].content must be a string or an array of text parts.`);
    }
    /** @type {Record<string, unknown>} */
    const out = { role: message.role, content: contentText(message.content, `messages[${i}].content`) };
    if (hasToolCalls) {
      if (!Array.isArray(message.tool_calls)) throw new InvalidArgumentError(`messages[${i}].tool_calls must be an array.`);
      out.tool_calls = message.tool_calls.map((call, j) => {
        const field = `messages[${i}].tool_calls[${j}]`;
        if (!isObject(call) || !isObject(call.function) || typeof call.function.name !== 'string') {
          throw new InvalidArgumentError(`${field} must be { id, type: 'function', function: { name, arguments } }.`);
        }
        let args = call.function.arguments ?? '{}';
        if (typeof args === 'string') {
          try { args = JSON.parse(args); } catch { throw new InvalidArgumentError(`${field}.function.arguments is not valid JSON.`); }
        }
        // Templates print arguments with `| tojson`: they want the object, not OpenAI's string.
        return { id: call.id, type: 'function', function: { name: call.function.name, arguments: args } };
      });
    }
    if (message.role === 'tool') {
      if (message.tool_call_id !== undefined && typeof message.tool_call_id !== 'string') {
        throw new InvalidArgumentError(`messages[${i}].tool_call_id must be a string.`);
      }
      out.tool_call_id = message.tool_call_id;
      if (typeof message.name === 'string') out.name = message.name;
    }
    return out;
  });
}

/**
 * @param {unknown} tools
 * @returns {Array<{ type: 'function', function: { name: string, description?: string, parameters: object } }>}
 */
export function validateTools(tools) {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw new InvalidArgumentError('tools must be an array of { type: "function", function }.');
  const names = new Set();
  return tools.map((tool, i) => {
    const field = `tools[${i}]`;
    if (!isObject(tool) || tool.type !== 'function' || !isObject(tool.function)) throw new InvalidArgumentError(`${field} must be { type: 'function', function: { name, parameters } }.`);
    const { name, description, parameters = { type: 'object', properties: {} } } = tool.function;
    if (typeof name !== 'string' || !FUNCTION_NAME.test(name)) throw new InvalidArgumentError(`${field}.function.name must be 1-64 letters, digits, '_' or '-'.`);
    if (names.has(name)) throw new InvalidArgumentError(`${field}.function.name '${name}' is given twice.`);
    names.add(name);
    try {
      jsonSchemaToGrammar(parameters);
    } catch (error) {
      throw new InvalidArgumentError(`${field}.function.parameters is not a usable JSON schema: ${/** @type {Error} */ (error).message}`, { cause: error });
    }
    /** @type {{ name: string, description?: string, parameters: object }} */
    const fn = { name, parameters };
    if (description !== undefined) fn.description = String(description);
    return { type: 'function', function: fn };
  });
}

/**
 * @param {unknown} choice @param {Set<string>} names
 * @returns {{ mode: 'auto' | 'none' | 'required', name?: string }}
 */
export function validateToolChoice(choice, names) {
  if (choice === undefined || choice === null) return { mode: names.size > 0 ? 'auto' : 'none' };
  if (choice === 'auto' || choice === 'none' || choice === 'required') {
    if (choice === 'required' && names.size === 0) throw new InvalidArgumentError("tool_choice 'required' needs tools.");
    return { mode: choice };
  }
  if (isObject(choice) && choice.type === 'function' && isObject(choice.function) && typeof choice.function.name === 'string') {
    if (!names.has(choice.function.name)) throw new InvalidArgumentError(`tool_choice names the function '${choice.function.name}', which is not in tools.`);
    return { mode: 'required', name: choice.function.name };
  }
  throw new InvalidArgumentError("tool_choice must be 'auto', 'none', 'required' or { type: 'function', function: { name } }.");
}

/**
 * The grammar a forced tool call follows in the family's format: a call (or, with parallel
 * calls, one or more) of the allowed functions with arguments matching their parameters.
 * @param {import('./tool_calls/families.js').ToolCallFamily} family
 * @param {ReturnType<typeof validateTools>} tools
 * @param {boolean} parallel
 */
export function forcedToolCallGrammar(family, tools, parallel) {
  const { before, after, list, argumentsKey } = family.forced;
  const callSchemas = tools.map((tool) => ({
    type: 'object',
    properties: { name: { const: tool.function.name }, [argumentsKey]: tool.function.parameters },
    required: ['name', argumentsKey],
  }));
  const call = callSchemas.length === 1 ? callSchemas[0] : { anyOf: callSchemas };
  const many = { type: 'array', items: call, minItems: 1, ...(parallel ? {} : { maxItems: 1 }) };
  const json = list === 'array' ? many : list === 'generic' ? { type: 'object', properties: { tool_calls: many }, required: ['tool_calls'] } : call;
  const grammar = jsonSchemaToGrammar(json);
  // The converter's root becomes one rule of ours, wrapped in the family's markers.
  const body = grammar.replace(/^root ::= /m, 'tool-call-json ::= ');
  const wrapped = [before && formatLiteral(before), 'tool-call-json', after && formatLiteral(after)].filter(Boolean).join(' ');
  const root = list === 'repeat' && parallel ? `root ::= tool-call-block ("\\n" tool-call-block)*\ntool-call-block ::= ${wrapped}` : `root ::= ${wrapped}`;
  return `${root}\n${body}`;
}

/** The system text that teaches a template without a tool format to call tools (generic JSON). */
function genericToolPrompt(/** @type {ReturnType<typeof validateTools>} */ tools, /** @type {boolean} */ required) {
  return [
    'You can call these functions (JSON schemas of their parameters):',
    JSON.stringify(tools.map((t) => t.function), null, 2),
    required
      ? 'Reply with only a JSON object {"tool_calls": [{"name": <function name>, "arguments": <object>}]}.'
      : 'To call functions, reply with only a JSON object {"tool_calls": [{"name": <function name>, "arguments": <object>}]}; otherwise answer normally.',
  ].join('\n');
}

/**
 * @param {any} params the chat.completions.create() request
 * @param {{ templateSource: string }} model
 */
export function readChatRequest(params, model) {
  const messages = templateMessages(params.messages);
  const tools = validateTools(params.tools);
  const names = new Set(tools.map((t) => t.function.name));
  const toolChoice = validateToolChoice(params.tool_choice, names);
  const parallel = params.parallel_tool_calls ?? true;
  if (typeof parallel !== 'boolean') throw new InvalidArgumentError('parallel_tool_calls must be a boolean.');
  const reasoningFormat = params.reasoning_format ?? 'auto';
  if (reasoningFormat !== 'auto' && reasoningFormat !== 'none') throw new InvalidArgumentError("reasoning_format must be 'auto' (reasoning in reasoning_content) or 'none' (kept in content).");

  const grammars = [];
  if (params.grammar !== undefined) {
    if (typeof params.grammar !== 'string' || params.grammar.trim() === '') throw new InvalidArgumentError('grammar must be a string of GBNF, not empty (root rule "root").');
    grammars.push({ field: 'grammar', grammar: params.grammar });
  }
  const format = params.response_format;
  if (format !== undefined && format !== null) {
    if (!isObject(format) || !['text', 'json_object', 'json_schema'].includes(format.type)) {
      throw new InvalidArgumentError("response_format must be { type: 'text' | 'json_object' | 'json_schema' }.");
    }
    if (format.type === 'json_object') grammars.push({ field: 'response_format', grammar: jsonSchemaToGrammar(isObject(format.schema) ? format.schema : {}) });
    if (format.type === 'json_schema') {
      if (!isObject(format.json_schema) || !isObject(format.json_schema.schema) && format.json_schema.schema !== true) {
        throw new InvalidArgumentError('response_format.json_schema must be { name, schema: <JSON schema>, strict? }.');
      }
      try {
        grammars.push({ field: 'response_format', grammar: jsonSchemaToGrammar(format.json_schema.schema) });
      } catch (error) {
        throw new InvalidArgumentError(`response_format.json_schema.schema: ${/** @type {Error} */ (error).message}`, { cause: error });
      }
    }
  }

  const useTools = toolChoice.mode !== 'none' && tools.length > 0;
  const templateTakesTools = /\btools\b/.test(model.templateSource);
  const family = useTools ? detectToolCallFamily(model.templateSource, templateTakesTools) : null;
  const offered = toolChoice.name ? tools.filter((t) => t.function.name === toolChoice.name) : tools;
  if (family && toolChoice.mode === 'required') grammars.push({ field: 'tool_choice', grammar: forcedToolCallGrammar(family, offered, parallel) });
  if (grammars.length > 1) throw new InvalidArgumentError(`${grammars.map((g) => g.field).join(' and ')} each constrain the reply: give only one.`);

  let templateInput = family?.idPattern ? withIdsMatching(messages, family.idPattern) : messages;
  if (family?.name === 'generic') {
    const takesToolRole = /["']tool["']/.test(model.templateSource);
    templateInput = genericMessages(messages, genericToolPrompt(offered, toolChoice.mode === 'required'), takesToolRole);
  }
  return {
    messages: templateInput,
    tools: useTools && templateTakesTools ? tools : undefined,
    family,
    toolNames: new Set(offered.map((t) => t.function.name)),
    grammar: grammars[0]?.grammar,
    parseReasoning: reasoningFormat === 'auto',
  };
}

/**
 * Messages for a template that knows no tools: the tool prompt joins the system message, earlier
 * calls are written as the JSON the model is asked for, and tool results become user turns
 * (`{"tool_response": …}`, consecutive ones in one turn) where the template has no tool role.
 * @param {any[]} messages @param {string} prompt @param {boolean} takesToolRole
 */
function genericMessages(messages, prompt, takesToolRole) {
  /** @type {Array<{ role: string, content: string }>} */
  const rendered = [];
  for (const m of messages) {
    if (m.tool_calls) {
      const calls = m.tool_calls.map((/** @type {any} */ c) => ({ name: c.function.name, arguments: c.function.arguments, id: c.id }));
      rendered.push({ role: m.role, content: JSON.stringify({ tool_calls: calls }) });
    } else if (m.role === 'tool' && !takesToolRole) {
      const response = JSON.stringify({ tool_response: { tool_call_id: m.tool_call_id, content: m.content } });
      const last = rendered.at(-1);
      if (last?.role === 'user' && last.content.startsWith('{"tool_response"')) last.content += `\n${response}`;
      else rendered.push({ role: 'user', content: response });
    } else {
      rendered.push({ role: m.role, content: m.content });
    }
  }
  if (rendered[0]?.role === 'system') return [{ role: 'system', content: `${rendered[0].content}\n\n${prompt}` }, ...rendered.slice(1)];
  return [{ role: 'system', content: prompt }, ...rendered];
}

/**
 * Rewrites call ids the template would refuse (Mistral: 9 letters or digits) to ones it takes,
 * the same id for a call and its result. @param {any[]} messages @param {RegExp} pattern
 */
function withIdsMatching(messages, pattern) {
  const fit = (/** @type {unknown} */ id) => {
    if (typeof id !== 'string' || pattern.test(id)) return id;
    // FNV-1a of the id, written in base 36 and padded: stable, so the call and its result agree.
    let hash = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0;
    return (hash.toString(36) + id.replace(/[^a-zA-Z0-9]/g, '')).padEnd(9, '0').slice(0, 9);
  };
  return messages.map((m) => ({
    ...m,
    ...(m.tool_calls ? { tool_calls: m.tool_calls.map((/** @type {any} */ c) => ({ ...c, id: fit(c.id) })) } : {}),
    ...(m.tool_call_id !== undefined ? { tool_call_id: fit(m.tool_call_id) } : {}),
  }));
}
