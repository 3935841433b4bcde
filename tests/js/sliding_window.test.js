// A sliding-window model in the wasm engine: gemma3 `synth --shape tiny-deep` (6 layers, 5 local
// with a window of 96 positions, 1 global) at n_ctx 512. Its local layers keep 2 x 96 + 63 = 255
// cached rows: the KV bytes must be that block arithmetic, and prompts that reuse a prefix (the
// next turn, a rollback inside the margin, a rollback past it, which re-evaluates from the start)
// must continue exactly as a fresh engine given the same prompt.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../js/index.js';
import { FIXTURES_DIR, needsModels, sharedPath } from './helpers/fixtures.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const shared = FIXTURES_DIR;
const bin = process.env.WEBGGUF_BIN ?? join(root, 'build/native/webgguf');
const TEXT = readFileSync(join(shared, 'data/eval.txt'), 'utf8');
const GREEDY = { temperature: 0, max_tokens: 12 };

let dir;
let file;
let reused;
let fresh;
before(async () => {
  if (needsModels) return;
  assert.ok(existsSync(bin), `${bin} is not built (scripts/build.sh native)`);
  dir = mkdtempSync(join(tmpdir(), 'webgguf-swa-'));
  file = join(dir, 'gemma3-tiny-deep.gguf');
  execFileSync(bin, ['synth', file, '--shape', 'tiny-deep', '--arch', 'gemma3', '--stddev', '0.07',
                     '--vocab-from', join(shared, 'models/lexi-28m-f16.gguf')]);
  reused = await Engine.create({ threads: 1 });
  fresh = await Engine.create({ threads: 1 });
  await reused.load(file, { cache: false, n_ctx: 512 });
});
after(async () => {
  await reused?.terminate();
  await fresh?.terminate();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the local layers cache only their window, a batch and a rollback margin', { skip: needsModels }, async () => {
  const info = await reused.info();
  assert.equal(info.architecture, 'gemma3');
  // 2 (k, v) x 2 kv heads x 32 dims x 2 bytes x (5 local layers x 255 rows + 1 global x 512 rows)
  assert.equal(info.memory.kv_bytes, 2 * 2 * 32 * 2 * (5 * 255 + 512));
});

async function freshContinuation(prompt) {
  await fresh.load(file, { cache: false, n_ctx: 512 });
  return (await fresh.complete(prompt, GREEDY)).choices[0].text;
}

test('prompts reusing the cache (next turn, short and long rollbacks) continue as a fresh engine', { skip: needsModels }, async () => {
  const base = TEXT.slice(0, 1400);  // ~350 tokens: past the 255-row ring, so it has wrapped
  const prompts = [
    base,
    `${base}${TEXT.slice(1400, 1500)}`,              // the next turn: only the new tokens are evaluated
    `${base.slice(0, 1300)} and then the river`,     // a rollback of a few dozen tokens, inside the margin
    `${base.slice(0, 200)} a different story begins`, // far past the margin: evaluated from the start
    `${base}${TEXT.slice(1400, 1500)}`,              // back to a long prompt
  ];
  for (const prompt of prompts) {
    const ours = (await reused.complete(prompt, GREEDY)).choices[0].text;
    assert.equal(ours, await freshContinuation(prompt), `prompt of ${prompt.length} characters`);
  }
});
