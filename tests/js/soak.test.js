// A short soak (the long one: `npm run soak`): 30 chat turns in one engine with a small context,
// so conversations fill it, are refused with ContextFullError and restart; the wasm heap stays flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { heapDrift, runSoak } from '../../scripts/soak.mjs';

const WASM_DIR = process.env.WEBGGUF_WASM_DIR ?? new URL('../../dist/wasm/', import.meta.url).pathname;
const skip = existsSync(`${WASM_DIR}/webgguf-st-node.cjs`) ? false : `${WASM_DIR}/webgguf-st-node.cjs is missing: run \`npm run build\` first`;

test('30 chat turns: conversations restart when the context is full, the wasm heap stays flat', { skip }, async (t) => {
  const report = await runSoak({ turns: 30, nCtx: 192, maxTokens: 12, onReport: (line) => t.diagnostic(line) });
  assert.ok(report.contextFullRefusals >= 2, `the context filled (${report.contextFullRefusals} refusals)`);
  assert.equal(report.conversations, report.contextFullRefusals + 1);
  assert.deepEqual(heapDrift(report.samples), []);
});
