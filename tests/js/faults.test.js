// Faults on the real wasm module: 100 aborts at random points of a download, a load from disk,
// a prefill and a decode (seeded; the seed is printed, WEBGGUF_FAULT_SEED replays a run). After
// each one the next operation gives the known greedy answer and the wasm heap's live bytes are
// back at their baseline. Also: a worker that dies rejects what is pending with
// WorkerCrashedError, and a new Engine works. A missing or stale wasm build fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Engine, AbortError, WorkerCrashedError } from '../../js/index.js';
import { startRangeServer } from './helpers/range_server.js';
import { seededRandom } from './helpers/seeded_random.js';
import { ROOT, wasmModulePath } from './helpers/fixtures.js';

wasmModulePath('webgguf-st-node.cjs');
const MODEL = `${ROOT}web/models/lexi-28m-chat-Q4_K_M.gguf`;

const TRIALS = 100;
const SEED = Number(process.env.WEBGGUF_FAULT_SEED ?? Date.now() % 2 ** 31);
const N_CTX = 512;
const QUESTION = [{ role: 'user', content: 'What is a river?' }];
const CHECK = { messages: QUESTION, temperature: 0, max_tokens: 6 };
const WORDS = ['river', 'stone', 'light', 'garden', 'music', 'winter', 'engine', 'paper', 'cloud', 'story', 'Ω', '日本', '🙂'];

/** @type {Engine} */
let engine;
/** @type {Awaited<ReturnType<typeof startRangeServer>>} */
let server;
/** the greedy answer of CHECK on a freshly loaded model */
let expected = '';
/** wasm heap bytes in use with no model, and with the model loaded */
const baseline = { empty: 0, loaded: 0 };
/** prefill time of a long prompt, to aim aborts inside it */
let prefillMs = 0;

const loadFromDisk = () => engine.load(MODEL, { cache: false, n_ctx: N_CTX });
const answer = async () => (await engine.chat.completions.create(CHECK)).choices[0].message.content;
const heapUsed = async () => (await engine.memory()).used;

/** @param {() => number} random */
function randomPrompt(random, words) {
  return Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
}

before(async () => {
  engine = await Engine.create({ threads: 1 });
  server = await startRangeServer({ '/model.gguf': readFileSync(MODEL) });
  // One full cycle first, so that state built on first use (sampler stages) is in both baselines.
  await loadFromDisk();
  expected = await answer();
  await engine.unload();
  baseline.empty = await heapUsed();
  await loadFromDisk();
  const probe = await engine.complete(randomPrompt(seededRandom(1), 120), { temperature: 0, max_tokens: 1 });
  prefillMs = probe.timings.prompt_ms;
  assert.ok(probe.timings.prompt_n > 128, 'the long prompt spans several prefill chunks');
  assert.equal(await answer(), expected);
  baseline.loaded = await heapUsed();
});

/**
 * The allocator's bookkeeping moves live bytes by a few dozen between identical states; a leak
 * of anything real (a model buffer, a KV cache, scratch) is megabytes, and a small leak per
 * trial adds up past this slack over the run (the last trial checks the sum).
 */
const HEAP_SLACK_BYTES = 4096;

/** @param {number} actual @param {number} reference @param {string} message */
function assertNearBaseline(actual, reference, message) {
  assert.ok(Math.abs(actual - reference) <= HEAP_SLACK_BYTES, `${message}: ${actual} bytes used, baseline ${reference}`);
}

after(async () => {
  await engine?.terminate();
  await server?.close();
});

/**
 * A local file is read in a few large chunks, so an abort aimed at a progress point often arrives
 * after the load is done; aborting right after the call on some trials (30%) makes sure every
 * run also cancels loads and downloads that are under way (the probe and the first reads).
 * @param {() => number} random
 * @param {AbortController} controller
 */
function abortRightAwaySometimes(random, controller) {
  if (random() < 0.3) controller.abort();
}

/**
 * Each phase aborts at a random point and reports whether the abort landed (an operation can
 * finish before its abort arrives) and whether the model is still loaded afterwards.
 * @type {Record<string, (random: () => number) => Promise<{ aborted: boolean, modelLoaded: boolean }>>}
 */
const PHASES = {
  async download(random) {
    const controller = new AbortController();
    const cut = random() * 0.95;
    const loading = engine.load(server.url('/model.gguf'), {
      cache: false, n_ctx: N_CTX, signal: controller.signal,
      onProgress: (p) => { if (p.phase === 'download' && p.loaded >= cut * p.total) controller.abort(); },
    });
    abortRightAwaySometimes(random, controller);
    return settle(loading, false);
  },
  async load(random) {
    const controller = new AbortController();
    const cut = random();
    const loading = engine.load(MODEL, {
      cache: false, n_ctx: N_CTX, signal: controller.signal,
      onProgress: (p) => { if (p.phase === 'read' && p.loaded >= cut * p.total) controller.abort(); },
    });
    abortRightAwaySometimes(random, controller);
    return settle(loading, false);
  },
  async prefill(random) {
    const controller = new AbortController();
    const prompt = randomPrompt(random, 100 + Math.floor(random() * 40));
    setTimeout(() => controller.abort(), random() * prefillMs * 0.9);
    return settle(engine.complete(prompt, { temperature: 0, max_tokens: 2, signal: controller.signal }), true);
  },
  async decode(random) {
    const controller = new AbortController();
    const chunksBeforeAbort = Math.floor(random() * 10);
    const generation = (async () => {
      let chunks = 0;
      const stream = await engine.chat.completions.create({
        messages: [{ role: 'user', content: randomPrompt(random, 5) }], stream: true,
        temperature: 0.8, seed: Math.floor(random() * 1e6), max_tokens: 32, signal: controller.signal,
      });
      for await (const chunk of stream) {
        if (chunk.choices[0].delta.content && ++chunks === chunksBeforeAbort) controller.abort();
      }
    })();
    return settle(generation, true);
  },
};

