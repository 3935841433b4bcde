/**
 * JSON schema → GBNF grammar with the semantics of llama.cpp's json_schema_to_grammar
 * (examples/json_schema_to_grammar.py at 80fb11a: the same rule names, rule bodies and order, so
 * tests compare our text with the script's). Where the reference silently ignores a keyword or
 * writes a grammar its own parser refuses (an unknown regex escape), we throw InvalidArgumentError
 * naming the keyword and its place in the schema instead.
 * @module json_schema_grammar
 */

import { InvalidArgumentError } from './errors.js';
import { integerRangeRule } from './json_schema_integers.js';
import { patternRule } from './json_schema_pattern.js';

/** Whitespace between tokens, bounded so a model cannot run away in blank space. */
const SPACE_RULE = '| " " | "\\n"{1,2} [ \\t]{0,20}';

/** @typedef {{ content: string, deps: string[] }} BuiltinRule */
/** @type {Record<string, BuiltinRule>} */
const PRIMITIVE_RULES = {
  boolean: { content: '("true" | "false")', deps: [] },
  'decimal-part': { content: '[0-9]{1,16}', deps: [] },
  'integral-part': { content: '[0] | [1-9] [0-9]{0,15}', deps: [] },
  number: { content: '("-"? integral-part) ("." decimal-part)? ([eE] [-+]? integral-part)?', deps: ['integral-part', 'decimal-part'] },
  integer: { content: '("-"? integral-part)', deps: ['integral-part'] },
  value: { content: 'object | array | string | number | boolean | null', deps: ['object', 'array', 'string', 'number', 'boolean', 'null'] },
  object: { content: '"{" space ( string ":" space value ("," space string ":" space value)* )? space "}"', deps: ['string', 'value'] },
  array: { content: '"[" space ( value ("," space value)* )? space "]"', deps: ['value'] },
  uuid: { content: '"\\"" [0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12} "\\""', deps: [] },
  char: { content: '[^"\\\\\\x7F\\x00-\\x1F] | [\\\\] (["\\\\bfnrt] | "u" [0-9a-fA-F]{4})', deps: [] },
  string: { content: '"\\"" char* "\\""', deps: ['char'] },
  null: { content: '"null"', deps: [] },
};

/** @type {Record<string, BuiltinRule>} */
const STRING_FORMAT_RULES = {
  date: { content: '[0-9]{4} "-" ( "0" [1-9] | "1" [0-2] ) "-" ( "0" [1-9] | [1-2] [0-9] | "3" [0-1] )', deps: [] },
  time: { content: '([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{3} )? ( "Z" | ( "+" | "-" ) ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] )', deps: [] },
  'date-time': { content: 'date "T" time', deps: ['date', 'time'] },
  'date-string': { content: '"\\"" date "\\""', deps: ['date'] },
  'time-string': { content: '"\\"" time "\\""', deps: ['time'] },
  'date-time-string': { content: '"\\"" date-time "\\""', deps: ['date-time'] },
};

const RESERVED_NAMES = new Set(['root', 'dot', ...Object.keys(PRIMITIVE_RULES), ...Object.keys(STRING_FORMAT_RULES)]);

/** Keywords that only describe (the reference reads none of them, and none changes what is valid). */
const ANNOTATIONS = new Set([
  'title', 'description', 'default', 'examples', 'example', '$schema', '$id', '$comment', 'deprecated', 'readOnly',
  'writeOnly', '$defs', 'definitions', 'strict', 'nullable_description', 'contentMediaType', 'contentEncoding',
]);

/** Keywords each branch of the converter honours; any other keyword beside them is refused. */
const KEYWORDS_BY_KIND = {
  ref: ['$ref'],
  union: ['oneOf', 'anyOf', 'type'],
  const: ['const', 'type'],
  enum: ['enum', 'type'],
  object: ['type', 'properties', 'required', 'additionalProperties'],
  allOf: ['type', 'allOf'],
  array: ['type', 'items', 'prefixItems', 'minItems', 'maxItems'],
  pattern: ['type', 'pattern'],
  format: ['type', 'format'],
  stringLength: ['type', 'minLength', 'maxLength'],
  integerRange: ['type', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'],
  primitive: ['type'],
};

/** @param {unknown} value @returns {value is Record<string, any>} */
const isPlainObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * JSON text as Python's json.dumps writes it (the reference's literals): ", " and ": " separators
 * and every non-ASCII character as \uXXXX.
 * @param {unknown} value
 * @returns {string}
 */
