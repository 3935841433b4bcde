// Comparing our native CLI's outputs with llama.cpp's (node-llama-cpp) on the same GGUF file and
// token ids: next-token distributions over windows of a text (as llama-perplexity scores them)
// and greedy continuations. Shared by the oracle tests.
import { execFile } from 'node:child_process';
import { readFileSync, unlinkSync } from 'node:fs';
import { promisify } from 'node:util';

export const run = promisify(execFile);

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
