/**
 * Reasoning models (Qwen3, QwQ, DeepSeek-R1 distills) think in `<think>…</think>` before they
 * answer. This splits a reply, while it streams, into the reasoning and what follows it; text
 * that may be the start of a tag is held back until the next piece shows what it is.
 * @module reasoning
 */

export const THINK_OPEN = '<think>';
export const THINK_CLOSE = '</think>';

/**
 * Whether a rendered prompt leaves the model inside its reasoning (templates that end the
 * generation prompt with `<think>\n`, as DeepSeek-R1 distills and Qwen3 with thinking forced do).
 * @param {string} prompt
 */
export function promptOpensThinking(prompt) {
  const trimmed = prompt.trimEnd();
  return trimmed.endsWith(THINK_OPEN);
}

/**
 * Length of the longest suffix of `text` that is a proper prefix of `tag` (text to hold back).
 * @param {string} text @param {string} tag
 */
export function partialTagLength(text, tag) {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) {
    if (text.endsWith(tag.slice(0, n))) return n;
  }
  return 0;
}

/**
 * Splits a reply (so far) into reasoning and the rest. Stable while streaming: what it reports
 * for a prefix of the reply is a prefix of what it reports for the whole reply.
 * @param {string} text the reply so far
 * @param {{ startsInside: boolean, final: boolean }} options startsInside: the prompt opened <think>
 * @returns {{ reasoning: string, rest: string, restStart: boolean }} restStart: the answer has begun
 */
export function splitReasoning(text, { startsInside, final }) {
  let body = text;
  if (!startsInside) {
    const lead = text.length - text.trimStart().length;
    const afterSpace = text.slice(lead);
    if (!afterSpace.startsWith(THINK_OPEN)) {
      // Not (yet) a <think>: a partial '<thi' at the start is held unless the reply ended.
      const maybe = !final && THINK_OPEN.startsWith(afterSpace);
      return { reasoning: '', rest: maybe ? '' : text, restStart: !maybe };
    }
    body = afterSpace.slice(THINK_OPEN.length);
  }
  const close = body.indexOf(THINK_CLOSE);
  if (close < 0) {
    // Still thinking (or a reply cut off while thinking: all of it is reasoning).
    const hold = final ? 0 : partialTagLength(body, THINK_CLOSE);
    return { reasoning: trimLeadingNewlines(body.slice(0, body.length - hold)), rest: '', restStart: false };
  }
  return { reasoning: trimLeadingNewlines(body.slice(0, close)).trimEnd(), rest: body.slice(close + THINK_CLOSE.length).trimStart(), restStart: true };
}

/** @param {string} text */
function trimLeadingNewlines(text) {
  return text.replace(/^\n+/, '');
}
