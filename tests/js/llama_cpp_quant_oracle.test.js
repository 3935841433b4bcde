// Issue 4's quantized-model oracle: lexi-28m-f16 quantized --pure to one type by OUR quantizer,
// loaded by native llama.cpp (node-llama-cpp), must give the same next-token distributions as our
// engine; so must tiny random-weight qwen2 / qwen3 / phi3 models written by `webgguf synth`.
//
// Our side is the native CLI (build/native/webgguf, or $WEBGGUF_BIN): `quantize --pure`/`synth`,
// then `logits`, which writes every position's logits of the first 2048 tokens of eval.txt in
// windows of 512 (each from an empty KV cache) and prints the token ids. llama.cpp evaluates the
// same ids in the same windows (threads: 1) and returns full-vocabulary probabilities. Compared
// at the perplexity positions of each window (n_ctx/2 .. n_ctx-2: 4 x 255 = 1020 positions).
// Our CLI runs in a child process while llama.cpp evaluates the previous file, so the two cores
// are both used.
//
// llama.cpp's noise floor: the same file evaluated by llama.cpp in batches of 512 and one token
// at a time (different kernels, different float summation orders) does not agree with itself
// exactly either. With 8-bit activations (Q8_0/Q8_1/Q8_K) an ulp of difference upstream can flip
// one activation's rounding, a full quantization step, and the flips cascade through the layers:
// measured 2026-11-27 on lexi, llama.cpp batch-512 vs batch-1 gives mean KL 1.7e-4 .. 5.9e-4 and
// top-1 agreement 97.75% .. 99.31% depending on the type (the F16 model, whose activations stay
// 16-bit, agrees to KL 6e-6). So each case asserts issue 4's mean KL < 1e-3, and that our top-1
// agreement with llama.cpp's batch-512 run is within one point of llama.cpp's agreement with its
// own batch-1 run; issue 4's 99% is reported beside it (every type reaches it against one of
// llama.cpp's two runs or misses it by as much as llama.cpp misses it against itself).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getLlama } from 'node-llama-cpp';
import { needsModels, sharedPath } from './helpers/fixtures.js';

const run = promisify(execFile);
const root = resolve(fileURLToPath(import.meta.url), '../../..');
const bin = process.env.WEBGGUF_BIN ?? join(root, 'build/native/webgguf');
if (!existsSync(bin)) throw new Error(`${bin} is not built (scripts/build.sh native)`);
const skip = needsModels;
const lexi = sharedPath('models/lexi-28m-f16.gguf');
const evalText = sharedPath('data/eval.txt');

const N_CTX = 512;
const N_TOKENS = 2048;
const FIRST_SCORED = N_CTX / 2;  // llama-perplexity scores positions n_ctx/2 .. n_ctx-2
const LAST_SCORED = N_CTX - 2;
const MAX_MEAN_KL = 1e-3;
const TARGET_TOP1 = 0.99;       // issue 4's figure, reported
const TOP1_BELOW_NOISE = 0.01;  // allowed shortfall under llama.cpp's batch-512 vs batch-1 agreement

// `npm test` checks two types (about 100 s); WEBGGUF_ORACLE_ALL=1 checks all nine (about 270 s).
const LEXI_TYPES = process.env.WEBGGUF_ORACLE_ALL
  ? ['Q8_0', 'Q6_K', 'Q5_K', 'Q4_K', 'Q4_0', 'Q3_K', 'Q2_K', 'IQ4_NL', 'IQ4_XS']
  : ['Q8_0', 'Q4_K'];

const CASES = [
  ...LEXI_TYPES.map((type) => ({
    name: `lexi-28m pure ${type}`,
    make: (file) => [bin, ['quantize', lexi, file, type, '--pure', '-t', '1']],
  })),
  ...['qwen2', 'qwen3', 'phi3'].map((arch) => ({
    name: `tiny random ${arch}`,
    // Weights at std 0.3 give peaked distributions, so a wrong bias or norm would show in the KL.
    make: (file) => [bin, ['synth', file, '--shape', 'tiny', '--arch', arch, '--vocab-from', lexi,
                           '--stddev', '0.3', '--seed', '7']],
  })),
];

let dir;
let llama;
const ourSide = new Map();  // case name -> Promise<{ file, ids, logits, n_vocab }>

