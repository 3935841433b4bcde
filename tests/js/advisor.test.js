// The quantization advisor: what fits, what is recommended, and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advise, WASM_MEMORY_LIMIT } from '../../js/index.js';

const GB = 1024 ** 3;
// A 7B-like model's preset sizes (bytes).
const presets = [
  { preset: 'Q8_0', file_bytes: 7.2 * GB }, { preset: 'Q6_K', file_bytes: 5.5 * GB },
  { preset: 'Q5_K_M', file_bytes: 4.8 * GB }, { preset: 'Q4_K_M', file_bytes: 4.1 * GB },
  { preset: 'Q3_K_M', file_bytes: 3.0 * GB }, { preset: 'Q2_K', file_bytes: 2.7 * GB },
];

test('Q4_K_M is the default when it fits but nothing better fits with room', () => {
  const small = [{ preset: 'Q8_0', file_bytes: 2.9 * GB }, { preset: 'Q4_K_M', file_bytes: 1.6 * GB }];
  const result = advise({ presets: small, context_bytes: 0.5 * GB, deviceMemoryGB: 8 });
  assert.equal(result.recommended, 'Q4_K_M');
  assert.match(result.advice, /recommended start/);
  assert.match(result.advice, /leaves more memory for the conversation/);
});

test('a better preset is recommended when it fits with room to spare', () => {
  const tiny = presets.map((p) => ({ ...p, file_bytes: p.file_bytes / 100 }));
  const result = advise({ presets: tiny, context_bytes: 0.01 * GB, deviceMemoryGB: 8 });
  assert.equal(result.recommended, 'Q8_0');
  assert.deepEqual(result.rows.filter((r) => r.recommended).map((r) => r.preset), ['Q8_0']);
});

test('nothing above wasm32 memory fits, whatever the device', () => {
  const result = advise({ presets, context_bytes: 0.5 * GB, deviceMemoryGB: 64 });
  for (const row of result.rows) assert.equal(row.fits, row.memory_bytes <= WASM_MEMORY_LIMIT, row.preset);
  assert.equal(result.recommended, 'Q3_K_M');  // Q4_K_M + context is over 4 GB
  assert.match(result.advice, /Q4_K_M does not fit here; Q3_K_M does/);
});

test('small devices get a clear no', () => {
  const result = advise({ presets, context_bytes: 0.5 * GB, deviceMemoryGB: 2 });
  assert.equal(result.recommended, null);
  assert.ok(result.rows.every((r) => !r.fits));
  assert.match(result.advice, /No preset fits/);
});

test('with the KV cache costs the advice says how long a context fits with the chosen cache type', () => {
  const small = [{ preset: 'Q8_0', file_bytes: 1.1e9 }, { preset: 'Q4_K_M', file_bytes: 600e6 }];
  // planQuantization's shape: each cache type's cost at n_ctx 4096 (10 MB of scratch) and per token.
  const cost = (cache_type, bytes_per_token) => ({ cache_type, context_bytes: 10e6 + 4096 * bytes_per_token, bytes_per_token });
  const cache_types = [cost('f16', 32768), cost('q8_0', 17408), cost('q4_0', 9216)];
  const input = { presets: small, context_bytes: cache_types[1].context_bytes, deviceMemoryGB: 2, n_ctx: 4096, n_ctx_train: 131072, cache_types };
  const result = advise({ ...input, cache_type: 'q8_0' });
  // The budget is half of 2 GB: 1 GiB - 600 MB - 10 MB of scratch, 17408 bytes a token.
  assert.equal(result.budget_bytes, GB);
  const q4km = result.rows.find((r) => r.preset === 'Q4_K_M');
  assert.equal(q4km.max_context, Math.floor((GB - 600e6 - 10e6) / 17408));
  assert.match(result.advice, /Q4_K_M with a q8_0 cache fits 26k tokens on this device\./);
  assert.equal(advise({ ...input, cache_type: 'f16' }).rows.find((r) => r.preset === 'Q4_K_M').max_context,
               Math.floor((GB - 600e6 - 10e6) / 32768));
  // Capped at the training context; without costs no row has max_context.
  assert.equal(advise({ ...input, n_ctx_train: 8192 }).rows[1].max_context, 8192);
  assert.equal(advise({ presets: small, context_bytes: 1e6 }).rows[0].max_context, undefined);
});
