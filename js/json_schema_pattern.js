/**
 * A JSON schema string `pattern` (a regular expression anchored with ^…$) as a GBNF rule, as
 * llama.cpp's _visit_pattern translates it: groups, alternation, classes, . and the quantifiers
 * ? * + {m} {m,} {m,n} (a repeated group gets a sub-rule). Lookarounds, non-capturing groups and
 * escapes GBNF has no spelling for (\d, \w, \b…) are refused by name.
 * @module json_schema_pattern
 */

import { InvalidArgumentError } from './errors.js';
import { buildRepetition } from './json_schema_grammar.js';

const DOTALL = '[\\U00000000-\\U0010FFFF]';
const DOT = '[^\\x0A\\x0D]';
const NON_LITERAL = new Set('|.()[]{}*+?');
const ESCAPED_IN_REGEXPS_BUT_NOT_IN_LITERALS = new Set('^$.[]()|{}*+?');

/**
 * Length of a regex escape GBNF also understands at `pos` (\t \r \n \\ \" \[ \] \xHH \uHHHH
 * \UHHHHHHHH), or 0. @param {string} pattern @param {number} pos
 */
function gbnfEscapeLength(pattern, pos) {
  if (pos + 1 >= pattern.length || pattern[pos] !== '\\') return 0;
  const hexDigits = { x: 2, u: 4, U: 8 }[pattern[pos + 1]];
  if (hexDigits === undefined) return 'trn\\"[]'.includes(pattern[pos + 1]) ? 2 : 0;
  const hex = pattern.slice(pos + 2, pos + 2 + hexDigits);
  return hex.length === hexDigits && /^[0-9a-fA-F]+$/.test(hex) ? 2 + hexDigits : 0;
}

/**
 * @param {unknown} pattern the schema's `pattern`
 * @param {string} name the rule's name (sub-rules are name-1, name-2…)
 * @param {{ dotall: boolean, rawPattern: boolean, path: string, addRule: (name: string, rule: string) => string }} context
 * @returns {string} the rule body (a JSON string whose content matches the pattern)
 */
export function patternRule(pattern, name, context) {
  const fail = (/** @type {string} */ why) => {
    throw new InvalidArgumentError(`pattern ${JSON.stringify(pattern)} at ${context.path} is not supported: ${why}.`);
  };
  if (typeof pattern !== 'string') fail('it must be a string');
  const text = /** @type {string} */ (pattern);
  if (!text.startsWith('^') || !text.endsWith('$') || text.length < 2) fail('it must start with "^" and end with "$"');
  const body = text.slice(1, -1);
  const length = body.length;
  /** @type {Map<string, string>} */
  const subRuleIds = new Map();
  let i = 0;

  /** @typedef {[string, boolean]} Piece its text, and whether it is a literal (unquoted yet) */
  const toRule = (/** @type {Piece} */ [txt, isLiteral]) => (isLiteral ? `"${txt}"` : txt);

  /** Parses a sequence up to the closing ')' of its group (or the end). @returns {Piece} */
  const transform = () => {
    const start = i;
    /** @type {Piece[]} */
    const seq = [];
    const joinSeq = () => {
      // Adjacent literals merge; otherwise the pieces are joined as they are.
      /** @type {Piece[]} */
      const merged = [];
      for (const piece of seq) {
        const last = merged.at(-1);
        if (piece[1] && last?.[1]) last[0] += piece[0]; else merged.push([piece[0], piece[1]]);
      }
      if (merged.length === 1) return merged[0];
      return /** @type {Piece} */ ([seq.map(toRule).join(' '), false]);
    };
    while (i < length) {
      const c = body[i];
      if (c === '.') {
        seq.push([context.addRule('dot', context.dotall ? DOTALL : DOT), false]);
        i++;
      } else if (c === '(') {
        i++;
        if (i < length && body[i] === '?') fail(`"(?" (lookarounds and non-capturing groups) at index ${i}`);
        seq.push([`(${toRule(transform())})`, false]);
      } else if (c === ')') {
        i++;
        if (!(start > 0 && body[start - 1] === '(')) fail(`unbalanced parentheses at index ${i - 1}`);
        return joinSeq();
      } else if (c === '[') {
        let brackets = c;
        i++;
        while (i < length && body[i] !== ']') {
          if (body[i] === '\\') {
            const escape = gbnfEscapeLength(body, i);
            if (escape === 0) fail(`the escape "${body.slice(i, i + 2)}" in a character class`);
            brackets += body.slice(i, i + escape);
            i += escape;
          } else {
            brackets += body[i];
            i++;
          }
        }
        if (i >= length) fail('unbalanced square brackets');
        brackets += ']';
        i++;
        seq.push([brackets, false]);
      } else if (c === '|') {
        seq.push(['|', false]);
        i++;
      } else if (c === '*' || c === '+' || c === '?') {
        if (seq.length === 0) fail(`"${c}" at index ${i} repeats nothing`);
        seq[seq.length - 1] = [toRule(/** @type {Piece} */ (seq.at(-1))) + c, false];
        i++;
      } else if (c === '{') {
        let curly = c;
        i++;
        while (i < length && body[i] !== '}') curly += body[i++];
        if (i >= length) fail('unbalanced curly brackets');
        curly += '}';
        i++;
        if (seq.length === 0) fail(`the quantifier ${curly} repeats nothing`);
        const nums = curly.slice(1, -1).split(',').map((s) => s.trim());
        const parse = (/** @type {string} */ s) => {
          if (!/^\d+$/.test(s)) fail(`the quantifier ${curly}`);
          return Number(s);
        };
        if (nums.length > 2) fail(`the quantifier ${curly}`);
        const minTimes = nums.length === 1 ? parse(nums[0]) : nums[0] ? parse(nums[0]) : 0;
        const maxTimes = nums.length === 1 ? minTimes : nums[1] ? parse(nums[1]) : undefined;
        let [sub, subIsLiteral] = /** @type {Piece} */ (seq.at(-1));
        if (!subIsLiteral) {
          let id = subRuleIds.get(sub);
          if (id === undefined) {
            id = context.addRule(`${name}-${subRuleIds.size + 1}`, sub);
            subRuleIds.set(sub, id);
          }
          sub = id;
        }
        seq[seq.length - 1] = [buildRepetition(subIsLiteral ? `"${sub}"` : sub, minTimes, maxTimes), false];
      } else {
        let literal = '';
        while (i < length) {
          if (body[i] === '\\') {
            if (i === length - 1) fail(`a trailing "\\" at index ${i}`);
            const next = body[i + 1];
            if (ESCAPED_IN_REGEXPS_BUT_NOT_IN_LITERALS.has(next)) {
              literal += next;
              i += 2;
            } else {
              const escape = gbnfEscapeLength(body, i);
              if (escape === 0) fail(`the escape "${body.slice(i, i + 2)}" has no GBNF equivalent (write a character class such as [0-9])`);
              literal += body.slice(i, i + escape);
              i += escape;
            }
          } else if (body[i] === '"' && !context.rawPattern) {
            literal += '\\"';
            i++;
          } else if (!NON_LITERAL.has(body[i])
            && (i === length - 1 || literal === '' || body[i + 1] === '.' || !NON_LITERAL.has(body[i + 1]))) {
            literal += body[i];
            i++;
          } else {
            break;
          }
        }
        if (!literal) fail(`unexpected "${body[i]}" at index ${i}`);
        seq.push([literal, true]);
      }
    }
    return joinSeq();
  };

  const rule = toRule(transform());
  return context.rawPattern ? rule : `"\\"" (${rule}) "\\""`;
}
