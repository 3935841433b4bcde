// A short soak (the long one: `npm run soak`): 30 chat turns in one engine with a small context,
// so conversations fill it, are refused with ContextFullError and restart; the wasm heap stays flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heapDrift, runSoak } from '../../scripts/soak.mjs';
import { wasmModulePath } from './helpers/fixtures.js';

wasmModulePath('webgguf-st-node.cjs');

test('30 chat turns: conversations restart when the context is full, the wasm heap stays flat', async (t) => {
  const report = await runSoak({ turns: 30, nCtx: 192, maxTokens: 12, onReport: (line) => t.diagnostic(line) });
  assert.ok(report.contextFullRefusals >= 2, `the context filled (${report.contextFullRefusals} refusals)`);
  assert.equal(report.conversations, report.contextFullRefusals + 1);
  assert.deepEqual(heapDrift(report.samples), []);
});
