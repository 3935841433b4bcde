// Issue 18's quantized KV cache against llama.cpp: lexi-28m F16 over the first 2048 tokens of
// eval.txt in windows of 512 (1020 scored positions), with both caches q8_0 and then q4_0, ours
// (`webgguf logits -ctk T -ctv T`) and llama.cpp's (node-llama-cpp experimentalKvCacheKeyType /
// ValueType; llama.cpp then rotates q/k/v with a Walsh-Hadamard matrix, as we do).
//   The quality a cache type costs, KL of each engine's run against its own f16-cache run, must be
//   llama.cpp's within 15%, and the perplexities within 0.5% of each other.
//   Ours against llama.cpp with the same cache type must stay well below that cost (q4_0: KL
//   8.5e-4 against a cost of 8.7e-3: one 4-bit rounding step flips where the inputs differ by an
//   ulp, so the two engines cannot agree exactly; llama.cpp's batch sizes agree with each other
//   exactly here, so they give no noise floor).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama } from 'node-llama-cpp';
import {
  agreement, describe, llamaCppLogProbabilities, llamaCppWindowProbabilities, ourLogProbabilities, ourWindowLogits,
  scoredRange,
} from './helpers/llama_cpp_compare.js';
import { FIXTURES_DIR, needsModels, sharedPath } from './helpers/fixtures.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const shared = FIXTURES_DIR;
const bin = process.env.WEBGGUF_BIN ?? join(root, 'build/native/webgguf');
const lexi = join(shared, 'models/lexi-28m-f16.gguf');
const evalText = join(shared, 'data/eval.txt');
const N_CTX = 512;
const N_TOKENS = 2048;

let dir;
let llama;
let model;
before(async () => {
  if (needsModels) return;
  assert.ok(existsSync(bin), `${bin} is not built (scripts/build.sh native)`);
  dir = mkdtempSync(join(tmpdir(), 'webgguf-kv-oracle-'));
  llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  model = await llama.loadModel({ modelPath: lexi });
});
after(async () => {
  await model?.dispose();
  await llama?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Mean KL(p || q) of two of our runs over the scored positions (p: our f16-cache run).
function ourKl(p, q) {
  const { first, last } = scoredRange(N_CTX);
  let sum = 0;
  let count = 0;
  for (let w = 0; w * N_CTX < p.ours.ids.length; w++) {
    for (let pos = first; pos <= last; pos++) {
      const a = p.q(w, pos);
      const b = q.q(w, pos);
      for (let token = 0; token < p.ours.nVocab; token++) {
        const lp = a.logProbability(token);
        sum += Math.exp(lp) * (lp - b.logProbability(token));
      }
      count++;
    }
  }
  return { meanKl: sum / count };
}

// Perplexity over the scored positions: exp(mean -log p(next token)).
function perplexity(ids, logProbabilityAt) {
  const { first, last } = scoredRange(N_CTX);
  let sum = 0;
  let count = 0;
  for (let w = 0; w * N_CTX < ids.length; w++) {
    for (let p = first; p <= last; p++) {
      sum -= logProbabilityAt(w, p)(ids[w * N_CTX + p + 1]);
      count++;
    }
  }
  return Math.exp(sum / count);
}

async function run(type) {
  const ours = await ourWindowLogits(bin, lexi, evalText, { nCtx: N_CTX, nTokens: N_TOKENS, out: join(dir, `${type}.f32`),
                                                            extraArgs: ['-ctk', type, '-ctv', type] });
  const contextOptions = type === 'f16' ? {} : { experimentalKvCacheKeyType: type.toUpperCase(),
                                                 experimentalKvCacheValueType: type.toUpperCase() };
  const theirs = await llamaCppWindowProbabilities(model, ours.ids, { nCtx: N_CTX, batchSize: N_CTX, contextOptions });
  const q = (w, p) => ourLogProbabilities(ours.logits, (w * N_CTX + p) * ours.nVocab, ours.nVocab);
  return { ours, theirs, q };
}

let f16;
for (const type of ['q8_0', 'q4_0']) {
  test(`a ${type} KV cache costs what llama.cpp's does`, { skip: needsModels }, async (t) => {
    f16 ??= await run('f16');
    const quantized = await run(type);
    assert.deepEqual(quantized.ours.ids, f16.ours.ids);
    const oursCost = ourKl(f16, quantized);
    const theirCost = agreement(f16.theirs, (w, p) => llamaCppLogProbabilities(quantized.theirs[w][p]), N_CTX);
    const versus = agreement(quantized.theirs, quantized.q, N_CTX);
    const pplOurs = perplexity(f16.ours.ids, (w, p) => quantized.q(w, p).logProbability);
    const pplTheirs = perplexity(f16.ours.ids, (w, p) => llamaCppLogProbabilities(quantized.theirs[w][p]).logProbability);
    t.diagnostic(`${type}: KL vs the f16 cache: ours ${oursCost.meanKl.toExponential(2)}, llama.cpp ${describe(theirCost)}; ` +
                 `ours vs llama.cpp (${type}): ${describe(versus)}; perplexity ours ${pplOurs.toFixed(4)}, ` +
                 `llama.cpp ${pplTheirs.toFixed(4)}`);
    assert.ok(Math.abs(oursCost.meanKl - theirCost.meanKl) <= 0.15 * theirCost.meanKl,
              `our ${type} cost ${oursCost.meanKl} is not within 15% of llama.cpp's ${theirCost.meanKl}`);
    assert.ok(Math.abs(pplOurs / pplTheirs - 1) < 0.005, `perplexity ${pplOurs} vs llama.cpp's ${pplTheirs}`);
    assert.ok(versus.meanKl < 0.2 * theirCost.meanKl + 2e-5,
              `ours vs llama.cpp KL ${versus.meanKl} is not well below the cache's cost ${theirCost.meanKl}`);
  });
}