/**
 * @param {Promise<unknown>} operation
 * @param {boolean} keepsModel whether the model stays loaded after this operation fails
 */
async function settle(operation, keepsModel) {
  try {
    await operation;
    return { aborted: false, modelLoaded: true };
  } catch (error) {
    assert.ok(error instanceof AbortError, `expected an AbortError, got ${error}`);
    return { aborted: true, modelLoaded: keepsModel };
  }
}

test(`${TRIALS} random aborts in download, load, prefill and decode; then a correct answer and the heap at baseline`, async (t) => {
  t.diagnostic(`fault trials seed ${SEED} (replay with WEBGGUF_FAULT_SEED=${SEED})`);
  const random = seededRandom(SEED);
  const names = Object.keys(PHASES);
  /** @type {Record<string, { trials: number, aborted: number }>} */
  const tally = Object.fromEntries(names.map((name) => [name, { trials: 0, aborted: 0 }]));
  let drift = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const phase = names[Math.floor(random() * names.length)];
    const outcome = await PHASES[phase](random);
    tally[phase].trials++;
    if (outcome.aborted) tally[phase].aborted++;
    const where = `trial ${trial} (${phase}, seed ${SEED})`;
    if (!outcome.modelLoaded) {
      assertNearBaseline(await heapUsed(), baseline.empty, `${where}: an aborted load frees what it allocated`);
      await loadFromDisk();
    }
    assert.equal(await answer(), expected, `${where}: the next request answers correctly`);
    const used = await heapUsed();
    assertNearBaseline(used, baseline.loaded, `${where}: the wasm heap is back at its baseline`);
    drift = Math.max(drift, Math.abs(used - baseline.loaded));
  }
  t.diagnostic(`aborts landed per phase: ${JSON.stringify(tally)}; wasm heap ${baseline.loaded} bytes used with the model, largest deviation ${drift}`);
  for (const name of names) assert.ok(tally[name].aborted > 0, `some ${name} aborts landed`);
});

test('an abort during a long prefill stops it between chunks; the next request reuses the evaluated part', async () => {
  // The abort must land after the first chunk and before the last: aim at the middle, and retry
  // with another aim when the machine's timing made it miss.
  for (const aim of [0.5, 0.3, 0.7, 0.4, 0.6]) {
    const prompt = `Unique ${aim}: ${randomPrompt(seededRandom(aim * 100), 130)}`;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), prefillMs * aim);
    const outcome = await settle(engine.complete(prompt, { temperature: 0, max_tokens: 1, signal: controller.signal }), true);
    if (!outcome.aborted) continue;
    const resumed = await engine.complete(prompt, { temperature: 0, max_tokens: 1 });
    const reused = resumed.timings.prompt_reused;
    if (reused <= 1) continue; // the abort came before the first chunk ended
    assert.ok(reused < resumed.usage.prompt_tokens - 1, 'the aborted prefill did not run to its end');
    assert.equal(resumed.timings.prompt_n, resumed.usage.prompt_tokens - reused, 'only the missing tokens are evaluated');
    assert.equal(await answer(), expected);
    return;
  }
  assert.fail('no abort landed inside the prefill in 5 attempts');
});

test('a worker that dies rejects pending requests with WorkerCrashedError; a new Engine works', async () => {
  const doomed = await Engine.create({ threads: 1 });
  await doomed.load(MODEL, { cache: false, n_ctx: N_CTX });
  const running = doomed.complete(randomPrompt(seededRandom(2), 100), { temperature: 0, max_tokens: 64 });
  const queued = doomed.tokenize('queued');
  // A message the worker cannot read throws outside every handler: the worker thread dies.
  doomed.worker.post(null);
  await assert.rejects(running, WorkerCrashedError);
  await assert.rejects(queued, WorkerCrashedError);
  await assert.rejects(doomed.info(), WorkerCrashedError);
  await doomed.terminate();

  const fresh = await Engine.create({ threads: 1 });
  try {
    await fresh.load(MODEL, { cache: false, n_ctx: N_CTX });
    const result = await fresh.chat.completions.create(CHECK);
    assert.equal(result.choices[0].message.content, expected);
  } finally {
    await fresh.terminate();
  }
});
