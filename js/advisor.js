/**
 * Which quantization fits this device: from each preset's file size and the memory a context
 * needs (KV cache + scratch), marks what fits the device and wasm's 4 GB ceiling and recommends
 * one, saying why in plain words.
 * @module advisor
 */

/** wasm32 addresses 4 GiB; the engine keeps some for code, stacks and the allocator. */
export const WASM_MEMORY_LIMIT = 4 * 1024 ** 3 - 256 * 1024 ** 2;

/** Presets from best quality to smallest, with what a user needs to hear about each. */
export const PRESET_NOTES = Object.freeze({
  F32: 'the original 32-bit weights: the largest file, no loss',
  BF16: '16-bit: half of 32-bit, practically no loss',
  F16: '16-bit: half of 32-bit, practically no loss',
  Q8_0: 'closest to the original: 8-bit, 4x smaller than 32-bit, no visible loss',
  Q6_K: 'noticeably better than 4-bit for code and detailed writing, when memory allows',
  Q5_K_M: 'noticeably better than 4-bit for code and detailed writing, when memory allows',
  Q5_K_S: 'a little smaller than Q5_K_M, a little more loss',
  Q4_K_M: 'the recommended start: the best balance of size, speed and quality',
  Q4_K_S: 'a little smaller than Q4_K_M, a little more loss',
  IQ4_XS: 'I-quant: lookup tables make 4-bit smaller still, sometimes at a cost in speed',
  IQ4_NL: 'I-quant: 4-bit with a non-linear lookup table',
  Q5_1: 'legacy 5-bit: larger than Q5_K_M for about the same quality',
  Q5_0: 'legacy 5-bit: fast and simple, a little more loss than Q5_K_M',
  Q4_1: 'legacy 4-bit: larger than Q4_K_M, more loss',
  Q4_0: 'legacy 4-bit: fast and simple, more loss than Q4_K_M',
  Q3_K_L: '3-bit: for limited memory, visible loss',
  Q3_K_M: '3-bit: for limited memory, visible loss',
  Q3_K_S: '3-bit: for limited memory, visible loss',
  Q2_K: 'for very limited memory only: the largest loss',
});

/**
 * Bytes a page can use for a model and its context: wasm32's limit, or half the device's memory
 * when the browser says how much it has (before the browser or OS pushes back).
 * @param {number} [deviceMemoryGB] navigator.deviceMemory
 */
export function memoryBudget(deviceMemoryGB) {
  const deviceBudget = deviceMemoryGB ? deviceMemoryGB * 1024 ** 3 / 2 : Infinity;
  return Math.min(WASM_MEMORY_LIMIT, deviceBudget);
}

/**
 * The longest context that fits `room` bytes with a KV cache type's cost (planQuantization's
 * cache_types entry, measured at n_ctx), at most the training context.
 * @param {number} room @param {{ context_bytes: number, bytes_per_token: number }} cost
 * @param {number} nCtx @param {number} nCtxTrain
 */
function longestContext(room, cost, nCtx, nCtxTrain) {
  const fixed = cost.context_bytes - cost.bytes_per_token * nCtx;
  const tokens = cost.bytes_per_token > 0 ? Math.floor((room - fixed) / cost.bytes_per_token) : nCtxTrain;
  return Math.max(0, Math.min(nCtxTrain || tokens, tokens));
}

/** 16384 -> "16k", 1000 -> "1000". */
function tokenCount(n) {
  return n >= 1024 ? `${Math.floor(n / 1024)}k` : String(n);
}

/** Preference order when several fit: Q4_K_M first, then better ones when there is room. */
const PREFERENCE = ['Q4_K_M', 'Q5_K_M', 'Q6_K', 'Q8_0'];
const FALLBACK_ORDER = ['Q4_K_S', 'IQ4_XS', 'IQ4_NL', 'Q4_0', 'Q3_K_L', 'Q3_K_M', 'Q3_K_S', 'Q2_K'];

/**
 * With `cache_types` (planQuantization's costs of each KV cache type), `n_ctx` and `n_ctx_train`,
 * each row also says the longest context that fits with `cache_type` (default f16), and the
 * advice names it: "Q4_K_M with a q8_0 cache fits 16k tokens on this device".
 * @param {{ presets: Array<{ preset: string, file_bytes: number }>, context_bytes: number,
 *           deviceMemoryGB?: number, cache_type?: string, n_ctx?: number, n_ctx_train?: number,
 *           cache_types?: Array<{ cache_type: string, context_bytes: number, bytes_per_token: number }> }} input
 *           context_bytes = KV cache + scratch at the chosen context
 * @returns {{ rows: Array<{ preset: string, file_bytes: number, memory_bytes: number, fits: boolean,
 *           recommended: boolean, note: string, max_context?: number }>, recommended: string | null, advice: string, budget_bytes: number }}
 */
export function advise({ presets, context_bytes, deviceMemoryGB, cache_type = 'f16', cache_types, n_ctx, n_ctx_train }) {
  const budget = memoryBudget(deviceMemoryGB);
  const cost = n_ctx ? cache_types?.find((c) => c.cache_type === cache_type) : undefined;
  const rows = presets.map(({ preset, file_bytes }) => {
    const memory_bytes = file_bytes + context_bytes;
    return { preset, file_bytes, memory_bytes, fits: memory_bytes <= budget, recommended: false,
             note: PRESET_NOTES[preset] ?? '',
             ...(cost ? { max_context: longestContext(budget - file_bytes, cost, /** @type {number} */ (n_ctx), n_ctx_train ?? 0) } : {}) };
  });
  const fitting = new Map(rows.filter((r) => r.fits).map((r) => [r.preset, r]));
  // Q4_K_M by default; a better preset when it leaves at least a quarter of the budget free.
  let choice = fitting.has('Q4_K_M') ? 'Q4_K_M' : FALLBACK_ORDER.find((p) => fitting.has(p)) ?? null;
  if (choice === 'Q4_K_M') {
    for (const better of PREFERENCE.slice(1)) {
      const row = fitting.get(better);
      if (row && row.memory_bytes <= budget * 0.75) choice = better;
    }
  }
  let advice;
  if (choice === null) {
    advice = 'No preset fits this device at this context. Choose a shorter context or a smaller model.';
  } else {
    fitting.get(choice).recommended = true;
    const why = choice === 'Q4_K_M'
      ? 'Q4_K_M is the recommended start: the best balance of size, speed and quality.'
      : PREFERENCE.includes(choice)
        ? `${choice} fits with room to spare: ${PRESET_NOTES[choice]}.`
        : `Q4_K_M does not fit here; ${choice} does (${PRESET_NOTES[choice]}).`;
    const longest = fitting.get(choice).max_context;
    const reach = longest ? ` ${choice} with a ${cache_type} cache fits ${tokenCount(longest)} tokens on this device.` : '';
    advice = `${why}${reach} A smaller file loads faster and leaves more memory for the conversation (a longer context).`;
  }
  return { rows, recommended: choice, advice, budget_bytes: budget };
}
