// Comparing our native CLI's outputs with llama.cpp's (node-llama-cpp) on the same GGUF file and
// token ids: next-token distributions over windows of a text (as llama-perplexity scores them)
// and greedy continuations. Shared by the oracle tests.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getLlama } from 'node-llama-cpp';

export const run = promisify(execFile);

/**
 * The architecture oracles' rules (issues 14 and 15): F32/F16 mean KL and top-1 agreement; the
 * quantized types' mean KL and their shortfall allowed under llama.cpp's agreement with itself;
 * the greedy continuation's length and the top-2 gap within which a first difference is a tie.
 */
export const ARCH_ORACLE_RULES = Object.freeze({
  maxKlFloat: 1e-5, minTop1Float: 0.99, maxKlQuant: 1e-3, top1BelowNoise: 0.01, greedyTokens: 64, greedyTie: 1e-3,
});

/** llama-perplexity scores positions n_ctx/2 .. n_ctx-2 of each window. */
export const scoredRange = (nCtx) => ({ first: nCtx / 2, last: nCtx - 2 });

/**
 * Our logits of every position of `text` in windows of nCtx tokens (`webgguf logits`).
 * @returns {Promise<{ ids: number[], logits: Float32Array, nVocab: number }>}
 */
export async function ourWindowLogits(bin, file, textFile, { nCtx, nTokens, out, extraArgs = [] }) {
  const { stdout } = await run(bin, ['logits', file, '-f', textFile, '-c', String(nCtx), '-n', String(nTokens),
                                     '-o', out, '-t', '1', ...extraArgs], { maxBuffer: 1 << 26 });
  const ids = stdout.trim().split(' ').map(Number);
  const bytes = readFileSync(out);
  unlinkSync(out);
  const logits = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return { ids, logits, nVocab: logits.length / ids.length };
}

/**
 * llama.cpp's next-token probabilities (Map token -> p, highest first) at the scored positions of
 * every window; contextOptions go to createContext (e.g. experimentalKvCacheKeyType).
 */
export async function llamaCppWindowProbabilities(model, ids, { nCtx, batchSize, contextOptions = {} }) {
  const { first, last } = scoredRange(nCtx);
  const context = await model.createContext({ contextSize: nCtx, batchSize, threads: 1, ...contextOptions });
  try {
    const sequence = context.getSequence();
    const windows = [];
    for (let start = 0; start < ids.length; start += nCtx) {
      await sequence.clearHistory();
      const input = ids.slice(start, start + nCtx).map((id, p) =>
        p >= first && p <= last ? [id, { generateNext: { probabilities: true } }] : id);
      const output = await sequence.controlledEvaluate(input);
      windows.push(output.map((o) => o?.next.probabilities));
    }
    return windows;
  } finally {
    await context.dispose();
  }
}

