// Our wasm engine against native llama.cpp (node-llama-cpp) on the same GGUF files: greedy
// continuations must be identical token for token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama } from 'node-llama-cpp';
import { Engine } from '../../js/index.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const shared = resolve(root, '../shared');
const wasmBuilt = existsSync(join(root, 'dist/wasm/webgguf-st-node.cjs'));
const CASES = [
  { file: join(root, 'web/models/lexi-28m-chat-Q4_K_M.gguf'),
    prompt: '<|im_start|>user\nWhat is a river?<|im_end|>\n<|im_start|>assistant\n' },
  { file: join(root, 'web/models/lexi-28m-chat-Q4_K_M.gguf'),
    prompt: '<|im_start|>user\nDefine the verb "whisper".<|im_end|>\n<|im_start|>assistant\n' },
  { file: join(shared, 'models/lexi-28m-f16.gguf'), prompt: 'The meaning of life is' },
];
const N_TOKENS = 40;

let llama;
let engine;
before(async () => {
  llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  if (wasmBuilt) engine = await Engine.create({ threads: 1 });
});
after(async () => {
  await engine?.terminate();
  await llama?.dispose();
});

async function llamaCppGreedy(file, prompt) {
  const model = await llama.loadModel({ modelPath: file });
  const context = await model.createContext({ threads: 2, contextSize: 256 });
  try {
    const ids = [];
    for await (const token of context.getSequence().evaluate(model.tokenize(prompt, true), { temperature: 0 })) {
      ids.push(token);
      if (model.isEogToken(token) || ids.length >= N_TOKENS) break;
    }
    return model.detokenize(ids.filter((id) => !model.isEogToken(id)), false);
  } finally {
    await context.dispose();
    await model.dispose();
  }
}

for (const { file, prompt } of CASES) {
  test(`greedy text equals llama.cpp's: ${file.split('/').pop()} ${JSON.stringify(prompt.slice(0, 40))}`,
       { skip: !wasmBuilt && 'dist/wasm is not built' }, async () => {
    const expected = await llamaCppGreedy(file, prompt);
    await engine.load(file, { n_ctx: 256 });
    const ours = await engine.complete(prompt, { max_tokens: N_TOKENS, temperature: 0 });
    assert.equal(ours.choices[0].text, expected);
  });
}
