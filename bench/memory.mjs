// Our engine's wasm memory, in Node with the single-threaded build (threaded with --threads N):
//   node bench/memory.mjs FILE.gguf...        against issue 8's budget (1.1 x file + KV cache): load each
//                                             file at ctx 512, run one 8-token greedy completion, then read
//                                             engine.memory() (heapSize: the wasm memory's size, which only
//                                             grows; used: what malloc holds)
//   node bench/memory.mjs --kv FILE.gguf      KV cache bytes per token of each cache type, the engine's
//                                             (ModelInfo.memory.kv_bytes / n_ctx) against the block arithmetic
//   node bench/memory.mjs --long FILE.gguf [--threads N] [--ctx 32768]
//                                             a long context with a q8_0 cache: the heap it takes, and the
//                                             decode speed at positions 1k and 30k (issue 18)
// The conversations are not evaluated (30k prompt tokens of a 1B model take hours on this shared
// machine): the saved session of 64 evaluated positions is tiled to 1024 and 30,720 positions (tokens
// " the" x n, rows repeated) and restored; the n-token prompt then evaluates one token and decodes.
// Decode time does not depend on what the cached rows hold, only on how many there are.
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../js/index.js';

const MiB = 2 ** 20;
const DECODE_TOKENS = 16;

/** Bytes of one head_dim row per cache type: [values per block, bytes per block] (ggml's blocks). */
const KV_BLOCKS = { f16: [1, 2], q8_0: [32, 34], q4_0: [32, 18] };

/**
 * KV cache bytes per token of a model whose layers are all global: n_layer x n_head_kv x (a key row
 * + a value row), from the block sizes alone.
 * @param {{ n_layer: number, n_head_kv: number, n_embd: number, n_head: number }} info
 * @param {string} cacheType
 * @param {number} [headDim] default n_embd / n_head
 */
export function kvBytesPerToken(info, cacheType, headDim = info.n_embd / info.n_head) {
  const [values, bytes] = KV_BLOCKS[cacheType];
  return info.n_layer * info.n_head_kv * 2 * (headDim / values) * bytes;
}

async function budgetTable(files) {
  console.log('| file | heap MiB | used MiB | budget 1.1 × file + KV MiB | |');
  console.log('|---|---:|---:|---:|---|');
  for (const file of files) {
    const engine = await Engine.create({ threads: 1 });
    try {
      const info = await engine.load(file, { n_ctx: 512 });
      await engine.complete('The meaning of', { max_tokens: 8, temperature: 0 });
      const { heapSize, used } = await engine.memory();
      const budget = 1.1 * statSync(file).size + info.memory.kv_bytes;
      console.log(`| ${basename(file, '.gguf')} | ${(heapSize / MiB).toFixed(1)} | ${(used / MiB).toFixed(1)} | ` +
                  `${(budget / MiB).toFixed(1)} | ${heapSize <= budget ? 'met' : 'not met'} |`);
    } finally {
      await engine.terminate();
    }
  }
}

async function kvTable(file) {
  const engine = await Engine.create({ threads: 1 });
  try {
    console.log('| cache type | engine bytes/token | block arithmetic | |');
    console.log('|---|---:|---:|---|');
    for (const type of Object.keys(KV_BLOCKS)) {
      const info = await engine.load(file, { n_ctx: 512, cache: false, cache_type_k: type, cache_type_v: type });
      const measured = info.memory.kv_bytes / info.n_ctx;
      const expected = kvBytesPerToken(info, type);
      console.log(`| ${type} | ${measured} | ${expected} | ${measured === expected ? 'equal' : 'DIFFERENT'} |`);
    }
  } finally {
    await engine.terminate();
  }
}

// ---- --long: the tiled session (src/engine/session_file.h's layout, little-endian) ----

const M64 = (1n << 64n) - 1n;
const P1 = 11400714785074694791n, P2 = 14029467366897019727n, P3 = 1609587929392839161n, P5 = 2870177450012600261n;
const rotl = (x, r) => ((x << BigInt(r)) | (x >> BigInt(64 - r))) & M64;

/** core/hash64.h's Hash64 of `bytes` (the session checksum). */
function hash64(bytes) {
  let h = P5;
  const words = Math.floor(bytes.length / 8);
  const view = new BigUint64Array(bytes.buffer, bytes.byteOffset, words);
  for (let i = 0; i < words; i++) h = (rotl(h ^ ((view[i] * P2) & M64), 31) * P1) & M64;
  h ^= (BigInt(bytes.length) * P5) & M64;
  for (let i = words * 8; i < bytes.length; i++) h = (rotl(h ^ ((BigInt(bytes[i]) * P5) & M64), 11) * P1) & M64;
  h ^= h >> 33n; h = (h * P2) & M64; h ^= h >> 29n; h = (h * P3) & M64; h ^= h >> 32n;
  return h;
}

/**
 * A session holding `tokens` whose cache rows repeat a saved session's rows (position p gets the
 * rows of its position p mod n0).
 */