/** log-softmax of one of our logits rows as a function of the token, and its top token. */
export function ourLogProbabilities(logits, offset, nVocab) {
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

export function llamaCppLogProbabilities(probabilities) {
  const [top] = probabilities.keys();  // the map is sorted by probability, highest first
  return { top, logProbability: (token) => Math.log(probabilities.get(token)) };
}

/** Mean KL(llama.cpp || q) and top-1 agreement over the scored positions of every window. */
export function agreement(windows, q, nCtx) {
  const { first, last } = scoredRange(nCtx);
  let klSum = 0;
  let sameTop = 0;
  let count = 0;
  windows.forEach((window, w) => {
    for (let p = first; p <= last; p++) {
      const probabilities = window[p];
      const ours = q(w, p);
      for (const [token, prob] of probabilities) {
        if (prob > 0) klSum += prob * (Math.log(prob) - ours.logProbability(token));
      }
      const [top] = probabilities.keys();
      sameTop += top === ours.top;
      count++;
    }
  });
  return { meanKl: klSum / count, top1: sameTop / count, count };
}

export const describe = ({ meanKl, top1 }) => `mean KL ${meanKl.toExponential(2)}, top-1 ${(100 * top1).toFixed(2)}%`;

/**
 * Greedy continuations of `promptIds` by llama.cpp, with its probabilities at every step.
 * @returns {Promise<{ ids: number[], steps: Array<Map<number, number>> }>}
 */
export async function llamaCppGreedy(model, promptIds, nTokens, threads = 1) {
  const context = await model.createContext({ contextSize: Math.max(256, promptIds.length + nTokens + 8), threads });
  try {
    const sequence = context.getSequence();
    const ids = [];
    const steps = [];
    let input = promptIds.map((id, i) => (i === promptIds.length - 1 ? [id, { generateNext: { probabilities: true } }] : id));
    while (ids.length < nTokens) {
      const output = await sequence.controlledEvaluate(input);
      const probabilities = output[output.length - 1].next.probabilities;
      const [top] = probabilities.keys();
      steps.push(probabilities);
      ids.push(top);
      if (model.isEogToken(top)) break;
      input = [[top, { generateNext: { probabilities: true } }]];
    }
    return { ids, steps };
  } finally {
    await context.dispose();
  }
}

/**
 * Whether our greedy ids follow llama.cpp's: identical, or the first difference is at a step
 * where llama.cpp's two most likely tokens are within `tieTolerance` in probability and ours is
 * one of them. Returns { ok, firstDifference, gap }.
 */
export function greedyAgreement(ours, theirs, tieTolerance) {
  const n = Math.min(ours.length, theirs.ids.length);
  for (let i = 0; i < n; i++) {
    if (ours[i] === theirs.ids[i]) continue;
    const entries = [...theirs.steps[i].entries()];
    const gap = entries[0][1] - (theirs.steps[i].get(ours[i]) ?? 0);
    const secondIsOurs = entries.length > 1 && entries[1][0] === ours[i];
    return { ok: secondIsOurs && gap <= tieTolerance, firstDifference: i, gap };
  }
  return { ok: true, firstDifference: -1, gap: 0 };
}

/**
 * Our next-token distributions (`webgguf logits`) against llama.cpp's on windows of nCtx tokens of
 * `textFile`: { ours: agreement } and, withNoise, llama.cpp's agreement with itself (batch nCtx vs
 * batch 1), the noise floor of the quantized rule.
 */
export async function compareWindows(llama, bin, file, textFile, { nCtx, nTokens, withNoise }) {
  const ours = await ourWindowLogits(bin, file, textFile, { nCtx, nTokens, out: `${file}.f32` });
  if (ours.ids.length !== nTokens) throw new Error(`${textFile} gave ${ours.ids.length} tokens, not ${nTokens}`);
  const loaded = await llama.loadModel({ modelPath: file });
  try {
    const batched = await llamaCppWindowProbabilities(loaded, ours.ids, { nCtx, batchSize: nCtx });
    const q = (w, p) => ourLogProbabilities(ours.logits, (w * nCtx + p) * ours.nVocab, ours.nVocab);
    const result = { ours: agreement(batched, q, nCtx) };
    if (withNoise) {
      const oneByOne = await llamaCppWindowProbabilities(loaded, ours.ids, { nCtx, batchSize: 1 });
      result.noise = agreement(batched, (w, p) => llamaCppLogProbabilities(oneByOne[w][p]), nCtx);
    }
    return result;
  } finally {
    await loaded.dispose();
  }
}

/**
 * Our greedy continuation of `prompt` (`webgguf run --ids`) against llama.cpp's: the
 * greedyAgreement of the two, with llama.cpp's tokenization of the prompt checked to equal ours.
 * Returns { ok, firstDifference, gap, nTokens }.
 */
export async function compareGreedy(llama, bin, file, { prompt, nTokens, tieTolerance }) {
  const { stderr } = await run(bin, ['run', file, '-p', prompt, '-n', String(nTokens), '--temp', '0', '--ids', '-c', '256']);
  // --ids prints "prompt: 1 2 ..." and "ids: 5 6 ..." on stderr
  const numbers = (name) => stderr.split('\n').find((l) => l.startsWith(`${name}:`)).slice(name.length + 1)
    .trim().split(' ').map(Number);
  const promptIds = numbers('prompt');
  const ours = numbers('ids');
  const loaded = await llama.loadModel({ modelPath: file });
  try {
    const theirIds = [...loaded.tokenize(prompt, true)];
    if (theirIds.join(' ') !== promptIds.join(' ')) throw new Error(`llama.cpp tokenizes the prompt as ${theirIds}, we as ${promptIds}`);
    const theirs = await llamaCppGreedy(loaded, promptIds, nTokens);
    return { ...greedyAgreement(ours, theirs, tieTolerance), nTokens: ours.length };
  } finally {
    await loaded.dispose();
  }
}

/** One line for a compareGreedy result. */
export const describeGreedy = (result) => (result.firstDifference < 0
  ? `identical over ${result.nTokens} tokens`
  : `first difference at token ${result.firstDifference}, llama.cpp's top-2 gap ${result.gap.toExponential(2)}`);

/**
 * A random-weight `webgguf synth --shape tiny-deep` model of `arch` (weights of std `stddev`, the
 * vocabulary of `vocabFrom`) in `dir`: F16 as written, or converted by our quantizer to `type`
 * (F32 unquantized, or a preset such as Q4_K_M). Made once per dir.
 */
export async function syntheticModel(bin, dir, vocabFrom, { arch, stddev, type }) {
  const f16 = join(dir, `${arch}-${stddev}-F16.gguf`);
  if (!existsSync(f16)) {
    await run(bin, ['synth', f16, '--shape', 'tiny-deep', '--arch', arch, '--vocab-from', vocabFrom,
                    '--stddev', String(stddev), '--seed', '7']);
  }
  if (type === 'F16') return f16;
  const file = join(dir, `${arch}-${stddev}-${type}.gguf`);
  if (!existsSync(file)) {
    const args = type === 'F32' ? [f16, file, 'F32', '--pure'] : [f16, file, type];
    await run(bin, ['quantize', ...args, '-t', '1']);
  }
  return file;
}

/**
 * What an oracle test over synthetic models holds: llama.cpp (CPU, never built here) and a
 * temporary folder for the models; close() releases both. Fails when our CLI is not built.
 * @returns {Promise<{ dir: string, llama: any, close: () => Promise<void> }>}
 */
export async function openSyntheticOracle(bin, prefix) {
  if (!existsSync(bin)) throw new Error(`${bin} is not built (scripts/build.sh native)`);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  return {
    dir, llama,
    close: async () => {
      await llama.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
