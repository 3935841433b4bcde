// Grammar-constrained decode speed (issue 16): greedy decode tok/s with and without llama.cpp's
// grammars/json.gbnf (what llama-server uses for response_format json_object) on a 360M-shaped
// random-weight model with qwen2's 151k-token vocabulary (Q4_K_M), our wasm engine in Node
// against native llama.cpp (node-llama-cpp) on the same file, one thread each, in one run.
// Prints both speeds, our constrained/unconstrained ratio (issue 16 asks >= 0.85), ours against
// llama.cpp's constrained speed, and what the grammar costs per token in each.
//   node bench/grammar.mjs [--tokens 64] [--runs 2]
// The model is made once into bench/out/models/ (gitignored) by the native CLI.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama, LlamaGrammar, LlamaGrammarEvaluationState } from 'node-llama-cpp';
import { Engine } from '../js/index.js';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N_TOKENS = option('tokens', 64);
const RUNS = option('runs', 2);
const PROMPT = 'JSON:';  // with this file, greedy JSON runs past 48 tokens (other prompts close the object at once)
const cli = process.env.WEBGGUF_CLI ?? join(root, 'build/native/webgguf');
const grammar = readFileSync(join(root, 'node_modules/node-llama-cpp/llama/grammars/json.gbnf'), 'utf8');

function makeModel() {
  const dir = join(root, 'bench/out/models');
  const file = join(dir, 'synth-smollm2-360m-qwen2vocab-Q4_K_M.gguf');
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const f16 = join(dir, 'synth-smollm2-360m-qwen2vocab-F16.gguf.tmp');
  execFileSync(cli, ['synth', f16, '--shape', 'smollm2-360m', '--vocab-from',
                     resolve(root, '../shared/fixtures/tokenizers/ggml-vocab-qwen2.gguf'), '--seed', '3'], { stdio: 'inherit' });
  execFileSync(cli, ['quantize', f16, `${file}.tmp`, 'Q4_K_M'], { stdio: 'inherit' });
  rmSync(f16);
  renameSync(`${file}.tmp`, file);
  return file;
}

// One warm-up (ours: the first grammar builds the vocabulary's trie), then RUNS pairs of
// unconstrained and constrained runs, alternating so machine noise hits both alike.
async function alternate(measure) {
  await measure(true);
  const results = { free: [], json: [] };
  for (let i = 0; i < RUNS; i++) {
    results.free.push(await measure(false));
    results.json.push(await measure(true));
  }
  return results;
}

async function ours(file) {
  const engine = await Engine.create({ threads: 1 });
  try {
    await engine.load(file, { cache: false, n_ctx: 512 });
    const measure = async (withGrammar) => {
      const r = await engine.complete(PROMPT, { temperature: 0, max_tokens: N_TOKENS, ...(withGrammar ? { grammar } : {}) });
      return { tps: r.timings.predicted_per_second, n: r.usage.completion_tokens };
    };
    return await alternate(measure);
  } finally {
    await engine.terminate();
  }
}

async function llamaCpp(file) {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath: file });
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  const promptIds = model.tokenize(PROMPT);
  const measure = async (withGrammar) => {
    const sequence = context.getSequence();
    const options = { temperature: 0 };
    if (withGrammar) {
      options.grammarEvaluationState = new LlamaGrammarEvaluationState({ model, grammar: new LlamaGrammar(llama, { grammar }) });
    }
    let n = 0;
    let first = 0;
    for await (const token of sequence.evaluate(promptIds, options)) {
      void token;
      if (n++ === 0) first = performance.now();
      if (n >= N_TOKENS) break;
    }
    const ms = performance.now() - first;
    sequence.dispose();
    // The first token's time includes the prompt: rate over the tokens after it.
    return { tps: n > 1 ? ((n - 1) * 1000) / ms : 0, n };
  };
  try {
    return await alternate(measure);
  } finally {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }
}

const best = (runs) => runs.reduce((a, b) => (b.tps > a.tps ? b : a));
const file = makeModel();
const o = await ours(file);
const l = await llamaCpp(file);
const row = (name, r) => `| ${name} | ${best(r.free).tps.toFixed(1)} | ${best(r.json).tps.toFixed(1)} (${best(r.json).n} tokens) | ${(best(r.json).tps / best(r.free).tps).toFixed(3)} |`;
console.log(`\nGreedy decode, 360M-shaped Q4_K_M with the qwen2 151k vocabulary, 1 thread, best of ${RUNS}, up to ${N_TOKENS} tokens`);
console.log('| engine | unconstrained tok/s | json.gbnf tok/s | ratio |');
console.log('|---|---|---|---|');
console.log(row('webgguf (wasm, Node)', o));
console.log(row('llama.cpp (node-llama-cpp)', l));
console.log(`constrained: webgguf / llama.cpp = ${(best(o.json).tps / best(l.json).tps).toFixed(3)}`);
// What the grammar adds per token, apart from the forward pass each engine runs at its own speed.
const overhead = (r) => (1000 / best(r.json).tps - 1000 / best(r.free).tps).toFixed(2);
console.log(`grammar cost per token: webgguf ${overhead(o)} ms, llama.cpp ${overhead(l)} ms`);
