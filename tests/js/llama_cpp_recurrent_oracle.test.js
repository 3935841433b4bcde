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
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ARCH_ORACLE_RULES, compareGreedy, compareWindows, describe, describeGreedy, openSyntheticOracle, syntheticModel,
} from './helpers/llama_cpp_compare.js';
import { FIXTURES_DIR, needsModels } from './helpers/fixtures.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const bin = process.env.WEBGGUF_BIN ?? join(root, 'build/native/webgguf');
const lexi = join(FIXTURES_DIR, 'models/lexi-28m-f16.gguf');
const evalText = join(FIXTURES_DIR, 'data/eval.txt');

const N_CTX = 1024;
const N_TOKENS = 3072;
const SCORED = (N_TOKENS / N_CTX) * (N_CTX / 2 - 1);
const {
  maxKlFloat: MAX_KL_FLOAT, minTop1Float: MIN_TOP1_FLOAT, maxKlQuant: MAX_KL_QUANT, top1BelowNoise: TOP1_BELOW_NOISE,
  greedyTokens: GREEDY_TOKENS, greedyTie: GREEDY_TIE,
} = ARCH_ORACLE_RULES;
const STDDEV = 0.07;

const ARCHS = ['lfm2', 'qwen35'];
const QUANT_TYPES = process.env.WEBGGUF_ORACLE_ALL ? ['Q8_0', 'Q4_K_M'] : ['Q8_0'];

let oracle;
const model = (arch, type) => syntheticModel(bin, oracle.dir, lexi, { arch, stddev: STDDEV, type });

before(async () => {
  if (!needsModels) oracle = await openSyntheticOracle(bin, 'webgguf-recurrent-oracle-');
});
after(() => oracle?.close());

const windows = (file, withNoise) =>
  compareWindows(oracle.llama, bin, file, evalText, { nCtx: N_CTX, nTokens: N_TOKENS, withNoise });

for (const arch of ARCHS) {
  for (const type of ['F32', 'F16']) {
    test(`${arch} ${type}: next-token distributions over ${N_CTX}-position windows equal llama.cpp's`,
      { skip: needsModels }, async (t) => {
        const { ours } = await windows(await model(arch, type), false);
        t.diagnostic(`${arch} ${type}: ${describe(ours)} over ${ours.count} positions`);
        assert.equal(ours.count, SCORED);
        assert.ok(ours.meanKl < MAX_KL_FLOAT, `mean KL ${ours.meanKl} >= ${MAX_KL_FLOAT}`);
        assert.ok(ours.top1 >= MIN_TOP1_FLOAT, `top-1 ${ours.top1} < ${MIN_TOP1_FLOAT}`);
      });
  }

  for (const type of QUANT_TYPES) {
    test(`${arch} ${type}: within llama.cpp's own noise floor`, { skip: needsModels }, async (t) => {
      const { ours, noise } = await windows(await model(arch, type), true);
      t.diagnostic(`${arch} ${type}: ours vs llama.cpp ${describe(ours)}; llama.cpp batch ${N_CTX} vs 1 ${describe(noise)}`);
      assert.ok(ours.meanKl < MAX_KL_QUANT, `mean KL ${ours.meanKl} >= ${MAX_KL_QUANT}`);
      assert.ok(ours.top1 >= noise.top1 - TOP1_BELOW_NOISE,
                `top-1 ${ours.top1} is more than ${TOP1_BELOW_NOISE} below llama.cpp's own ${noise.top1}`);
    });
  }

  test(`${arch} F32: a ${GREEDY_TOKENS}-token greedy continuation follows llama.cpp's`, { skip: needsModels }, async (t) => {
    const file = await model(arch, 'F32');
    const result = await compareGreedy(oracle.llama, bin, file,
      { prompt: 'The meaning of life is', nTokens: GREEDY_TOKENS, tieTolerance: GREEDY_TIE });
    t.diagnostic(`${arch}: ${describeGreedy(result)}`);
    assert.ok(result.ok, `greedy differs at token ${result.firstDifference} where llama.cpp's gap is ${result.gap}`);
  });
}
