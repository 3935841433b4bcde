#!/usr/bin/env node
// Soak: many short chat turns in one Engine. One conversation grows turn by turn (each turn
// reuses the previous ones from the KV cache) until it no longer fits in the context; with context
// shift off (this soak's subject is the refusal and restart; tests/js/context_shift.test.js soaks
// the shift) the engine refuses it with ContextFullError and a new conversation starts. Reports process RSS and the wasm heap at turns 1, 100, 1000 (and every 100th), and
// fails when the wasm heap's live bytes drift or any turn fails.
//
//   npm run soak -- [--turns 1000] [--model PATH] [--n-ctx 512] [--max-tokens 12]
import { parseArgs } from 'node:util';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { Engine, ContextFullError } from '../js/index.js';

const DEFAULT_MODEL = fileURLToPath(new URL('../web/models/lexi-28m-chat-Q4_K_M.gguf', import.meta.url));
const QUESTIONS = [
  'What is a river?', 'Tell me about the moon.', 'Why is the sky blue?', 'Name a fruit.', 'What is music?',
  'How do birds fly?', 'What is a city?', 'Say something kind.', 'What is rain?', 'Describe a forest.',
];
/** Live wasm bytes may move by allocator bookkeeping only; anything real is far larger. */
const HEAP_SLACK_BYTES = 4096;

/**
 * @param {{ turns: number, model?: string, nCtx?: number, maxTokens?: number, onReport?: (line: string) => void }} options
 * @returns {Promise<{ samples: Array<{ turn: number, rssBytes: number, heapUsed: number, heapSize: number }>,
 *                     conversations: number, contextFullRefusals: number, seconds: number }>}
 */
export async function runSoak({ turns, model = DEFAULT_MODEL, nCtx = 512, maxTokens = 12, onReport = () => {} }) {
  const started = performance.now();
  const engine = await Engine.create({ threads: 1 });
  try {
    await engine.load(model, { cache: false, n_ctx: nCtx });
    /** @type {Array<{ role: string, content: string }>} */
    let messages = [];
    let conversations = 1;
    let contextFullRefusals = 0;
    const samples = [];
    for (let turn = 1; turn <= turns; turn++) {
      const question = QUESTIONS[turn % QUESTIONS.length];
      const request = { temperature: 0.7, seed: turn, max_tokens: maxTokens, context_shift: false };
      let result;
      try {
        result = await engine.chat.completions.create({ messages: [...messages, { role: 'user', content: question }], ...request });
      } catch (error) {
        if (!(error instanceof ContextFullError)) throw error;
        // The documented behaviour of a full context: start a new conversation.
        contextFullRefusals++;
        conversations++;
        messages = [];
        result = await engine.chat.completions.create({ messages: [{ role: 'user', content: question }], ...request });
      }
      messages.push({ role: 'user', content: question }, { role: 'assistant', content: result.choices[0].message.content });
      if (turn === 1 || turn % 100 === 0 || turn === turns) {
        const heap = await engine.memory();
        const sample = { turn, rssBytes: process.memoryUsage().rss, heapUsed: heap.used, heapSize: heap.heapSize };
        samples.push(sample);
        onReport(`turn ${turn}: RSS ${(sample.rssBytes / 2 ** 20).toFixed(1)} MiB, wasm heap used ${sample.heapUsed} B `
          + `of ${(sample.heapSize / 2 ** 20).toFixed(0)} MiB, ${conversations} conversations`);
      }
    }
    return { samples, conversations, contextFullRefusals, seconds: (performance.now() - started) / 1000 };
  } finally {
    await engine.terminate();
  }
}

/**
 * Flat means: the wasm heap's live bytes and size at the last sample equal those after the first
 * turn (within allocator slack). Returns the problems found.
 * @param {Awaited<ReturnType<typeof runSoak>>['samples']} samples
 */
export function heapDrift(samples) {
  const first = samples[0];
  const problems = [];
  for (const s of samples) {
    if (Math.abs(s.heapUsed - first.heapUsed) > HEAP_SLACK_BYTES) problems.push(`turn ${s.turn}: wasm heap used ${s.heapUsed} B vs ${first.heapUsed} B at turn ${first.turn}`);
    if (s.heapSize !== first.heapSize) problems.push(`turn ${s.turn}: wasm heap grew to ${s.heapSize} B from ${first.heapSize} B`);
  }
  return problems;
}

async function main() {
  const { values } = parseArgs({
    options: {
      turns: { type: 'string', default: '1000' }, model: { type: 'string' },
      'n-ctx': { type: 'string', default: '512' }, 'max-tokens': { type: 'string', default: '12' },
    },
  });
  const report = await runSoak({
    turns: Number(values.turns), model: values.model, nCtx: Number(values['n-ctx']),
    maxTokens: Number(values['max-tokens']), onReport: (line) => console.log(line),
  });
  console.log(`${values.turns} turns in ${report.seconds.toFixed(1)} s, ${report.conversations} conversations `
    + `(${report.contextFullRefusals} ContextFullError refusals, each followed by a new conversation)`);
  const problems = heapDrift(report.samples);
  for (const problem of problems) console.error(problem);
  process.exitCode = problems.length > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
