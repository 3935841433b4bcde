// Issue 15's oracle for the hybrid families: lfm2 (short-convolution recurrent layers between
// attention layers) as a random-weight model written by `webgguf synth --shape tiny-deep --arch lfm2`
// (6 layers: short convs on 0, 1, 3, 4, attention with per-head Q/K norms on 2 and 5; 256 wide),
// evaluated by our native CLI and by llama.cpp (node-llama-cpp) on the same token ids: 3072 tokens
// of eval.txt in windows of 1024 (the recurrent state carried over every position of a window),
// 1533 scored positions.
//   F32 and F16: mean KL < 1e-5 and top-1 >= 99%.
//   Q8_0 and Q4_K_M (our quantizer's presets): mean KL < 1e-3 and top-1 within one point of
//   llama.cpp's agreement with itself (batch 1024 vs batch 1), the rule of llama_cpp_quant_oracle.
//   A 64-token greedy continuation on F32: identical, or the first difference is where llama.cpp's
//   two most likely tokens are within 1e-3 in probability.
// `npm test` runs F32/F16/greedy and Q8_0; WEBGGUF_ORACLE_ALL=1 adds Q4_K_M.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama } from 'node-llama-cpp';
import {
  agreement, describe, greedyAgreement, llamaCppGreedy, llamaCppLogProbabilities, llamaCppWindowProbabilities,
  ourLogProbabilities, ourWindowLogits, run,
} from './helpers/llama_cpp_compare.js';
import { FIXTURES_DIR, needsModels } from './helpers/fixtures.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const bin = process.env.WEBGGUF_BIN ?? join(root, 'build/native/webgguf');
const lexi = join(FIXTURES_DIR, 'models/lexi-28m-f16.gguf');
const evalText = join(FIXTURES_DIR, 'data/eval.txt');

const N_CTX = 1024;
const N_TOKENS = 3072;
const SCORED = (N_TOKENS / N_CTX) * (N_CTX / 2 - 1);
const MAX_KL_FLOAT = 1e-5;
const MIN_TOP1_FLOAT = 0.99;
const MAX_KL_QUANT = 1e-3;
const TOP1_BELOW_NOISE = 0.01;
const GREEDY_TOKENS = 64;
const GREEDY_TIE = 1e-3;
const STDDEV = 0.07;

const ARCHS = ['lfm2', 'qwen35'];
const QUANT_TYPES = process.env.WEBGGUF_ORACLE_ALL ? ['Q8_0', 'Q4_K_M'] : ['Q8_0'];

let dir;
let llama;
const files = new Map();  // `${arch}/${type}` -> path

async function model(arch, type) {
  const key = `${arch}/${type}`;
  if (files.has(key)) return files.get(key);
  const f16 = join(dir, `${arch}-F16.gguf`);
  if (!existsSync(f16)) {
    await run(bin, ['synth', f16, '--shape', 'tiny-deep', '--arch', arch, '--vocab-from', lexi,
                    '--stddev', String(STDDEV), '--seed', '7']);
  }
  let file = f16;
  if (type !== 'F16') {
    file = join(dir, `${arch}-${type}.gguf`);
    const args = type === 'F32' ? [f16, file, 'F32', '--pure'] : [f16, file, type];
    await run(bin, ['quantize', ...args, '-t', '1']);
  }
  files.set(key, file);
  return file;
}

