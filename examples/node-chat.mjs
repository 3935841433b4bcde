// Terminal chat with streaming replies; Ctrl-C stops a reply (twice quits).
//   node examples/node-chat.mjs [MODEL.gguf | URL]   (default: the bundled lexi chat model)
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { Engine } from '../js/index.js';

const source = process.argv[2] ?? fileURLToPath(new URL('../web/models/lexi-28m-chat-Q4_K_M.gguf', import.meta.url));
const engine = await Engine.create();
const info = await engine.load(source, {
  onProgress: ({ phase, loaded, total }) => process.stderr.write(`\r${phase} ${(100 * loaded / total).toFixed(0)}%`),
});
process.stderr.write(`\r${info.name || info.architecture} (${info.quantization}), ${info.n_ctx}-token context. Ctrl-C stops a reply.\n`);

const terminal = createInterface({ input: process.stdin, output: process.stdout });
const messages = [];
let reply = null;  // AbortController of the reply being streamed
terminal.on('SIGINT', () => {
  if (reply) reply.abort();
  else terminal.close();
});
terminal.on('close', async () => {
  await engine.terminate();
  process.exit(0);
});

for (;;) {
  const question = (await terminal.question('> ')).trim();
  if (!question) continue;
  messages.push({ role: 'user', content: question });
  reply = new AbortController();
  let answer = '';
  try {
    const stream = await engine.chat.completions.create({ messages, stream: true, max_tokens: 256, signal: reply.signal });
    for await (const chunk of stream) {
      const delta = chunk.choices[0].delta.content ?? '';
      answer += delta;
      process.stdout.write(delta);
    }
  } catch (error) {
    if (error.name !== 'AbortError') console.error(`\n${error.message}`);
  }
  reply = null;
  process.stdout.write('\n');
  if (answer) messages.push({ role: 'assistant', content: answer });
}
