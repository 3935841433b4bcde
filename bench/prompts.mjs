// The benchmark prompts: held-out text (../shared/data/eval.txt) cut to exactly PROMPT_TOKENS
// tokens as llama.cpp tokenizes it (BOS included when the vocabulary adds one), so every engine
// gets the same text. Each run starts at its own paragraph: the first tokens differ between
// runs, so no engine can reuse a KV-cache prefix from an earlier run. All benchmark files share
// lexi's vocabulary. Lexi ends most definitions with EOS after a few tokens and our engine cannot
// be told to ignore EOS, so only prompts whose greedy continuation (llama.cpp, on the file being
// measured) runs GENERATED_TOKENS tokens without an end-of-generation token are kept.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROMPT_TOKENS = 128;
export const GENERATED_TOKENS = 64;
// The untimed warm-up completion is as long as the timed one: a shorter one left wllama's 2-thread
// runs slower than its 1-thread ones (its threads and V8's tiers were not warm; issue 17).
export const WARMUP_PROMPT_TOKENS = PROMPT_TOKENS;
export const WARMUP_GENERATED_TOKENS = GENERATED_TOKENS;

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');
export const EVAL_TEXT = resolve(process.env.WEBGGUF_FIXTURES ?? resolve(repoRoot, '../shared'), 'data/eval.txt');

/**
 * Texts that llama.cpp tokenizes to exactly `tokens` tokens, each starting at its own paragraph.
 * @param {any} model a node-llama-cpp LlamaModel
 * @param {number} tokens
 * @param {number} firstParagraph
 * @returns {Generator<string>}
 */
function* exactCuts(model, tokens, firstParagraph) {
  const bos = model.tokens.shouldPrependBosToken ? 1 : 0;
  const paragraphs = readFileSync(EVAL_TEXT, 'utf8').split('\n\n');
  for (let p = firstParagraph; p < paragraphs.length; p++) {
    const ids = model.tokenize(paragraphs.slice(p, p + 64).join('\n\n'), false);
    if (ids.length < tokens - bos) continue;
    const text = model.detokenize(ids.slice(0, tokens - bos));
    // Cutting between tokens can change how the tail re-tokenizes: keep only exact cuts.
    if (model.tokenize(text, false).length === tokens - bos) yield text;
  }
}

/** Whether greedy decoding of `text` runs `generate` tokens without an end-of-generation token. */
async function runsWithoutEog(model, sequence, text, generate) {
  const ids = model.tokenize(text, false);
  if (model.tokens.shouldPrependBosToken && model.tokens.bos !== null) ids.unshift(model.tokens.bos);
  let generated = 0;
  // node-llama-cpp ends the evaluation at an end-of-generation token.
  for await (const token of sequence.evaluate(ids, { temperature: 0 })) {
    void token;
    if (++generated === generate) break;
  }
  await sequence.clearHistory();
  return generated === generate;
}

/**
 * @param {any} llama from getLlama()
 * @param {number} runs
 * @param {string} modelPath the file the prompts must not end early on
 * @param {number} threads
 * @returns {Promise<{ timed: string[], warmup: string, promptTokens: number, warmupTokens: number }>}
 */
export async function buildPrompts(llama, runs, modelPath, threads) {
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 512, threads: { ideal: threads, min: threads } });
  try {
    const sequence = context.getSequence();
    const timed = [];
    for (const text of exactCuts(model, PROMPT_TOKENS, 0)) {
      if (await runsWithoutEog(model, sequence, text, GENERATED_TOKENS)) timed.push(text);
      if (timed.length === runs) break;
    }
    if (timed.length < runs) throw new Error(`only ${timed.length} usable prompts in ${EVAL_TEXT}`);
    // The warm-up prompt comes from far away in the text, so it shares no prefix with the runs,
    // and generates as many tokens as a timed run.
    let warmup;
    for (const text of exactCuts(model, WARMUP_PROMPT_TOKENS, 1000)) {
      if (await runsWithoutEog(model, sequence, text, WARMUP_GENERATED_TOKENS)) {
        warmup = text;
        break;
      }
    }
    if (warmup === undefined) throw new Error(`no usable warm-up prompt in ${EVAL_TEXT}`);
    return { timed, warmup, promptTokens: PROMPT_TOKENS, warmupTokens: WARMUP_PROMPT_TOKENS };
  } finally {
    await context.dispose();
    await model.dispose();
  }
}
