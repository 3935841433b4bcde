// Writes a synthetic llama GGUF of any size with Q8_0 weights (random int8 quants, one small
// scale), F32 norms, and the tokenizer metadata of a real GGUF copied byte for byte, so prompts
// tokenize. For load tests at sizes no fixture has; the weights mean nothing.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { seededRandom } from '../js/helpers/seeded_random.js';

const GGUF_TYPE = { u32: 4, f32: 6, string: 8 };
const GGML_F32 = 0;
const GGML_Q8_0 = 8;
const Q8_0_BLOCK_BYTES = 34; // fp16 scale + 32 int8 quants
const ALIGNMENT = 32;
const MOSTLY_Q8_0 = 7;

/** Sizes of a GGUF metadata value's fixed-size types, by type id. */
const SCALAR_BYTES = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/**
 * The raw bytes of every `tokenizer.*` metadata entry of a GGUF (key, type and value), in order.
 * @param {string} path
 * @returns {{ entries: Buffer[], nVocab: number }}
 */
export function tokenizerMetadata(path) {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(8 << 20);
  const got = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  if (head.toString('latin1', 0, 4) !== 'GGUF') throw new Error(`${path} is not a GGUF file`);
  let at = 24;
  const u64 = () => { const v = Number(head.readBigUInt64LE(at)); at += 8; return v; };
  const string = () => { const n = u64(); const s = head.toString('utf8', at, at + n); at += n; return s; };
  const skipValue = (/** @type {number} */ type) => {
    if (type === GGUF_TYPE.string) { at += 8 + Number(head.readBigUInt64LE(at)); return; }
    if (type === 9) {
      const itemType = head.readUInt32LE(at); at += 4;
      const count = u64();
      for (let i = 0; i < count; i++) skipValue(itemType);
      return;
    }
    if (!(type in SCALAR_BYTES)) throw new Error(`GGUF value type ${type} is unknown`);
    at += SCALAR_BYTES[/** @type {keyof typeof SCALAR_BYTES} */ (type)];
  };
  const nKv = Number(head.readBigUInt64LE(16));
  const entries = [];
  let nVocab = 0;
  for (let i = 0; i < nKv; i++) {
    const start = at;
    const key = string();
    const type = head.readUInt32LE(at); at += 4;
    if (key === 'tokenizer.ggml.tokens') nVocab = Number(head.readBigUInt64LE(at + 4));
    skipValue(type);
    if (at > got) throw new Error(`${path}: metadata longer than ${head.length} bytes`);
    if (key.startsWith('tokenizer.')) entries.push(head.subarray(start, at));
  }
  return { entries, nVocab };
}

class HeaderWriter {
  constructor() { /** @type {Buffer[]} */ this.parts = []; }
  u32(v) { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.parts.push(b); return this; }
  u64(v) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.parts.push(b); return this; }
  f32(v) { const b = Buffer.alloc(4); b.writeFloatLE(v); this.parts.push(b); return this; }
  string(s) { const b = Buffer.from(s, 'utf8'); return this.u64(b.length).raw(b); }
  raw(b) { this.parts.push(b); return this; }
  kvU32(key, v) { return this.string(key).u32(GGUF_TYPE.u32).u32(v); }
  kvF32(key, v) { return this.string(key).u32(GGUF_TYPE.f32).f32(v); }
  kvString(key, v) { return this.string(key).u32(GGUF_TYPE.string).string(v); }
  bytes() { return Buffer.concat(this.parts); }
}

/**
 * @typedef {object} SyntheticShape
 * @property {number} nEmbd
 * @property {number} nLayer
 * @property {number} nHead
 * @property {number} nHeadKv
 * @property {number} nFf
 */

/**
 * Tensors of a llama model (ggml order: dims[0] is the row length).
 * @param {SyntheticShape} s
 * @param {number} nVocab
 */
