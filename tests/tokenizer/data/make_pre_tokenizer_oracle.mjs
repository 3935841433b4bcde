// Regenerates data/pre_tokenizer_oracle.out from pre_tokenizer_oracle.inp with llama.cpp itself
// (node-llama-cpp): for every pre-tokenizer name llama.cpp knows, GPT-2's vocabulary
// (build/llama.cpp/models/ggml-vocab-gpt-2.gguf) relabelled with that tokenizer.ggml.pre, loaded
// vocab-only, tokenizes each string (no BOS/EOS, specials not parsed).
//   node --no-experimental-fetch tests/tokenizer/data/make_pre_tokenizer_oracle.mjs
// Each .out line is "NAME<TAB> ids" for one string, names in llama-vocab.cpp's order.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama } from 'node-llama-cpp';

const here = path.dirname(fileURLToPath(import.meta.url));
const llamaCpp = path.resolve(here, '../../../build/llama.cpp');
const separator = '\n__ggml_vocab_test__\n';
const strings = fs.readFileSync(path.join(here, 'pre_tokenizer_oracle.inp'), 'utf8').split(separator);

const source = fs.readFileSync(path.join(llamaCpp, 'src/llama-vocab.cpp'), 'utf8');
// "whitespace" is left out: with a gpt2 model its raw-byte words keep their spaces and llama.cpp
// aborts (GGML_ASSERT in find_bpe_rank); its own "whitespace" model is one we refuse.
const names = [...new Set([...source.matchAll(/tokenizer_pre == "([^"]+)"/g)].map((m) => m[1]))]
  .filter((name) => name !== 'whitespace');

// GPT-2's vocabulary with another tokenizer.ggml.pre string (the file has no tensors, so the
// header may change length).
const vocab = fs.readFileSync(path.join(llamaCpp, 'models/ggml-vocab-gpt-2.gguf'));
const key = Buffer.from('tokenizer.ggml.pre');
const keyAt = vocab.indexOf(key);
const valueAt = keyAt + key.length + 4;  // after the key and its u32 type (string)
const oldLength = Number(vocab.readBigUInt64LE(valueAt));
function relabel(name) {
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(name)));
  return Buffer.concat([vocab.subarray(0, valueAt), length, Buffer.from(name),
                        vocab.subarray(valueAt + 8 + oldLength)]);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pre-oracle-'));
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const lines = [];
try {
  for (const name of names) {
    const file = path.join(dir, 'vocab.gguf');
    fs.writeFileSync(file, relabel(name));
    const model = await llama.loadModel({ modelPath: file, vocabOnly: true });
    for (const s of strings) lines.push(`${name}\t ${Array.from(model.tokenize(s, false)).join(' ')}\n`);
    await model.dispose();
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
fs.writeFileSync(path.join(here, 'pre_tokenizer_oracle.out'), lines.join(''));
console.log(`${names.length} names x ${strings.length} strings`);
