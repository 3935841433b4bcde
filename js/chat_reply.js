/**
 * Turns a model's reply, piece by piece as it streams, into OpenAI chat deltas: reasoning
 * (`reasoning_content`), content, and tool calls in the model family's format. Text that may
 * still become a tag or a tool call is held back until the next piece (or the end) decides.
 * The non-streaming message is the sum of the same deltas, so both forms always agree.
 * @module chat_reply
 */

import { partialTagLength, splitReasoning } from './reasoning.js';

/**
 * @typedef {{ id: string, type: 'function', function: { name: string, arguments: string } }} ToolCall
 * @typedef {{ index: number, id?: string, type?: 'function', function: { name?: string, arguments: string } }} ToolCallDelta
 * @typedef {{ reasoning_content?: string, content?: string, tool_calls?: ToolCallDelta[] }} ReplyDelta
 * @typedef {object} ReplyOptions
 * @property {import('./tool_calls/families.js').ToolCallFamily | null} family null: tool calls are not parsed
 * @property {Set<string>} toolNames the functions the request offered
 * @property {boolean} parseReasoning false keeps <think>… inline in the content
 * @property {boolean} startsInsideReasoning the prompt ended with <think>
 */

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** @param {number} n random letters and digits */
const randomAlphanumeric = (n) => Array.from({ length: n }, () => ID_ALPHABET[Math.floor(Math.random() * ID_ALPHABET.length)]).join('');

/**
 * A new call id: OpenAI's style (call_ + 24 characters), or 9 letters and digits for families
 * whose template takes only those (Mistral). @param {RegExp | undefined} idPattern
 */
function toolCallId(idPattern) {
  return idPattern ? randomAlphanumeric(9) : `call_${randomAlphanumeric(24)}`;
}

/**
 * Checks the calls a family read against the offered tools: a name that was not offered, or
 * arguments that are not a JSON object, make the whole section plain content.
 * @param {import('./tool_calls/families.js').RawCall[]} calls @param {Set<string>} toolNames
 * @param {RegExp} [idPattern] the ids the family's template accepts
 * @returns {ToolCall[] | null}
 */
export function validToolCalls(calls, toolNames, idPattern) {
  /** @type {ToolCall[]} */
  const out = [];
  for (const call of calls) {
    if (!toolNames.has(call.name)) return null;
    const args = call.arguments;
    if (typeof args !== 'object' || args === null || Array.isArray(args)) return null;
    const id = call.id && (!idPattern || idPattern.test(call.id)) ? call.id : toolCallId(idPattern);
    out.push({ id, type: 'function', function: { name: call.name, arguments: JSON.stringify(args) } });
  }
  return out;
}

/** Where a tool section may begin in `rest`, and how much of the end to hold back. */
function locateSection(/** @type {string} */ rest, /** @type {NonNullable<ReplyOptions['family']>} */ family, /** @type {boolean} */ final) {
  const lead = rest.length - rest.trimStart().length;
  if (family.leadingJson && (rest.trimStart() === '' ? !final : /^[{[]/.test(rest.slice(lead)))) {
    return { sectionStart: rest.trimStart() === '' ? rest.length : lead, hold: 0 };
  }
  let sectionStart = -1;
  for (const opener of family.openers) {
    const at = rest.indexOf(opener);
    if (at >= 0 && (sectionStart < 0 || at < sectionStart)) sectionStart = at;
  }
  if (sectionStart >= 0) return { sectionStart, hold: 0 };
  const hold = final ? 0 : Math.max(0, ...family.openers.map((opener) => partialTagLength(rest, opener)));
  return { sectionStart: -1, hold };
}

/** Streams one reply into deltas. */
export class ReplyParser {
  /** @param {ReplyOptions} options */
  constructor(options) {
    this.options = options;
    this.text = '';
    this.emittedReasoning = '';
    this.emittedContent = '';
    /** @type {ToolCall[]} */
    this.toolCalls = [];
  }

  /**
   * @param {string} piece the next text the model wrote
   * @returns {ReplyDelta[]}
   */
  push(piece) {
    this.text += piece;
    return this.emit(this.view(false));
  }

  /** The rest of the reply once the model stopped. @returns {ReplyDelta[]} */
  finish() {
    const view = this.view(true);
    const deltas = this.emit(view);
    this.toolCalls = view.toolCalls;
    // As OpenAI streams a call: its id, type and name with empty arguments, then the arguments.
    view.toolCalls.forEach((call, index) => {
      deltas.push({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
      deltas.push({ tool_calls: [{ index, function: { arguments: call.function.arguments } }] });
    });
    return deltas;
  }

  /** @param {boolean} final */
  view(final) {
    const { family, toolNames, parseReasoning, startsInsideReasoning } = this.options;
    const split = parseReasoning ? splitReasoning(this.text, { startsInside: startsInsideReasoning, final })
      : { reasoning: '', rest: this.text, restStart: true };
    const reasoning = split.reasoning.trimEnd();
    /** @type {ToolCall[]} */
    let toolCalls = [];
    let content = split.rest;
    if (family && split.restStart) {
      const { sectionStart, hold } = locateSection(split.rest, family, final);
      if (sectionStart < 0) {
        content = split.rest.slice(0, split.rest.length - hold);
      } else {
        const before = split.rest.slice(0, sectionStart).trimEnd();
        content = before;
        if (final) {
          const parsed = family.parse(split.rest.slice(sectionStart));
          const calls = parsed && validToolCalls(parsed.calls, toolNames, family.idPattern);
          if (parsed && calls) {
            toolCalls = calls;
            const trailing = parsed.trailing.trim();
            content = [before, trailing].filter(Boolean).join('\n');
          } else {
            // Not a call we can honour (malformed, truncated, a function not offered): plain content.
            content = split.rest;
          }
        }
      }
      // Trailing space may turn out to precede a tool call: held until text follows it.
      if (!final) content = content.trimEnd();
    }
    return { reasoning, content, toolCalls };
  }

  /** @param {{ reasoning: string, content: string }} view @returns {ReplyDelta[]} */
  emit(view) {
    /** @type {ReplyDelta[]} */
    const deltas = [];
    if (view.reasoning.length > this.emittedReasoning.length && view.reasoning.startsWith(this.emittedReasoning)) {
      deltas.push({ reasoning_content: view.reasoning.slice(this.emittedReasoning.length) });
      this.emittedReasoning = view.reasoning;
    }
    if (view.content.length > this.emittedContent.length && view.content.startsWith(this.emittedContent)) {
      deltas.push({ content: view.content.slice(this.emittedContent.length) });
      this.emittedContent = view.content;
    }
    return deltas;
  }

  /** The whole message, once finished (the sum of the deltas). */
  message() {
    /** @type {{ role: 'assistant', content: string | null, reasoning_content?: string, tool_calls?: ToolCall[] }} */
    const message = { role: 'assistant', content: this.emittedContent };
    if (this.emittedReasoning) message.reasoning_content = this.emittedReasoning;
    if (this.toolCalls.length > 0) {
      message.tool_calls = this.toolCalls;
      if (!message.content) message.content = null;
    }
    return message;
  }
}
