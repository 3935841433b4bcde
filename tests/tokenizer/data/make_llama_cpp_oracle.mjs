// Regenerates data/llama_cpp_oracle.NAME.{plain,special}.out from llama_cpp_oracle.inp with
// llama.cpp itself (node-llama-cpp, vocab-only load of llama.cpp's own test vocabularies in
// build/llama.cpp/models, which include the five of ../shared/fixtures/tokenizers).
//   node --no-experimental-fetch tests/tokenizer/data/make_llama_cpp_oracle.mjs
// Each .out line holds the ids of one string (no BOS/EOS), as llama.cpp's vocab vector files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama } from 'node-llama-cpp';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../../../build/llama.cpp/models');
const separator = '\n__ggml_vocab_test__\n';

const raw = fs.readFileSync(path.join(here, 'llama_cpp_oracle.inp'), 'utf8');
const strings = [];
for (let pos = 0; pos < raw.length;) {
  const next = raw.indexOf(separator, pos);
  if (next < 0) {
    strings.push(raw.slice(pos));
    break;
  }
  strings.push(raw.slice(pos, next));
  pos = next + separator.length;
}

// SentencePiece as Gemma 1-3 use it: llama-spm with tokenizer.ggml.add_space_prefix = false (a
// bool key put first in the metadata; these files have no tensors).
function withoutSpacePrefix(gguf) {
  const key = Buffer.from('tokenizer.ggml.add_space_prefix');
  const kv = Buffer.alloc(8 + key.length + 4 + 1);
  kv.writeBigUInt64LE(BigInt(key.length), 0);
  key.copy(kv, 8);
  kv.writeUInt32LE(7, 8 + key.length);  // GGUF bool, value 0
  const head = Buffer.from(gguf.subarray(0, 24));
  head.writeBigUInt64LE(head.readBigUInt64LE(16) + 1n, 16);  // n_kv
  return Buffer.concat([head, kv, gguf.subarray(24)]);
}
const variants = { 'llama-spm-no-space-prefix': ['llama-spm', withoutSpacePrefix] };
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vocab-oracle-'));

const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const names = ['llama-spm', 'phi-3', 'llama-bpe', 'qwen2', 'gpt-2', 'command-r', 'deepseek-coder',
               'deepseek-llm', 'falcon', 'gemma-4', 'mpt', 'qwen35', 'refact', 'starcoder',
               'llama-spm-no-space-prefix'];
for (const name of names) {
  let modelPath = path.join(fixtures, `ggml-vocab-${name}.gguf`);
  if (variants[name]) {
    const [base, edit] = variants[name];
    modelPath = path.join(scratch, `${name}.gguf`);
    fs.writeFileSync(modelPath, edit(fs.readFileSync(path.join(fixtures, `ggml-vocab-${base}.gguf`))));
  }
  const model = await llama.loadModel({ modelPath, vocabOnly: true });
  for (const [suffix, parseSpecial] of [['plain', false], ['special', true]]) {
    const lines = strings.map((s) => ' ' + Array.from(model.tokenize(s, parseSpecial)).join(' ') + '\n');
    fs.writeFileSync(path.join(here, `llama_cpp_oracle.${name}.${suffix}.out`), lines.join(''));
  }
  await model.dispose();
}
fs.rmSync(scratch, { recursive: true, force: true });