// Writes each case's model and our logits, one case after another in child processes.
function startOurSide() {
  let chain = Promise.resolve();
  CASES.forEach(({ name, make }, i) => {
    const file = join(dir, `case${i}.gguf`);
    const logitsFile = join(dir, `case${i}.f32`);
    chain = chain.then(async () => {
      const [command, args] = make(file);
      await run(command, args);
      const { stdout } = await run(bin, ['logits', file, '-f', evalText, '-c', String(N_CTX),
                                         '-n', String(N_TOKENS), '-o', logitsFile, '-t', '1']);
      const ids = stdout.trim().split(' ').map(Number);
      const bytes = readFileSync(logitsFile);
      unlinkSync(logitsFile);
      const logits = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      return { file, ids, logits, n_vocab: logits.length / ids.length };
    });
    ourSide.set(name, chain);
    chain = chain.catch(() => {});  // a failed case fails its own test, not the next ones
  });
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'webgguf-quant-oracle-'));
  startOurSide();
  llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
});
after(async () => {
  await llama?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// llama.cpp's next-token probabilities (token -> p) at the scored positions of every window.
async function llamaCppProbabilities(model, ids, batchSize) {
  const context = await model.createContext({ contextSize: N_CTX, batchSize, threads: 1 });
  try {
    const sequence = context.getSequence();
    const windows = [];
    for (let start = 0; start < ids.length; start += N_CTX) {
      await sequence.clearHistory();
      const input = ids.slice(start, start + N_CTX).map((id, p) =>
        p >= FIRST_SCORED && p <= LAST_SCORED ? [id, { generateNext: { probabilities: true } }] : id);
      const output = await sequence.controlledEvaluate(input);
      windows.push(output.map((o) => o?.next.probabilities));
    }
    return windows;
  } finally {
    await context.dispose();
  }
}

// log softmax of our logits row as a function of the token, and its top token.
function ourLogProbabilities(logits, offset, nVocab) {
  let max = -Infinity;
  let top = 0;
  for (let i = 0; i < nVocab; i++) {
    if (logits[offset + i] > max) {
      max = logits[offset + i];
      top = i;
    }
  }
  let sum = 0;
  for (let i = 0; i < nVocab; i++) sum += Math.exp(logits[offset + i] - max);
  const logNorm = max + Math.log(sum);
  return { top, logProbability: (token) => logits[offset + token] - logNorm };
}

function llamaCppLogProbabilities(probabilities) {
  const [top] = probabilities.keys();  // the map is sorted by probability, highest first
  return { top, logProbability: (token) => Math.log(probabilities.get(token)) };
}

// KL(p || q) with p from llama.cpp, and whether the top tokens agree.
function compareRow(probabilities, q) {
  let kl = 0;
  for (const [token, p] of probabilities) {
    if (p > 0) kl += p * (Math.log(p) - q.logProbability(token));
  }
  const [top] = probabilities.keys();
  return { kl, sameTop: top === q.top };
}

// Mean KL and top-1 agreement of llama.cpp's windows against `q(window, position)`.
function agreement(windows, q) {
  let klSum = 0;
  let sameTop = 0;
  let count = 0;
  windows.forEach((window, w) => {
    for (let p = FIRST_SCORED; p <= LAST_SCORED; p++) {
      const row = compareRow(window[p], q(w, p));
      klSum += row.kl;
      sameTop += row.sameTop;
      count++;
    }
  });
  return { meanKl: klSum / count, top1: sameTop / count, count };
}

const describe = ({ meanKl, top1 }) => `mean KL ${meanKl.toExponential(2)}, top-1 ${(100 * top1).toFixed(2)}%`;

for (const { name } of CASES) {
  test(`next-token distributions equal llama.cpp's: ${name}`, { skip }, async (t) => {
    const { file, ids, logits, n_vocab } = await ourSide.get(name);
    assert.equal(ids.length, N_TOKENS);
    const model = await llama.loadModel({ modelPath: file });
    let batched;
    let oneByOne;
    try {
      batched = await llamaCppProbabilities(model, ids, N_CTX);
      oneByOne = await llamaCppProbabilities(model, ids, 1);
    } finally {
      await model.dispose();
    }
    for (const window of batched) {
      for (let p = FIRST_SCORED; p <= LAST_SCORED; p++) assert.equal(window[p].size, n_vocab);
    }
    const ours = agreement(batched, (w, p) => ourLogProbabilities(logits, (w * N_CTX + p) * n_vocab, n_vocab));
    const oursOneByOne = agreement(oneByOne, (w, p) => ourLogProbabilities(logits, (w * N_CTX + p) * n_vocab, n_vocab));
    const noise = agreement(batched, (w, p) => llamaCppLogProbabilities(oneByOne[w][p]));
    t.diagnostic(`${name}: ours vs llama.cpp batch 512: ${describe(ours)}; vs llama.cpp batch 1: ${describe(oursOneByOne)}; ` +
                 `llama.cpp batch 512 vs batch 1: ${describe(noise)} (${ours.count} positions; issue 4 asks top-1 >= ${100 * TARGET_TOP1}%)`);
    assert.equal(ours.count, (N_TOKENS / N_CTX) * (LAST_SCORED - FIRST_SCORED + 1));
    assert.ok(ours.meanKl < MAX_MEAN_KL, `mean KL ${ours.meanKl} >= ${MAX_MEAN_KL}`);
    assert.ok(ours.top1 >= noise.top1 - TOP1_BELOW_NOISE,
              `top-1 agreement ${ours.top1} is more than ${TOP1_BELOW_NOISE} below llama.cpp's own ${noise.top1}`);
  });
}
