// JSON schema -> GBNF: for every schema of the table our grammar is the text llama.cpp's own
// converter (build/llama.cpp/examples/json_schema_to_grammar.py, from scripts/llama_cpp_source.sh)
// prints for it, and every keyword the grammar cannot express is an InvalidArgumentError naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsonSchemaToGrammar } from '../../js/json_schema_grammar.js';
import { InvalidArgumentError } from '../../js/errors.js';
import { SCHEMAS, UNSUPPORTED } from './helpers/json_schemas.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = `${repoRoot}build/llama.cpp/examples/json_schema_to_grammar.py`;

// One Python process converts a list of schemas as the script's main() does for one.
const BATCH = `
import json, sys, importlib.util
spec = importlib.util.spec_from_file_location('j2g', sys.argv[1]); j2g = importlib.util.module_from_spec(spec); spec.loader.exec_module(j2g)
out = []
for job in json.load(sys.stdin):
    c = j2g.SchemaConverter(prop_order={n: i for i, n in enumerate(job['propOrder'])}, allow_fetch=False, dotall=job['dotall'], raw_pattern=False)
    c.visit(c.resolve_refs(job['schema'], 'stdin'), '')
    out.append(c.format_grammar())
print(json.dumps(out))
`;

/** @param {Array<{ schema: unknown, propOrder?: string[], dotall?: boolean }>} jobs @returns {string[]} */
function referenceGrammars(jobs) {
  const input = JSON.stringify(jobs.map((j) => ({ schema: j.schema, propOrder: j.propOrder ?? [], dotall: j.dotall ?? false })));
  return JSON.parse(execFileSync('python3', ['-c', BATCH, SCRIPT], { input, encoding: 'utf8' }));
}

test(`${SCHEMAS.length} schemas: our grammar is the text llama.cpp's converter writes`, () => {
  assert.ok(existsSync(SCRIPT), `${SCRIPT} is missing: run bash scripts/llama_cpp_source.sh`);
  assert.ok(SCHEMAS.length >= 30);
  const expected = referenceGrammars(SCHEMAS);
  SCHEMAS.forEach(({ name, schema }, i) => assert.equal(jsonSchemaToGrammar(schema), expected[i], name));
});

test('property order and dotall options match the reference flags', () => {
  const schema = { type: 'object', properties: { b: { type: 'string', pattern: '^x.y$' }, a: { type: 'integer' }, c: {} }, required: ['a'] };
  const [ordered, dotall] = referenceGrammars([{ schema, propOrder: ['c', 'a'] }, { schema, dotall: true }]);
  assert.equal(jsonSchemaToGrammar(schema, { propOrder: ['c', 'a'] }), ordered);
  assert.equal(jsonSchemaToGrammar(schema, { dotall: true }), dotall);
});

test('a keyword the grammar cannot express is an InvalidArgumentError naming it', () => {
  for (const { schema, names } of UNSUPPORTED) {
    assert.throws(() => jsonSchemaToGrammar(schema), (error) => error instanceof InvalidArgumentError && error.message.includes(names),
      `${JSON.stringify(schema)} names ${names}`);
  }
  assert.throws(() => jsonSchemaToGrammar('not a schema'), InvalidArgumentError);
  assert.throws(() => jsonSchemaToGrammar({ type: 'array', items: { type: 'string' }, minItems: -1 }), /minItems/);
});
