/**
 * Python-style call lists, as Gemma 3 (Google's documented function-calling prompt) and LFM2
 * write them: `[get_weather(city="Paris", days=3), now()]`. Arguments are keyword-only Python
 * literals: strings ('…' or "…"), numbers, True/False/None, lists and dicts of them.
 * @module tool_calls/pythonic
 */

class PythonSyntaxError extends Error {}

/** @param {string} text */
function parser(text) {
  let i = 0;
  const fail = (/** @type {string} */ what) => { throw new PythonSyntaxError(`${what} at index ${i}`); };
  const skipSpace = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const expect = (/** @type {string} */ c) => { skipSpace(); if (text[i] !== c) fail(`expected "${c}"`); i++; };
  const identifier = () => {
    skipSpace();
    const match = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(text.slice(i));
    if (!match) fail('expected a name');
    i += /** @type {RegExpExecArray} */ (match)[0].length;
    return /** @type {RegExpExecArray} */ (match)[0];
  };
  const stringLiteral = () => {
    const quote = text[i++];
    let out = '';
    while (i < text.length && text[i] !== quote) {
      if (text[i] === '\\') {
        const next = text[i + 1];
        const simple = /** @type {Record<string, string>} */ ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' })[next];
        if (simple === undefined) fail('an unknown escape');
        out += simple;
        i += 2;
      } else {
        out += text[i++];
      }
    }
    if (text[i] !== quote) fail('an unterminated string');
    i++;
    return out;
  };
  /** @returns {unknown} */
  const value = () => {
    skipSpace();
    const c = text[i];
    if (c === '"' || c === "'") return stringLiteral();
    if (c === '[') {
      i++;
      const items = [];
      skipSpace();
      while (text[i] !== ']') {
        items.push(value());
        skipSpace();
        if (text[i] === ',') { i++; skipSpace(); } else if (text[i] !== ']') fail('expected "," or "]"');
      }
      i++;
      return items;
    }
    if (c === '{') {
      i++;
      /** @type {Record<string, unknown>} */
      const object = {};
      skipSpace();
      while (text[i] !== '}') {
        const key = value();
        if (typeof key !== 'string') fail('a dict key that is not a string');
        expect(':');
        object[/** @type {string} */ (key)] = value();
        skipSpace();
        if (text[i] === ',') { i++; skipSpace(); } else if (text[i] !== '}') fail('expected "," or "}"');
      }
      i++;
      return object;
    }
    const number = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i));
    if (number) { i += number[0].length; return Number(number[0]); }
    for (const [word, literal] of /** @type {Array<[string, unknown]>} */ ([['True', true], ['False', false], ['None', null], ['true', true], ['false', false], ['null', null]])) {
      if (text.startsWith(word, i)) { i += word.length; return literal; }
    }
    return fail('expected a value');
  };
  const call = () => {
    const name = identifier();
    expect('(');
    /** @type {Record<string, unknown>} */
    const args = {};
    skipSpace();
    while (text[i] !== ')') {
      const key = identifier();
      expect('=');
      args[key] = value();
      skipSpace();
      if (text[i] === ',') { i++; skipSpace(); } else if (text[i] !== ')') fail('expected "," or ")"');
    }
    i++;
    return { name, arguments: args };
  };
  return {
    /** `[call, call…]` or a single `call`; the whole text must be consumed. */
    calls() {
      skipSpace();
      const bracketed = text[i] === '[';
      if (bracketed) i++;
      const calls = [];
      for (;;) {
        calls.push(call());
        skipSpace();
        if (text[i] === ',' && bracketed) { i++; continue; }
        break;
      }
      if (bracketed) expect(']');
      skipSpace();
      if (i !== text.length) fail('text after the calls');
      return calls;
    },
  };
}

/**
 * @param {string} text e.g. `[get_weather(city="Paris")]`
 * @returns {Array<{ name: string, arguments: Record<string, unknown> }> | null} null when it is not such a list
 */
export function parsePythonicCalls(text) {
  try {
    return parser(text).calls();
  } catch (error) {
    if (error instanceof PythonSyntaxError) return null;
    throw error;
  }
}
