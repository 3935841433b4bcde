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
