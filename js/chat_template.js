/**
 * Renders a conversation into the prompt text the model was trained on, with the GGUF's own
 * `tokenizer.chat_template` (Jinja, rendered by @huggingface/jinja) or ChatML when it has none.
 * @module chat_template
 */

import { Template } from '@huggingface/jinja';
import { ChatTemplateError, InvalidArgumentError } from './errors.js';

/**
 * @typedef {{ role: 'system' | 'user' | 'assistant' | 'tool' | string, content: string }} ChatMessage
 */

/** The template used when a model ships none: ChatML, as llama.cpp falls back to. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
  + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** @param {unknown} messages */
function validateMessages(messages) {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidArgumentError('messages must be a non-empty array of { role, content }.');
  }
  for (const [i, message] of messages.entries()) {
    if (!message || typeof message.role !== 'string' || typeof message.content !== 'string') {
      throw new InvalidArgumentError(`messages[${i}] must be { role: string, content: string }.`);
    }
  }
}

/**
 * Folds a leading system message into the first user turn, for templates that refuse the system
 * role (Gemma) the way llama.cpp does.
 * @param {ChatMessage[]} messages
 */
function foldSystemIntoFirstUser(messages) {
  const [system, ...rest] = messages;
  const firstUser = rest.findIndex((m) => m.role === 'user');
  if (firstUser < 0) return rest;
  return rest.map((m, i) => (i === firstUser ? { ...m, content: `${system.content}\n\n${m.content}` } : m));
}

/** A compiled chat template bound to one model's special tokens. */
export class ChatTemplate {
  /**
   * @param {string | null | undefined} source the GGUF's tokenizer.chat_template, or none for ChatML
   * @param {{ bos_token?: string, eos_token?: string }} [specialTokens] texts of the model's BOS/EOS
   */
  constructor(source, specialTokens = {}) {
    this.source = source || CHATML_TEMPLATE;
    this.isDefault = !source;
    this.bosToken = specialTokens.bos_token ?? '';
    this.eosToken = specialTokens.eos_token ?? '';
    try {
      this.template = new Template(this.source);
    } catch (error) {
      throw new ChatTemplateError(`The model's chat template does not parse (${/** @type {Error} */ (error).message}); pass a prompt to engine.complete() instead, or fix tokenizer.chat_template.`, { cause: error });
    }
  }

  /**
   * Renders the conversation, ending with the assistant's turn opener.
   * @param {ChatMessage[]} messages
   * @param {{ addGenerationPrompt?: boolean, tools?: object[] }} [options] tools: OpenAI's tool list,
   *   given to the template as Hugging Face's apply_chat_template does
   * @returns {string}
   */
  render(messages, options = {}) {
    validateMessages(messages);
    const attempt = (/** @type {ChatMessage[]} */ list) => this.template.render({
      messages: list,
      add_generation_prompt: options.addGenerationPrompt ?? true,
      bos_token: this.bosToken,
      eos_token: this.eosToken,
      ...(options.tools ? { tools: options.tools } : {}),
    });
    try {
      return attempt(messages);
    } catch (error) {
      if (messages[0].role === 'system' && messages.length > 1) {
        try {
          return attempt(foldSystemIntoFirstUser(messages));
        } catch {
          // report the original failure below
        }
      }
      if (error instanceof ChatTemplateError) throw error;
      throw new ChatTemplateError(`The chat template failed to render: ${/** @type {Error} */ (error).message}.`, { cause: error });
    }
  }
}