before(async () => {
  if (needsModels) return;
  assert.ok(existsSync(bin), `${bin} is not built (scripts/build.sh native)`);
  dir = mkdtempSync(join(tmpdir(), 'webgguf-recurrent-oracle-'));
  llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
});
after(async () => {
  await llama?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function compareWindows(file, { withNoise }) {
  const ours = await ourWindowLogits(bin, file, evalText, { nCtx: N_CTX, nTokens: N_TOKENS, out: `${file}.f32` });
  assert.equal(ours.ids.length, N_TOKENS);
  const loaded = await llama.loadModel({ modelPath: file });
  try {
    const batched = await llamaCppWindowProbabilities(loaded, ours.ids, { nCtx: N_CTX, batchSize: N_CTX });
    const q = (w, p) => ourLogProbabilities(ours.logits, (w * N_CTX + p) * ours.nVocab, ours.nVocab);
    const result = { ours: agreement(batched, q, N_CTX) };
    if (withNoise) {
      const oneByOne = await llamaCppWindowProbabilities(loaded, ours.ids, { nCtx: N_CTX, batchSize: 1 });
      result.noise = agreement(batched, (w, p) => llamaCppLogProbabilities(oneByOne[w][p]), N_CTX);
    }
    return result;
  } finally {
    await loaded.dispose();
  }
}

for (const arch of ARCHS) {
  for (const type of ['F32', 'F16']) {
    test(`${arch} ${type}: next-token distributions over ${N_CTX}-position windows equal llama.cpp's`,
      { skip: needsModels }, async (t) => {
        const { ours } = await compareWindows(await model(arch, type), { withNoise: false });
        t.diagnostic(`${arch} ${type}: ${describe(ours)} over ${ours.count} positions`);
        assert.equal(ours.count, SCORED);
        assert.ok(ours.meanKl < MAX_KL_FLOAT, `mean KL ${ours.meanKl} >= ${MAX_KL_FLOAT}`);
        assert.ok(ours.top1 >= MIN_TOP1_FLOAT, `top-1 ${ours.top1} < ${MIN_TOP1_FLOAT}`);
      });
  }

  for (const type of QUANT_TYPES) {
    test(`${arch} ${type}: within llama.cpp's own noise floor`, { skip: needsModels }, async (t) => {
      const { ours, noise } = await compareWindows(await model(arch, type), { withNoise: true });
      t.diagnostic(`${arch} ${type}: ours vs llama.cpp ${describe(ours)}; llama.cpp batch ${N_CTX} vs 1 ${describe(noise)}`);
      assert.ok(ours.meanKl < MAX_KL_QUANT, `mean KL ${ours.meanKl} >= ${MAX_KL_QUANT}`);
      assert.ok(ours.top1 >= noise.top1 - TOP1_BELOW_NOISE,
                `top-1 ${ours.top1} is more than ${TOP1_BELOW_NOISE} below llama.cpp's own ${noise.top1}`);
    });
  }

  test(`${arch} F32: a ${GREEDY_TOKENS}-token greedy continuation follows llama.cpp's`, { skip: needsModels }, async (t) => {
    const file = await model(arch, 'F32');
    const { stderr } = await run(bin, ['run', file, '-p', 'The meaning of life is', '-n', String(GREEDY_TOKENS),
                                       '--temp', '0', '--ids', '-c', '256']);
    // --ids prints "prompt: 1 2 ..." and "ids: 5 6 ..." on stderr
    const numbers = (name) => stderr.split('\n').find((l) => l.startsWith(`${name}:`)).slice(name.length + 1)
      .trim().split(' ').map(Number);
    const promptIds = numbers('prompt');
    const ours = numbers('ids');
    const loaded = await llama.loadModel({ modelPath: file });
    try {
      assert.deepEqual([...loaded.tokenize('The meaning of life is', true)], promptIds);
      const theirs = await llamaCppGreedy(loaded, promptIds, GREEDY_TOKENS);
      const result = greedyAgreement(ours, theirs, GREEDY_TIE);
      t.diagnostic(`${arch}: ${result.firstDifference < 0 ? `identical over ${ours.length} tokens`
        : `first difference at token ${result.firstDifference}, llama.cpp's top-2 gap ${result.gap.toExponential(2)}`}`);
      assert.ok(result.ok, `greedy differs at token ${result.firstDifference} where llama.cpp's gap is ${result.gap}`);
    } finally {
      await loaded.dispose();
    }
  });
}