export function pythonJsonDumps(value) {
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(/** @type {object} */ (value)).map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
  }
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new InvalidArgumentError(`The schema holds ${value}, which JSON cannot write.`);
  return JSON.stringify(value);
}

/** @param {string} literal */
export function formatLiteral(literal) {
  const escapes = /** @type {Record<string, string>} */ ({ '\r': '\\r', '\n': '\\n', '"': '\\"', '\\': '\\\\' });
  return `"${literal.replace(/[\r\n"\\]/g, (c) => escapes[c])}"`;
}

/**
 * `item` repeated min..max times (max undefined: unbounded), joined by `separator` when given.
 * @param {string} item @param {number} min @param {number | undefined} max @param {string} [separator]
 * @returns {string}
 */
export function buildRepetition(item, min, max, separator) {
  if (max === 0) return '';
  if (min === 0 && max === 1) return `${item}?`;
  if (!separator) {
    if (min === 1 && max === undefined) return `${item}+`;
    if (min === 0 && max === undefined) return `${item}*`;
    return `${item}{${min},${max ?? ''}}`;
  }
  const result = `${item} ${buildRepetition(`(${separator} ${item})`, min > 0 ? min - 1 : 0, max === undefined ? undefined : max - 1)}`;
  return min === 0 ? `(${result})?` : result;
}

