// Issue 16's grammar oracle: greedy decoding constrained by each grammar of llama.cpp's grammars/
// folder must give llama.cpp's tokens (node-llama-cpp's LlamaGrammar, the same sample-then-verify
// sampler as llama.cpp's common sampler) one for one, on F32 random-weight models of two
// vocabularies: lexi's 4k-token byte-level BPE and qwen2's 151k tokens.
//
// Our side is the native CLI (`webgguf run --grammar-file F --ids`, the same C++ as the wasm
// engine) for every case, and the wasm engine through the JS Engine API (worker, `grammar` and
// `logprobs` fields) for one grammar per vocabulary, whose text and per-token bytes must equal
// llama.cpp's tokens too.
//
// The models: `synth --stddev 0.3` at seeds picked so that no step of these generations is a
// numerical near-tie. Our F32 logits and llama.cpp's differ by ~1e-3 relative (F16 KV cache,
// different summation orders); under a grammar the top tokens are masked and two allowed
// tokens can land within that distance (measured 2026-12-04: e.g. p = 0.021155 vs 0.021158).
// Where the two sides part, the test reports llama.cpp's probabilities of both tokens, so a
// grammar bug (a clear margin) is told apart from such a tie.
//
// JSON schemas: the grammar our converter writes for each schema of the table (the text llama.cpp's
// json_schema_to_grammar.py writes, json_schema_grammar.test.js) constrains both sides alike; a
// generation that ends is parsed and validated with ajv against its schema.
//
// `npm test` runs three grammars and three schemas per vocabulary; WEBGGUF_ORACLE_ALL=1 all eight
// grammars and every schema of the table.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getLlama, LlamaGrammar, LlamaGrammarEvaluationState } from 'node-llama-cpp';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Engine } from '../../js/index.js';
import { jsonSchemaToGrammar } from '../../js/json_schema_grammar.js';
import { FIXTURES_DIR, needsModels, sharedPath } from './helpers/fixtures.js';
import { SCHEMAS } from './helpers/json_schemas.js';

const run = promisify(execFile);
const root = resolve(fileURLToPath(import.meta.url), '../../..');
const shared = FIXTURES_DIR;
const bin = process.env.WEBGGUF_BIN ?? join(root, 'build/native/webgguf');
const grammarsDir = join(root, 'node_modules/node-llama-cpp/llama/grammars');
const N_TOKENS = 64;

const VOCABULARIES = [
  { name: 'lexi 4k', arch: 'llama', from: join(shared, 'models/lexi-28m-f16.gguf'), seed: 1 },
  { name: 'qwen2 151k', arch: 'qwen2', from: join(shared, 'fixtures/tokenizers/ggml-vocab-qwen2.gguf'), seed: 3 },
];
// Prompts that start each grammar somewhere with choices to make.
const PROMPTS = {
  json: 'A JSON object: ', json_arr: 'A list: ', arithmetic: 'Compute: ', list: 'Shopping list:\n',
  english: 'The story', c: 'int main', chess: 'Moves: 1.', japanese: '日本語: ',
};
const ALL = Boolean(process.env.WEBGGUF_ORACLE_ALL);
const GRAMMARS = ALL ? Object.keys(PROMPTS) : ['json', 'arithmetic', 'japanese'];
const JS_ENGINE_GRAMMAR = 'json';
const DEFAULT_SCHEMAS = ['object required and optional', 'array min and max', 'format date'];
const SCHEMA_CASES = ALL ? SCHEMAS : SCHEMAS.filter((s) => DEFAULT_SCHEMAS.includes(s.name));
const SCHEMA_PROMPT = 'A JSON value: ';

let dir;
let llama;
const models = new Map();  // vocabulary name -> Promise<{ file, model }>
const totals = { equal: 0, cases: 0, schemasEqual: 0, schemaCases: 0, validated: 0, ties: [] };

