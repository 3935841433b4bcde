/**
 * Finds where one JSON value written by a model ends, so a tool call can be cut out of the text
 * around it: strings (with escapes) are skipped and brackets counted. Returns -1 for a value that
 * is not closed yet (a reply still streaming, or a truncated one).
 * @module tool_calls/json_scan
 */

/**
 * @param {string} text
 * @param {number} start index of the value's first character ('{' or '[')
 * @returns {number} the index just past the value, or -1 when it does not close
 */
export function endOfJsonValue(text, start) {
  const open = text[start];
  if (open !== '{' && open !== '[') return -1;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '{' || c === '[') {
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * JSON.parse that returns undefined instead of throwing.
 * @param {string} text
 * @returns {unknown}
 */
export function tryParseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The first complete JSON value starting at `start` (after whitespace) and the index after it.
 * @param {string} text @param {number} start
 * @returns {{ value: unknown, end: number } | null}
 */
export function readJsonValue(text, start) {
  let i = start;
  while (i < text.length && /\s/.test(text[i])) i++;
  const end = endOfJsonValue(text, i);
  if (end < 0) return null;
  const value = tryParseJson(text.slice(i, end));
  return value === undefined ? null : { value, end };
}