/** Python's sorted() of JSON scalars: numbers by value, strings by code point. @param {any[]} values */
function pythonSorted(values) {
  return [...values].sort((a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    const x = String(a); const y = String(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** Walks a schema and collects the grammar's rules. */
export class SchemaConverter {
  /** @param {{ propOrder?: string[], dotall?: boolean, rawPattern?: boolean }} [options] */
  constructor(options = {}) {
    this.propOrder = new Map((options.propOrder ?? []).map((name, i) => [name, i]));
    this.dotall = options.dotall ?? false;
    this.rawPattern = options.rawPattern ?? false;
    /** @type {Map<string, string>} rule name → body */
    this.rules = new Map([['space', SPACE_RULE]]);
    /** @type {Map<string, any>} '#/…' → the schema it points at */
    this.refs = new Map();
    /** @type {Set<string>} */
    this.refsBeingResolved = new Set();
  }

  /**
   * Adds a rule under `name` (made a valid rule name), or under name0, name1… when a different
   * rule already has it. @param {string} name @param {string} rule @returns {string} the key
   */
  addRule(name, rule) {
    const escaped = name.replace(/[^a-zA-Z0-9-]+/g, '-');
    let key = escaped;
    if (this.rules.has(escaped) && this.rules.get(escaped) !== rule) {
      let i = 0;
      while (this.rules.has(`${escaped}${i}`) && this.rules.get(`${escaped}${i}`) !== rule) i++;
      key = `${escaped}${i}`;
    }
    this.rules.set(key, rule);
    return key;
  }

  /** @param {string} name @param {BuiltinRule} rule */
  addPrimitive(name, rule) {
    const key = this.addRule(name, rule.content);
    for (const dep of rule.deps) {
      const depRule = PRIMITIVE_RULES[dep] ?? STRING_FORMAT_RULES[dep];
      if (!this.rules.has(dep)) this.addPrimitive(dep, depRule);
    }
    return key;
  }

  /**
   * Records every local `$ref` ('#/…', resolved against the root schema). Remote references
   * cannot be fetched in a browser engine and are refused.
   * @param {any} schema
   */
  resolveRefs(schema) {
    const visit = (/** @type {any} */ node, /** @type {string} */ path) => {
      if (Array.isArray(node)) { node.forEach((item, i) => visit(item, `${path}/${i}`)); return; }
      if (!isPlainObject(node)) return;
      // Every node is visited (also beside a $ref, e.g. the $defs of a root that is a $ref): a
      // local reference can only point into this tree, so this finds every target.
      for (const [key, value] of Object.entries(node)) if (key !== '$ref') visit(value, `${path}/${key}`);
      const ref = node.$ref;
      if (ref === undefined || this.refs.has(ref)) return;
      if (typeof ref !== 'string' || !ref.startsWith('#/')) {
        throw new InvalidArgumentError(`$ref ${JSON.stringify(ref)} at ${path || '/'} is not supported: only local references ('#/$defs/…') are.`);
      }
      let target = schema;
      for (const raw of ref.slice(2).split('/')) {
        const selector = raw.replace(/~1/g, '/').replace(/~0/g, '~');
        const next = Array.isArray(target) ? target[Number(selector)] : isPlainObject(target) ? target[selector] : undefined;
        if (next === undefined || !/^\d+$/.test(selector) && Array.isArray(target)) {
          throw new InvalidArgumentError(`$ref ${JSON.stringify(ref)} at ${path || '/'} points at nothing ('${selector}' is missing).`);
        }
        target = next;
      }
      this.refs.set(ref, target);
    };
    visit(schema, '');
  }

  /** @param {string} ref */
  resolveRef(ref) {
    let refName = `ref${ref.slice(ref.indexOf('#') + 1).replace(/[^a-zA-Z0-9-]+/g, '-')}`;
    if (!this.rules.has(refName) && !this.refsBeingResolved.has(ref)) {
      this.refsBeingResolved.add(ref);
      refName = this.visit(this.refs.get(ref), refName, `#${ref.slice(1)}`);
      this.refsBeingResolved.delete(ref);
    }
    return refName;
  }

  /**
   * @param {any} schema @param {string} name the rule name this schema gets ('' for the root)
   * @param {string} path where the schema is, for error messages
   * @returns {string} the rule name that matches it
   */
  visit(schema, name, path) {
    if (schema === true) schema = {};
    if (!isPlainObject(schema)) throw new InvalidArgumentError(`The schema at ${path || '/'} must be an object (got ${JSON.stringify(schema)}).`);
    const type = schema.type;
    const format = schema.format;
    const ruleName = RESERVED_NAMES.has(name) ? `${name}-` : name || 'root';
    const has = (/** @type {string} */ key) => Object.hasOwn(schema, key);
    const check = (/** @type {keyof KEYWORDS_BY_KIND} */ kind) => refuseOtherKeywords(schema, KEYWORDS_BY_KIND[kind], path);
    const childPath = (/** @type {string} */ key) => `${path}/${key}`;

    if (has('$ref')) {
      check('ref');
      return this.addRule(ruleName, this.resolveRef(schema.$ref));
    }
    if (has('oneOf') || has('anyOf')) {
      check('union');
      const key = schema.oneOf?.length ? 'oneOf' : 'anyOf';
      const alternatives = schema[key];
      if (!Array.isArray(alternatives) || alternatives.length === 0) throw new InvalidArgumentError(`${key} at ${path || '/'} must be a non-empty array of schemas.`);
      return this.addRule(ruleName, this.unionRule(name, alternatives, childPath(key)));
    }
    if (Array.isArray(type)) {
      return this.addRule(ruleName, this.unionRule(name, type.map((t) => ({ ...schema, type: t })), childPath('type')));
    }
    if (has('const')) {
      check('const');
      return this.addRule(ruleName, formatLiteral(pythonJsonDumps(schema.const)));
    }
    if (has('enum')) {
      check('enum');
      if (!Array.isArray(schema.enum) || schema.enum.length === 0) throw new InvalidArgumentError(`enum at ${path || '/'} must be a non-empty array.`);
      return this.addRule(ruleName, `(${schema.enum.map((v) => formatLiteral(pythonJsonDumps(v))).join(' | ')})`);
    }
    if ((type === undefined || type === 'object') && (has('properties') || (has('additionalProperties') && schema.additionalProperties !== true))) {
      check('object');
      const required = new Set(schema.required ?? []);
      const properties = Object.entries(schema.properties ?? {});
      return this.addRule(ruleName, this.objectRule(properties, required, name, schema.additionalProperties, path));
    }
    if ((type === undefined || type === 'object' || type === 'string') && has('allOf')) {
      check('allOf');
      return this.allOfRule(schema.allOf, name, ruleName, childPath('allOf'));
    }
    if ((type === undefined || type === 'array') && (has('items') || has('prefixItems'))) {
      check('array');
      const items = schema.items ?? schema.prefixItems;
      const prefix = name ? `${name}-` : '';
      if (Array.isArray(items)) {
        const tuple = items.map((item, i) => this.visit(item, `${prefix}tuple-${i}`, childPath(`items/${i}`)));
        return this.addRule(ruleName, `"[" space ${tuple.join(' "," space ')} space "]"`);
      }
      const itemRule = this.visit(items, `${prefix}item`, childPath('items'));
      const min = countKeyword(schema, 'minItems', path) ?? 0;
      const max = countKeyword(schema, 'maxItems', path);
      return this.addRule(ruleName, `"[" space ${buildRepetition(itemRule, min, max, '"," space')} space "]"`);
    }
    if ((type === undefined || type === 'string') && has('pattern')) {
      check('pattern');
      return this.addRule(ruleName, patternRule(schema.pattern, ruleName, {
        dotall: this.dotall, rawPattern: this.rawPattern, path: childPath('pattern'), addRule: (n, r) => this.addRule(n, r),
      }));
    }
    if ((type === undefined || type === 'string') && typeof format === 'string' && /^uuid[1-5]?$/.test(format)) {
      check('format');
      return this.addPrimitive(ruleName === 'root' ? 'root' : format, PRIMITIVE_RULES.uuid);
    }
    if ((type === undefined || type === 'string') && STRING_FORMAT_RULES[`${format}-string`]) {
      check('format');
      const primitive = `${format}-string`;
      return this.addRule(ruleName, this.addPrimitive(primitive, STRING_FORMAT_RULES[primitive]));
    }
    if (has('format')) {
      throw new InvalidArgumentError(`format ${JSON.stringify(format)} at ${path || '/'} is not supported (supported: date, time, date-time, uuid).`);
    }
    if (type === 'string' && (has('minLength') || has('maxLength'))) {
      check('stringLength');
      const charRule = this.addPrimitive('char', PRIMITIVE_RULES.char);
      const min = countKeyword(schema, 'minLength', path) ?? 0;
      return this.addRule(ruleName, `"\\"" ${buildRepetition(charRule, min, countKeyword(schema, 'maxLength', path))} "\\""`);
    }
    if ((type === undefined || type === 'integer') && ['minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum'].some(has)) {
      check('integerRange');
      return this.addRule(ruleName, `(${integerRangeRule(integerBounds(schema, path))})`);
    }
    if (type === 'object' || Object.keys(schema).length === 0) {
      check('primitive');
      return this.addRule(ruleName, this.addPrimitive('object', PRIMITIVE_RULES.object));
    }
    if (type === undefined) {
      // No type and no structural keyword ({ description: … }): any JSON value, as {} is.
      check('primitive');
      return this.addRule(ruleName, this.addPrimitive('value', PRIMITIVE_RULES.value));
    }
    if (typeof type !== 'string' || !PRIMITIVE_RULES[type] || !['string', 'number', 'integer', 'boolean', 'null', 'array'].includes(type)) {
      throw new InvalidArgumentError(`type ${JSON.stringify(type)} at ${path || '/'} is not a JSON schema type.`);
    }
    check('primitive');
    return this.addPrimitive(ruleName === 'root' ? 'root' : type, PRIMITIVE_RULES[type]);
  }

  /** @param {string} name @param {any[]} alternatives @param {string} path */
  unionRule(name, alternatives, path) {
    return alternatives.map((alternative, i) => this.visit(alternative, `${name}${name ? '-' : 'alternative-'}${i}`, `${path}/${i}`)).join(' | ');
  }

  /**
   * allOf as the reference reads it: the properties of every part (required in the parts listed
   * directly, optional in parts under anyOf), or the intersection of their enums.
   * @param {any[]} parts @param {string} name @param {string} ruleName @param {string} path
   */
  allOfRule(parts, name, ruleName, path) {
    if (!Array.isArray(parts) || parts.length === 0) throw new InvalidArgumentError(`allOf at ${path} must be a non-empty array of schemas.`);
    const required = new Set();
    /** @type {Array<[string, any]>} */
    const properties = [];
    /** @type {Array<Set<any>>} */
    const enumSets = [];
    const addComponent = (/** @type {any} */ component, /** @type {boolean} */ isRequired, /** @type {string} */ at) => {
      if (isPlainObject(component) && component.$ref !== undefined) component = this.refs.get(component.$ref);
      if (!isPlainObject(component)) throw new InvalidArgumentError(`The schema at ${at} must be an object.`);
      refuseOtherKeywords(component, ['type', 'properties', 'required', 'enum', '$ref'], at);
      for (const [propName, propSchema] of Object.entries(component.properties ?? {})) {
        properties.push([propName, propSchema]);
        if (isRequired) required.add(propName);
      }
      if (component.enum !== undefined) enumSets.push(new Set(component.enum));
    };
    parts.forEach((part, i) => {
      if (isPlainObject(part) && Array.isArray(part.anyOf)) part.anyOf.forEach((alt, j) => addComponent(alt, false, `${path}/${i}/anyOf/${j}`));
      else addComponent(part, true, `${path}/${i}`);
    });
    if (enumSets.length > 0) {
      const intersection = enumSets.slice(1).reduce((acc, set) => new Set([...acc].filter((v) => set.has(v))), enumSets[0]);
      if (intersection.size > 0) {
        return this.addRule(ruleName, `(${pythonSorted([...intersection]).map((v) => formatLiteral(pythonJsonDumps(v))).join(' | ')})`);
      }
    }
    return this.addRule(ruleName, this.objectRule(properties, required, name, undefined, path));
  }

  /**
   * An object with its properties in order (required first), each optional one skippable, and
   * extra keys (not one of the named ones) when additionalProperties allows them.
   * @param {Array<[string, any]>} properties @param {Set<string>} required @param {string} name
   * @param {any} additional @param {string} path
   */
  objectRule(properties, required, name, additional, path) {
    const prefix = name ? `${name}-` : '';
    const order = (/** @type {string} */ key) => this.propOrder.get(key) ?? this.propOrder.size;
    const sortedNames = properties.map(([key], i) => ({ key, i })).sort((a, b) => order(a.key) - order(b.key) || a.i - b.i).map((p) => p.key);
    /** @type {Map<string, string>} */
    const kvRules = new Map();
    for (const [propName, propSchema] of properties) {
      const valueRule = this.visit(propSchema, `${prefix}${propName}`, `${path}/properties/${propName}`);
      kvRules.set(propName, this.addRule(`${prefix}${propName}-kv`, `${formatLiteral(pythonJsonDumps(propName))} space ":" space ${valueRule}`));
    }
    const requiredNames = sortedNames.filter((k) => required.has(k));
    const optionalNames = sortedNames.filter((k) => !required.has(k));
    if (additional !== undefined && additional !== null && additional !== false) {
      const subName = `${prefix}additional`;
      const valueRule = isPlainObject(additional) ? this.visit(additional, `${subName}-value`, `${path}/additionalProperties`)
        : this.addPrimitive('value', PRIMITIVE_RULES.value);
      const keyRule = sortedNames.length === 0 ? this.addPrimitive('string', PRIMITIVE_RULES.string)
        : this.addRule(`${subName}-k`, this.notStrings(sortedNames));
      kvRules.set('*', this.addRule(`${subName}-kv`, `${keyRule} ":" space ${valueRule}`));
      optionalNames.push('*');
    }
    if (requiredNames.length === 0 && optionalNames.length === 0) return '"{" space "}"';

    let rule = `"{" space ${requiredNames.map((k) => kvRules.get(k)).join(' "," space ')}`;
    if (optionalNames.length > 0) {
      rule += ' (';
      if (requiredNames.length > 0) rule += ' "," space ( ';
      const recursiveRefs = (/** @type {string[]} */ keys, /** @type {boolean} */ firstIsOptional) => {
        const [key, ...rest] = keys;
        const kvRule = kvRules.get(key);
        const commaRef = `( "," space ${kvRule} )`;
        let result = firstIsOptional ? commaRef + (key === '*' ? '*' : '?') : kvRule + (key === '*' ? ` ${commaRef}*` : '');
        if (rest.length > 0) result += ` ${this.addRule(`${prefix}${key}-rest`, recursiveRefs(rest, true))}`;
        return result;
      };
      rule += optionalNames.map((_, i) => recursiveRefs(optionalNames.slice(i), false)).join(' | ');
      if (requiredNames.length > 0) rule += ' )';
      rule += ' )?';
    }
    return `${rule} space "}"`;
  }

  /**
   * A JSON string that is none of `strings` (extra keys beside the named properties), from a
   * trie of the names. @param {string[]} strings
   */
  notStrings(strings) {
    /** @typedef {{ children: Map<string, TrieNode>, end: boolean }} TrieNode */
    /** @type {TrieNode} */
    const trie = { children: new Map(), end: false };
    for (const s of strings) {
      let node = trie;
      for (const c of s) {
        if (!node.children.has(c)) node.children.set(c, { children: new Map(), end: false });
        node = /** @type {TrieNode} */ (node.children.get(c));
      }
      node.end = true;
    }
    const charRule = this.addPrimitive('char', PRIMITIVE_RULES.char);
    const out = ['["] ( '];
    const visit = (/** @type {TrieNode} */ node) => {
      const rejects = [];
      let first = true;
      for (const c of [...node.children.keys()].sort((a, b) => /** @type {number} */ (a.codePointAt(0)) - /** @type {number} */ (b.codePointAt(0)))) {
        const child = /** @type {TrieNode} */ (node.children.get(c));
        rejects.push(c);
        if (!first) out.push(' | ');
        first = false;
        out.push(`[${c}]`);
        if (child.children.size > 0) { out.push(' ('); visit(child); out.push(')'); } else if (child.end) out.push(` ${charRule}+`);
      }
      if (node.children.size > 0) {
        if (!first) out.push(' | ');
        out.push(`[^"${rejects.join('')}] ${charRule}*`);
      }
    };
    visit(trie);
    out.push(` )${trie.end ? '' : '?'} ["]`);
    return out.join('');
  }

  /** The grammar text: one `name ::= body` line per rule, sorted by name as the reference prints. */
  formatGrammar() {
    return [...this.rules.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, rule]) => `${name} ::= ${rule}`).join('\n');
  }
}

/**
 * @param {Record<string, unknown>} schema @param {string[]} allowed @param {string} path
 */
function refuseOtherKeywords(schema, allowed, path) {
  for (const key of Object.keys(schema)) {
    if (allowed.includes(key) || ANNOTATIONS.has(key)) continue;
    throw new InvalidArgumentError(`The JSON schema keyword '${key}' at ${path || '/'} is not supported here: the grammar cannot express it (remove it or restate it with supported keywords).`);
  }
}

/** @param {any} schema @param {string} key @param {string} path @returns {number | undefined} */
function countKeyword(schema, key, path) {
  const value = schema[key];
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError(`${key} at ${path || '/'} must be a non-negative integer (got ${JSON.stringify(value)}).`);
  return value;
}

/** @param {any} schema @param {string} path @returns {{ min?: number, max?: number }} */
function integerBounds(schema, path) {
  const read = (/** @type {string} */ key, /** @type {number} */ shift) => {
    const value = schema[key];
    if (value === undefined) return undefined;
    if (!Number.isInteger(value) || !Number.isSafeInteger(value)) {
      throw new InvalidArgumentError(`${key} at ${path || '/'} must be an integer for an integer range (got ${JSON.stringify(value)}); ranges of non-integer numbers are not supported.`);
    }
    return value + shift;
  };
  const min = read('minimum', 0) ?? read('exclusiveMinimum', 1);
  const max = read('maximum', 0) ?? read('exclusiveMaximum', -1);
  if (min !== undefined && max !== undefined && min > max) throw new InvalidArgumentError(`The integer range at ${path || '/'} is empty (${min} > ${max}).`);
  return { min, max };
}

/**
 * The GBNF grammar (root rule `root`) that accepts exactly the JSON texts llama.cpp's converter
 * accepts for `schema`. Throws InvalidArgumentError naming an unsupported keyword.
 * @param {unknown} schema
 * @param {{ propOrder?: string[], dotall?: boolean }} [options]
 * @returns {string}
 */
export function jsonSchemaToGrammar(schema, options = {}) {
  if (schema === true) schema = {};
  if (!isPlainObject(schema)) throw new InvalidArgumentError('A JSON schema must be an object.');
  const converter = new SchemaConverter(options);
  const copy = structuredClone(schema);
  converter.resolveRefs(copy);
  converter.visit(copy, '', '');
  return converter.formatGrammar();
}
