// Our wasm engine against native llama.cpp (node-llama-cpp) on the same GGUF files: greedy
// continuations must be identical token for token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { getLlama } from 'node-llama-cpp';
import { Engine } from '../../js/index.js';
import { needsModels, ROOT, sharedPath, wasmModulePath } from './helpers/fixtures.js';

wasmModulePath('webgguf-st-node.cjs');
const CASES = [
  { file: join(ROOT, 'web/models/lexi-28m-chat-Q4_K_M.gguf'), skip: false,
    prompt: '<|im_start|>user\nWhat is a river?<|im_end|>\n<|im_start|>assistant\n' },
  { file: join(ROOT, 'web/models/lexi-28m-chat-Q4_K_M.gguf'), skip: false,
    prompt: '<|im_start|>user\nDefine the verb "whisper".<|im_end|>\n<|im_start|>assistant\n' },
  { file: sharedPath('models/lexi-28m-f16.gguf'), skip: needsModels, prompt: 'The meaning of life is' },
];
const N_TOKENS = 40;

let llama;
let engine;
before(async () => {
  llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  engine = await Engine.create({ threads: 1 });
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

for (const { file, prompt, skip } of CASES) {
  test(`greedy text equals llama.cpp's: ${file.split('/').pop()} ${JSON.stringify(prompt.slice(0, 40))}`,
       { skip }, async () => {
    const expected = await llamaCppGreedy(file, prompt);
    await engine.load(file, { n_ctx: 256 });
    const ours = await engine.complete(prompt, { max_tokens: N_TOKENS, temperature: 0 });
    assert.equal(ours.choices[0].text, expected);
  });
}
