// Our engine's wasm memory against issue 8's budget (1.1 x file + KV cache), in Node with the
// single-threaded build: load each file at ctx 512, run one 8-token greedy completion, then read
// engine.memory() (heapSize is the wasm memory's size, which only grows; used is what malloc holds).
//   node bench/memory.mjs FILE.gguf...
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { Engine } from '../js/index.js';

const MiB = 2 ** 20;
const N_CTX = 512;

console.log('| file | heap MiB | used MiB | budget 1.1 × file + KV MiB | |');
console.log('|---|---:|---:|---:|---|');
for (const file of process.argv.slice(2)) {
  const engine = await Engine.create({ threads: 1 });
  try {
    const info = await engine.load(file, { n_ctx: N_CTX });
    await engine.complete('The meaning of', { max_tokens: 8, temperature: 0 });
    const { heapSize, used } = await engine.memory();
    const budget = 1.1 * statSync(file).size + info.memory.kv_bytes;
    console.log(`| ${basename(file, '.gguf')} | ${(heapSize / MiB).toFixed(1)} | ${(used / MiB).toFixed(1)} | ` +
                `${(budget / MiB).toFixed(1)} | ${heapSize <= budget ? 'met' : 'not met'} |`);
  } finally {
    await engine.terminate();
  }
}