function planTensors(s, nVocab) {
  const kvWidth = (s.nEmbd / s.nHead) * s.nHeadKv;
  const weight = (/** @type {string} */ name, /** @type {number} */ cols, /** @type {number} */ rows) => ({ name, dims: [cols, rows], type: GGML_Q8_0 });
  const norm = (/** @type {string} */ name) => ({ name, dims: [s.nEmbd], type: GGML_F32 });
  const tensors = [weight('token_embd.weight', s.nEmbd, nVocab)];
  for (let i = 0; i < s.nLayer; i++) {
    const b = `blk.${i}.`;
    tensors.push(norm(`${b}attn_norm.weight`), weight(`${b}attn_q.weight`, s.nEmbd, s.nEmbd),
      weight(`${b}attn_k.weight`, s.nEmbd, kvWidth), weight(`${b}attn_v.weight`, s.nEmbd, kvWidth),
      weight(`${b}attn_output.weight`, s.nEmbd, s.nEmbd), norm(`${b}ffn_norm.weight`),
      weight(`${b}ffn_gate.weight`, s.nEmbd, s.nFf), weight(`${b}ffn_up.weight`, s.nEmbd, s.nFf),
      weight(`${b}ffn_down.weight`, s.nFf, s.nEmbd));
  }
  tensors.push(norm('output_norm.weight'), weight('output.weight', s.nEmbd, nVocab));
  return tensors.map((t) => ({
    ...t,
    bytes: t.type === GGML_F32 ? t.dims[0] * 4 : (t.dims[0] / 32) * Q8_0_BLOCK_BYTES * t.dims[1],
  }));
}

/**
 * Writes the model and returns its size in bytes.
 * @param {string} outPath
 * @param {{ shape: SyntheticShape, vocabFrom: string, seed?: number }} options
 */
export function writeSyntheticLlama(outPath, { shape, vocabFrom, seed = 1 }) {
  const { entries, nVocab } = tokenizerMetadata(vocabFrom);
  const tensors = planTensors(shape, nVocab);
  const arch = 'llama.';
  const header = new HeaderWriter().raw(Buffer.from('GGUF', 'latin1')).u32(3).u64(tensors.length).u64(14 + entries.length)
    .kvString('general.architecture', 'llama').kvString('general.name', 'synthetic-large')
    .kvU32('general.file_type', MOSTLY_Q8_0).kvU32('general.alignment', ALIGNMENT)
    .kvU32(`${arch}context_length`, 2048).kvU32(`${arch}embedding_length`, shape.nEmbd)
    .kvU32(`${arch}block_count`, shape.nLayer).kvU32(`${arch}feed_forward_length`, shape.nFf)
    .kvU32(`${arch}attention.head_count`, shape.nHead).kvU32(`${arch}attention.head_count_kv`, shape.nHeadKv)
    .kvU32(`${arch}rope.dimension_count`, shape.nEmbd / shape.nHead).kvF32(`${arch}rope.freq_base`, 10000)
    .kvF32(`${arch}attention.layer_norm_rms_epsilon`, 1e-5).kvU32(`${arch}vocab_size`, nVocab);
  for (const entry of entries) header.raw(entry);
  let offset = 0;
  for (const t of tensors) {
    header.string(t.name).u32(t.dims.length);
    for (const d of t.dims) header.u64(d);
    header.u32(t.type).u64(offset);
    offset += Math.ceil(t.bytes / ALIGNMENT) * ALIGNMENT;
  }
  const head = header.bytes();
  const padded = Buffer.alloc(Math.ceil(head.length / ALIGNMENT) * ALIGNMENT);
  head.copy(padded);

  // One slab of Q8_0 blocks, written over and over: random quants, scale 2^-12 (fp16 0x0C00),
  // so weights are around 0.02 like a trained model's.
  const random = seededRandom(seed);
  const slab = Buffer.alloc(Q8_0_BLOCK_BYTES * 32768);
  for (let block = 0; block < slab.length; block += Q8_0_BLOCK_BYTES) {
    slab.writeUInt16LE(0x0c00, block);
    for (let i = 2; i < Q8_0_BLOCK_BYTES; i++) slab[block + i] = Math.floor(random() * 256);
  }
  const ones = Buffer.alloc(shape.nEmbd * 4);
  for (let i = 0; i < shape.nEmbd; i++) ones.writeFloatLE(1, i * 4);

  const fd = openSync(outPath, 'w');
  try {
    writeSync(fd, padded);
    let size = padded.length;
    for (const t of tensors) {
      if (t.type === GGML_F32) {
        size += writeSync(fd, ones);
      } else {
        for (let left = t.bytes; left > 0; left -= slab.length) size += writeSync(fd, slab, 0, Math.min(left, slab.length));
      }
      const pad = Math.ceil(t.bytes / ALIGNMENT) * ALIGNMENT - t.bytes;
      if (pad > 0) size += writeSync(fd, Buffer.alloc(pad));
    }
    return size;
  } finally {
    closeSync(fd);
  }
}
