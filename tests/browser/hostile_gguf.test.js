// Hostile GGUF files in Chromium: every corruption kind of the reader's tests and the fuzzer's
// 668-byte alignment-2^30 header (tests/js/helpers/hostile_gguf.js) get their specific error as a
// NotGgufError from inspect(), load() and quantize() in the page's worker, which then loads the
// bundled model and completes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot, startBrowser } from './harness.js';

const ALIGNMENT_ERROR = "key 'general.alignment' at offset 660: 1073741824 is larger than the largest supported alignment 1048576";

let browser;
// The page imports the hostile-file generator the Node test uses and fetches the fuzzer's finding;
// the site server serves only the site, so their folders are mounted for this test.
before(async () => {
  browser = await startBrowser({ mounts: [
    { prefix: '/tests/js/helpers/', dir: join(repoRoot, 'tests/js/helpers') },
    { prefix: '/tests/fuzz_regressions/', dir: join(repoRoot, 'tests/fuzz_regressions') },
  ] });
});
after(async () => browser?.close());

test('hostile files get their specific errors and the worker stays usable', async () => {
  const page = await browser.newPage();
  await page.goto(`${browser.baseUrl}/`);  // COOP/COEP and the import map
  const result = await page.evaluate(async (alignmentError) => {
    const { Engine, NotGgufError } = await import('/js/index.js');
    const { hostileFiles } = await import('/tests/js/helpers/hostile_gguf.js');
    const header = new Uint8Array(await (await fetch('/tests/fuzz_regressions/gguf_reader/oom-alignment-2e30-668-bytes.gguf')).arrayBuffer());
    const cases = [...hostileFiles(), { kind: 'alignment 2^30 header', bytes: header, error: alignmentError }];
    const engine = await Engine.create({ threads: 1 });
    const failures = [];
    const expectError = async (what, promise, error) => {
      try {
        await promise;
        failures.push(`${what}: resolved`);
      } catch (e) {
        if (!(e instanceof NotGgufError) || !e.message.includes(error)) failures.push(`${what}: ${e.name}: ${e.message} (want ${error})`);
      }
    };
    for (const { kind, bytes, error } of cases) {
      await expectError(`inspect ${kind}`, engine.inspect(bytes), error);
      await expectError(`load ${kind}`, engine.load(new Blob([bytes]), { cache: false }), error);
      await expectError(`quantize ${kind}`, engine.quantize(new Blob([bytes]), 'Q8_0'), error);
    }
    const info = await engine.load('/models/lexi-28m-chat-Q4_K_M.gguf', { cache: false, n_ctx: 256 });
    const completion = await engine.complete('A river is', { temperature: 0, max_tokens: 4 });
    await engine.terminate();
    return { cases: cases.length, failures, quantization: info.quantization, text: completion.choices[0].text };
  }, ALIGNMENT_ERROR);
  assert.equal(result.cases, 28);
  assert.deepEqual(result.failures, []);
  assert.equal(result.quantization, 'Q4_K_M');
  assert.ok(result.text.length > 0, 'empty completion');
  await page.close();
});
