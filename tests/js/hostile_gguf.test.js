// Hostile GGUF files through the real wasm engine in a worker (Node): every corruption kind the
// reader's tests enumerate, and the fuzzer's 668-byte header with general.alignment = 2^30, get
// their specific error from inspect() (what `webgguf info` prints), load() and quantize(), as a
// NotGgufError; the worker stays alive, and afterwards loads a real model and completes.
// Fails without a wasm build (npm run build).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, NotGgufError } from '../../js/index.js';
import { hostileFiles } from './helpers/hostile_gguf.js';

const WASM_DIR = new URL('../../dist/wasm/', import.meta.url).pathname;
const MODEL = new URL('../../web/models/lexi-28m-chat-Q4_K_M.gguf', import.meta.url).pathname;
const CORRUPT_TABLE = new URL('../gguf/gguf_corrupt_cases.h', import.meta.url);
const ALIGNMENT_HEADER = new URL('../fuzz_regressions/gguf_reader/oom-alignment-2e30-668-bytes.gguf', import.meta.url);
const ALIGNMENT_ERROR = "key 'general.alignment' at offset 660: 1073741824 is larger than the largest supported alignment 1048576";

/** @type {Engine} */
let engine;
let outDir = '';
before(async () => {
  assert.ok(existsSync(`${WASM_DIR}/webgguf-st-node.cjs`), `${WASM_DIR}webgguf-st-node.cjs is missing: run \`npm run build\``);
  engine = await Engine.create({ threads: 1 });
  outDir = mkdtempSync(join(tmpdir(), 'webgguf-hostile-'));
});
after(async () => {
  await engine?.terminate();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const cases = () => [
  ...hostileFiles(),
  { kind: 'fuzz finding: 668-byte header, alignment 2^30', bytes: new Uint8Array(readFileSync(ALIGNMENT_HEADER)), error: ALIGNMENT_ERROR },
];

test('the JS list of hostile kinds is the C++ reader test\'s enum', () => {
  const source = readFileSync(CORRUPT_TABLE, 'utf8');
  const enumBody = /enum class Corruption \{([^}]*)\}/.exec(source)?.[1] ?? '';
  const kinds = enumBody.split(',').map((s) => s.trim()).filter(Boolean);
  assert.ok(kinds.length >= 27, `parsed ${kinds.length} kinds`);
  assert.deepEqual(hostileFiles().map((c) => c.kind), kinds);
});

/** @param {Promise<unknown>} promise @param {string} error @param {string} what */
async function assertSpecificError(promise, error, what) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof NotGgufError, `${what}: ${e?.constructor?.name}: ${e?.message}`);
    assert.ok(e.message.includes(error), `${what}:\n  got:  ${e.message}\n  want: ${error}`);
    return true;
  });
}

test('inspect, load and quantize give each hostile file its specific error', async () => {
  const output = join(outDir, 'out.gguf');
  for (const { kind, bytes, error } of cases()) {
    await assertSpecificError(engine.inspect(bytes), error, `inspect ${kind}`);
    await assertSpecificError(engine.load(bytes, { cache: false }), error, `load ${kind}`);
    await assertSpecificError(engine.quantize(bytes, 'Q8_0', { output }), error, `quantize ${kind}`);
    assert.equal(existsSync(output), false, `quantize ${kind} left an output file`);
  }
});

test('the worker is alive afterwards: it loads a real model and completes', async () => {
  const info = await engine.load(MODEL, { cache: false, n_ctx: 256 });
  assert.equal(info.quantization, 'Q4_K_M');
  const completion = await engine.complete('A river is', { temperature: 0, max_tokens: 4 });
  assert.ok(completion.choices[0].text.length > 0);
  await engine.unload();
  const memory = await engine.memory();
  assert.ok(memory.heapSize < 256 * 1048576, `wasm heap ${memory.heapSize} bytes after the hostile files`);
});