function tileSession(session, tokens) {
  const view = new DataView(session.buffer, session.byteOffset, session.byteLength);
  const sections = new Map();
  for (let i = 0, at = 24; i < view.getUint32(12, true); i++) {
    const tag = String.fromCharCode(...session.subarray(at, at + 4));
    const bytes = Number(view.getBigUint64(at + 8, true));
    sections.set(tag, session.subarray(at + 16, at + 16 + bytes));
    at += 16 + bytes;
  }
  const saved = sections.get('TOKN');
  const n0 = new DataView(saved.buffer, saved.byteOffset).getUint32(0, true);
  const n = tokens.length;
  const kv = sections.get('KVRW');
  const kvView = new DataView(kv.buffer, kv.byteOffset, kv.byteLength);
  const [nLayer, keyRow, valueRow] = [0, 4, 8].map((o) => kvView.getUint32(o, true));
  const parts = [];
  const u32 = (...values) => new Uint8Array(new Uint32Array(values).buffer);
  const section = (tag, payload) => {
    const size = payload.reduce((sum, p) => sum + p.length, 0);
    const head = new Uint8Array(16);
    head.set(new TextEncoder().encode(tag));
    new DataView(head.buffer).setUint32(4, 1, true);
    new DataView(head.buffer).setBigUint64(8, BigInt(size), true);
    parts.push(head);
    for (const piece of payload) parts.push(piece);
  };
  section('MODL', [sections.get('MODL')]);
  section('CACH', [sections.get('CACH')]);
  section('TOKN', [u32(n), new Uint8Array(Int32Array.from(tokens).buffer)]);
  const layers = [u32(nLayer, keyRow, valueRow)];
  for (let il = 0, at = 12; il < nLayer; il++) {
    const heads = kvView.getUint32(at, true);
    layers.push(u32(heads, 0, n));
    at += 12;
    for (const rowBytes of [keyRow, valueRow]) {
      for (let h = 0; h < heads; h++) {
        const rows = kv.subarray(at, at + n0 * rowBytes);
        for (let p = 0; p < n; p += n0) layers.push(rows.subarray(0, Math.min(n0, n - p) * rowBytes));
        at += n0 * rowBytes;
      }
    }
  }
  section('KVRW', layers);
  const total = 24 + parts.reduce((sum, p) => sum + p.length, 0) + 8;
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode('WGGUFSES'));
  const outView = new DataView(out.buffer);
  outView.setUint32(8, 1, true);
  outView.setUint32(12, 4, true);
  outView.setBigUint64(16, BigInt(total), true);
  let at = 24;
  for (const p of parts) { out.set(p, at); at += p.length; }
  outView.setBigUint64(total - 8, hash64(out.subarray(0, total - 8)), true);
  return out;
}

/** Decode tok/s of `tokens` greedy steps after the cached conversation (the prompt: one token more). */
async function decodeSpeed(engine, prompt, tokens) {
  const r = await engine.complete(prompt, { max_tokens: tokens, temperature: 0 });
  return { tps: r.timings.predicted_per_second, n: r.timings.predicted_n, prompt_n: r.timings.prompt_n };
}

async function longContext(file, threads, nCtx) {
  const engine = await Engine.create({ threads });
  try {
    const started = performance.now();
    const info = await engine.load(file, { n_ctx: nCtx, cache: false, cache_type_k: 'q8_0', cache_type_v: 'q8_0' });
    console.log(`${basename(file)}: n_ctx ${info.n_ctx}, q8_0 cache ${(info.memory.kv_bytes / MiB).toFixed(1)} MiB ` +
                `(${info.memory.kv_bytes / info.n_ctx} bytes/token), weights ${(info.memory.weights_bytes / MiB).toFixed(1)} MiB, ` +
                `loaded in ${((performance.now() - started) / 1000).toFixed(1)} s, threads ${engine.runtime.threads}`);
    // " the" is one token of lexi's vocabulary (the synth models' too): n words are n tokens (+ BOS).
    const words = (n) => ' the'.repeat(n);
    const bos = info.add_bos ? 1 : 0;
    // 64 positions evaluated, their rows tiled to each measured position: a 1B model's prompt runs at a
    // few tokens per second on this shared machine.
    const t0 = performance.now();
    const first = await decodeSpeed(engine, words(64 - bos), 1);
    console.log(`prefill ${first.prompt_n} tokens in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const saved = await engine.saveSession();
    let heap = null;
    for (const position of [1024, 30 * 1024]) {
      const prompt = words(position - bos);
      const ids = await engine.tokenize(prompt, { addSpecial: true });
      if (ids.length !== position) throw new Error(`" the" x ${position - bos} is ${ids.length} tokens, not ${position}`);
      const tiled = tileSession(saved, ids);
      const restored = await engine.loadSession(tiled);
      heap = await engine.memory();
      const speed = await decodeSpeed(engine, prompt, DECODE_TOKENS);
      console.log(`position ${restored.n_tokens} (restored session of ${(tiled.length / MiB).toFixed(1)} MiB): ` +
                  `decode ${speed.tps.toFixed(2)} tok/s (${speed.n} tokens, prompt_n ${speed.prompt_n})`);
    }
    const after = await engine.memory();
    console.log(`wasm heap: ${(after.heapSize / MiB).toFixed(1)} MiB (${(heap.used / MiB).toFixed(1)} MiB in use after the last restore), ` +
                `limit 4096 MiB: ${after.heapSize <= 4096 * MiB ? 'inside' : 'OUTSIDE'}`);
  } finally {
    await engine.terminate();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args.splice(i, 2)[1]) : fallback;
  };
  const threads = option('--threads', 1);
  const nCtx = option('--ctx', 32768);
  if (args[0] === '--kv') await kvTable(args[1]);
  else if (args[0] === '--long') await longContext(args[1], threads, nCtx);
  else await budgetTable(args);
}
