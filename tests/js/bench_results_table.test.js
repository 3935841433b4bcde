// bench/results_table.mjs on hand-made results: the ratios use llama-bench, a wllama 2-thread run
// that does not beat its own 1-thread run is marked suspect, and our thread scaling is judged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderResults } from '../../bench/results_table.mjs';

const run = (engine, threads, prefill, decode) => ({
  engine, threads, prefill_tps: prefill, decode_tps: decode, prompt_n: 128, predicted_n: 64, load_ms: 100, memory_bytes: 2 ** 20,
});

function results(wllamaTwoThreadDecode) {
  const row = (threads, scale, wllamaDecode) => ({
    threads,
    runs: [run('ours', threads, 100 * scale, 40 * scale), run('wllama', threads, 20 * scale, wllamaDecode),
           run('llama-bench', threads, 200 * scale, 50 * scale), run('node-llama-cpp', threads, 150, 45)],
  });
  return {
    machine: { cpu: 'test', cores: 2, chromium: 'Chromium test', node: 'v20', date: '2026-12-06' },
    wasm: [],
    files: [{ name: 'f.gguf', bytes: 10 * 2 ** 20, download_ms: 50, runs: 1, rows: [row(1, 1, 10), row(2, 2, wllamaTwoThreadDecode)] }],
  };
}

const line = (markdown, start) => markdown.split('\n').find((l) => l.startsWith(start));

test('ratios use llama-bench and a wllama run that does not scale is suspect', () => {
  const markdown = renderResults(results(10.5));
  // Decode at 2 threads: ours 80, wllama 10.5 (1.05x its 1T: suspect), llama-bench 100.
  const decode = markdown.split('## Decode')[1];
  assert.match(line(decode, '| f.gguf | 2 |'), /\| 80\.0 \| 10\.5 \(suspect\) \| 100\.0 \| 45\.0 \| 7\.62x \(suspect\) \| 0\.80x \|/);
  assert.match(line(decode, '| f.gguf | 1 |'), /\| 40\.0 \| 10\.0 \| 50\.0 \| 45\.0 \| 4\.00x \| 0\.80x \|/);
  const targets = markdown.split('## Targets')[1];
  assert.match(line(targets, '| f.gguf | 2 |'), /suspect wllama \(7\.62x\)/);
  // Our decode doubles from 1 to 2 threads: the scaling target is met.
  assert.match(line(targets, '| f.gguf | 2 |'), /met \(2\.00x\)/);
  assert.match(markdown.split('## Thread scaling')[1], /\| f\.gguf \| 2 \| wllama \(suspect\) \| 2\.00x \| 1\.05x \|/);
});

test('a wllama run that scales is used as it is', () => {
  const markdown = renderResults(results(19));
  assert.doesNotMatch(markdown.split('## Prefill')[1].split('## Builds used')[0], /suspect/);
  assert.match(line(markdown.split('## Decode')[1], '| f.gguf | 2 |'), /\| 19\.0 \| 100\.0 \| 45\.0 \| 4\.21x \| 0\.80x \|/);
});

test('a llama-bench run that does not scale is suspect too', () => {
  const data = results(19);
  const twoThreads = data.files[0].rows[1].runs.find((r) => r.engine === 'llama-bench');
  twoThreads.decode_tps = 5;  // against 50 at 1 thread: a collapsed run on a loaded machine
  const markdown = renderResults(data);
  assert.match(line(markdown.split('## Decode')[1], '| f.gguf | 2 |'), /\| 5\.0 \(suspect\) \| 45\.0 \| 4\.21x \| 16\.00x \(suspect\) \|/);
  assert.match(line(markdown.split('## Targets')[1], '| f.gguf | 2 |'), /suspect llama-bench \(16\.00x\)/);
});