before(async () => {
  if (needsModels) return;
  assert.ok(existsSync(bin), `${bin} is not built (scripts/build.sh native)`);
  dir = mkdtempSync(join(tmpdir(), 'webgguf-grammar-oracle-'));
  llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
});
after(async () => {
  console.log(`grammar oracle: ${totals.equal} of ${totals.cases} grammar x vocabulary cases equal token for token; ` +
              `${totals.schemasEqual} of ${totals.schemaCases} JSON schema x vocabulary cases, ` +
              `${totals.validated} of them ended and validated with ajv; ${totals.ties.length} near-ties ` +
              `(llama.cpp's probabilities of the two tokens within ${TIE_RELATIVE} relative)` +
              (totals.ties.length ? `: ${totals.ties.join('; ')}` : ''));
  for (const entry of models.values()) await (await entry.catch(() => null))?.model.dispose();
  await llama?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function modelFor(vocab) {
  if (!models.has(vocab.name)) {
    models.set(vocab.name, (async () => {
      const synth = join(dir, `${vocab.arch}-synth.gguf`);
      const file = join(dir, `${vocab.arch}-f32.gguf`);
      await run(bin, ['synth', synth, '--shape', 'tiny', '--arch', vocab.arch, '--vocab-from', vocab.from,
                      '--stddev', '0.3', '--seed', String(vocab.seed)]);
      await run(bin, ['quantize', synth, file, 'F32', '--pure', '-t', '1']);
      const model = await llama.loadModel({ modelPath: file });
      return { file, model };
    })());
  }
  return models.get(vocab.name);
}

async function ourGreedy(file, grammarFile, prompt) {
  const { stderr } = await run(bin, ['run', file, '-p', prompt, '-n', String(N_TOKENS), '--temp', '0',
                                     '--grammar-file', grammarFile, '--ids', '-t', '1'], { maxBuffer: 1 << 26 });
  const numbers = (label) => (stderr.match(new RegExp(`^${label}:(.*)$`, 'm'))?.[1] ?? '').trim().split(' ').filter(Boolean).map(Number);
  return { prompt: numbers('prompt'), ids: numbers('ids') };
}

// llama.cpp's greedy tokens from the same prompt ids; its evaluate() ends (without yielding) at
// an end-of-generation token.
async function llamaCppGreedy(model, promptIds, grammarText) {
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  try {
    const grammar = new LlamaGrammar(llama, { grammar: grammarText });
    const grammarEvaluationState = new LlamaGrammarEvaluationState({ model, grammar });
    const ids = [];
    for await (const token of context.getSequence().evaluate(promptIds, { temperature: 0, grammarEvaluationState })) {
      ids.push(token);
      if (ids.length >= N_TOKENS) break;
    }
    return ids;
  } finally {
    await context.dispose();
  }
}

// llama.cpp's probabilities of `tokens` after `ids`.
async function llamaCppProbabilities(model, ids, tokens) {
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  try {
    const input = ids.map((id, i) => (i === ids.length - 1 ? [id, { generateNext: { probabilities: true } }] : id));
    const output = await context.getSequence().controlledEvaluate(input);
    const p = output[ids.length - 1].next.probabilities;
    return tokens.map((t) => p.get(t) ?? 0);
  } finally {
    await context.dispose();
  }
}

// Our F32 logits and llama.cpp's differ by ~1e-3 relative, so two allowed tokens whose
// probabilities are within this relative distance can come out in either order: where the two
// sides first part on such a pair, the case is a tie (counted, not failed); any wider margin fails.
const TIE_RELATIVE = 5e-3;

// Greedy decoding under `grammarText` (in `grammarFile`), ours and llama.cpp's, token for token.
// Returns our generated ids (without the end-of-generation token) and whether the generation ended.
async function expectSameGreedy(vocab, grammarFile, grammarText, prompt) {
  const { file, model } = await modelFor(vocab);
  const ours = await ourGreedy(file, grammarFile, prompt);
  const theirs = await llamaCppGreedy(model, ours.prompt, grammarText);
  // Our ids include the end-of-generation token that stopped us; llama.cpp's stop before it.
  const ended = ours.ids.length > 0 && model.isEogToken(ours.ids.at(-1));
  const generated = ended ? ours.ids.slice(0, -1) : ours.ids;
  assert.ok(generated.length >= 1, 'the generation must produce tokens');
  let same = 0;
  while (same < generated.length && generated[same] === theirs[same]) same++;
  if (same < Math.max(generated.length, theirs.length)) {
    if (same >= generated.length || same >= theirs.length) {
      assert.fail(`first difference at token ${same}: one side ended (ours ${generated.length} tokens` +
                  `${ended ? ' + end of generation' : ''}, llama.cpp ${theirs.length})`);
    }
    const pair = [generated[same], theirs[same]];
    const p = await llamaCppProbabilities(model, [...ours.prompt, ...generated.slice(0, same)], pair);
    const where = pair.map((t, i) => `${JSON.stringify(model.detokenize([t], true))} p=${p[i]}`).join(' vs ');
    const gap = Math.abs(p[0] - p[1]) / Math.max(p[0], p[1]);
    assert.ok(gap <= TIE_RELATIVE, `first difference at token ${same}: ${where} (relative gap ${gap.toExponential(2)})`);
    totals.ties.push(`token ${same}, relative gap ${gap.toExponential(2)}`);
    return { tie: true };
  }
  assert.equal(ended, theirs.length < N_TOKENS, 'both end at the same point');
  return { generated, ended, model, tie: false };
}

const ajv = addFormats(new Ajv2020({ strict: false }));

for (const vocab of VOCABULARIES) {
  for (const name of GRAMMARS) {
    test(`greedy ${name}.gbnf on ${vocab.name} equals llama.cpp token for token`, { skip: needsModels }, async () => {
      const grammarFile = join(grammarsDir, `${name}.gbnf`);
      totals.cases++;
      const { tie } = await expectSameGreedy(vocab, grammarFile, readFileSync(grammarFile, 'utf8'), PROMPTS[name]);
      if (!tie) totals.equal++;
    });
  }

  for (const { name, schema } of SCHEMA_CASES) {
    test(`greedy under JSON schema '${name}' on ${vocab.name} equals llama.cpp token for token`, { skip: needsModels }, async () => {
      const grammar = jsonSchemaToGrammar(schema);
      const grammarFile = join(dir, `schema-${name.replace(/[^a-z0-9]+/gi, '-')}.gbnf`);
      writeFileSync(grammarFile, grammar);
      totals.schemaCases++;
      const { generated, ended, model, tie } = await expectSameGreedy(vocab, grammarFile, grammar, SCHEMA_PROMPT);
      if (tie) return;
      totals.schemasEqual++;
      if (ended) {
        const text = model.detokenize(generated, false);
        const value = JSON.parse(text);
        assert.ok(ajv.validate(schema, value), `${text}: ${ajv.errorsText()}`);
        totals.validated++;
      }
    });
  }

  test(`wasm engine: ${JS_ENGINE_GRAMMAR}.gbnf on ${vocab.name} through the JS Engine gives llama.cpp's tokens`, { skip: needsModels }, async () => {
    const { file, model } = await modelFor(vocab);
    const grammarFile = join(grammarsDir, `${JS_ENGINE_GRAMMAR}.gbnf`);
    const grammar = readFileSync(grammarFile, 'utf8');
    const prompt = PROMPTS[JS_ENGINE_GRAMMAR];
    const ours = await ourGreedy(file, grammarFile, prompt);
    const theirs = await llamaCppGreedy(model, ours.prompt, grammar);
    const expectedText = model.detokenize(theirs, false);
    const engine = await Engine.create({ threads: 1 });
    try {
      await engine.load(file, { cache: false, n_ctx: 512 });
      const completion = await engine.complete(prompt, { grammar, temperature: 0, max_tokens: N_TOKENS });
      assert.equal(completion.choices[0].text, expectedText);

      // The worker contract: a logprobs event for every token, before the text holding it.
      const events = await generateWithEvents(engine, prompt, grammar);
      const entries = [];
      let text = '';
      for (const event of events) {
        if (event.kind === 'logprobs') {
          entries.push(event.entry);
        } else if (event.kind === 'text') {
          text += event.text;
          const tokensSoFar = Buffer.concat(entries.map((e) => Buffer.from(e.bytes))).toString('utf8');
          assert.ok(tokensSoFar.startsWith(text), `text ${JSON.stringify(text)} came before its tokens`);
        }
      }
      assert.equal(text, expectedText);
      assert.equal(entries.length, theirs.length, 'one logprobs entry per generated token');
      entries.forEach((entry, i) => {
        assert.equal(entry.token, Buffer.from(entry.bytes).toString('utf8'), `token ${i}`);
        assert.ok(entry.logprob <= 0 && entry.top_logprobs.length === 2, `token ${i}`);
        assert.ok(entry.top_logprobs[0].logprob >= entry.top_logprobs[1].logprob, `token ${i}`);
      });
      assert.equal(Buffer.concat(entries.map((e) => Buffer.from(e.bytes))).toString('utf8'), model.detokenize(theirs, true));
    } finally {
      await engine.terminate();
    }
  });
}

// The worker's generate request directly, collecting its events (text and logprobs, in order).
async function generateWithEvents(engine, prompt, grammar) {
  const events = [];
  await engine.client.request('generate', {
    prompt, addSpecial: true, max_tokens: N_TOKENS, stop: [], grammar, logprobs: true, top_logprobs: 2,
    sampling: { temperature: 0, top_k: 40, top_p: 0.95, min_p: 0.05, repeat_penalty: 1, repeat_last_n: 64,
                frequency_penalty: 0, presence_penalty: 0, seed: 1 },
  }, { onEvent: (event) => events.push(event) });
  return events;
}
