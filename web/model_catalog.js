// The models the picker offers: the bundled 28M demo model and real small instruct models by their
// public Hugging Face GGUF files. Every repository, file name and size below was read from a stored
// copy of that repository's file list ("tree" page); none is guessed. Sizes are the listing's
// rounded figures (the exact size comes from the file's header when it is picked).
//
// `?hub=<origin>` on the page's URL replaces https://huggingface.co (tests serve local copies under
// the same repository paths and file names, so no test touches the network).

export const BUNDLED_ID = 'bundled';

/**
 * @typedef {{ id: string, name: string, description: string, quantization: string, sizeBytes: number | null,
 *             repo?: string, file?: string, url?: string, sampling?: Record<string, number> }} CatalogEntry
 */

/** @type {CatalogEntry[]} */
const ENTRIES = [
  {
    id: BUNDLED_ID, name: 'lexi 28M demo model', quantization: 'Q4_K_M', sizeBytes: 17_510_016,
    description: 'A 28M-parameter test model bundled with the page: answers short dictionary questions, nothing more.',
    url: new URL('models/lexi-28m-chat-Q4_K_M.gguf', import.meta.url).href,
    // Its greedy answers are its good ones (the reference answers are greedy, no repetition penalty).
    sampling: { temperature: 0, repeat_penalty: 1 },
  },
  {
    id: 'smollm2-360m', name: 'SmolLM2 360M Instruct', quantization: 'Q4_K_M', sizeBytes: 271e6,
    description: 'Hugging Face\'s small chat model: quick answers and simple instructions in English.',
    repo: 'bartowski/SmolLM2-360M-Instruct-GGUF', file: 'SmolLM2-360M-Instruct-Q4_K_M.gguf',
  },
  {
    id: 'qwen2.5-0.5b', name: 'Qwen2.5 0.5B Instruct', quantization: 'Q4_K_M', sizeBytes: 398e6,
    description: 'Alibaba\'s smallest Qwen2.5: multilingual chat, short summaries, a little code.',
    repo: 'QuantFactory/Qwen2.5-0.5B-Instruct-GGUF', file: 'Qwen2.5-0.5B-Instruct.Q4_K_M.gguf',
  },
  {
    id: 'qwen3-0.6b', name: 'Qwen3 0.6B', quantization: 'Q4_K_S', sizeBytes: null,
    description: 'The smallest Qwen3, with a "thinking" mode: shows its reasoning before the answer.',
    repo: 'unsloth/Qwen3-0.6B-GGUF', file: 'Qwen3-0.6B-Q4_K_S.gguf',
  },
  {
    id: 'gemma3-1b', name: 'Gemma 3 1B', quantization: 'Q4_K_M', sizeBytes: 806e6,
    description: 'Google\'s Gemma 3 1B instruct (text): good writing for its size, 140 languages.',
    repo: 'unsloth/gemma-3-1b-it-GGUF', file: 'gemma-3-1b-it-Q4_K_M.gguf',
  },
  {
    id: 'llama3.2-1b', name: 'Llama 3.2 1B Instruct', quantization: 'Q4_K_M', sizeBytes: 808e6,
    description: 'Meta\'s smallest Llama 3.2: general chat and instructions, the largest download here.',
    repo: 'bartowski/Llama-3.2-1B-Instruct-GGUF', file: 'Llama-3.2-1B-Instruct-Q4_K_M.gguf',
  },
];

function hubOrigin(location = globalThis.location) {
  const hub = location ? new URL(location.href).searchParams.get('hub') : null;
  return (hub || 'https://huggingface.co').replace(/\/+$/, '');
}

/** The catalog with each entry's download URL resolved. @returns {Array<CatalogEntry & { url: string }>} */
export function catalog(location = globalThis.location) {
  const hub = hubOrigin(location);
  return ENTRIES.map((entry) => ({ ...entry, url: entry.url ?? `${hub}/${entry.repo}/resolve/main/${entry.file}` }));
}

export function findEntry(id, location) {
  return catalog(location).find((entry) => entry.id === id) ?? null;
}

// GGUF keys llama.cpp reads as a model's default sampling (llama-arch.cpp LLM_KV_GENERAL_SAMPLING_*)
// and the page's settings they set.
const GGUF_SAMPLING_KEYS = {
  'general.sampling.temp': 'temperature',
  'general.sampling.top_k': 'top_k',
  'general.sampling.top_p': 'top_p',
  'general.sampling.min_p': 'min_p',
  'general.sampling.penalty_repeat': 'repeat_penalty',
};

/** The sampling settings a GGUF header names (its general.sampling.* keys), by setting name. */
export function samplingFromMetadata(metadata) {
  const settings = {};
  for (const [key, setting] of Object.entries(GGUF_SAMPLING_KEYS)) {
    const value = Number(metadata?.[key]);
    if (metadata && key in metadata && Number.isFinite(value)) settings[setting] = value;
  }
  return settings;
}
