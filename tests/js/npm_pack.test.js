// The packed tarball works from a fresh project: `npm pack`, install it into a temporary
// folder, and run a 10-line Node example that streams a chat from the bundled model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wasmModulePath } from './helpers/fixtures.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const model = join(root, 'web/models/lexi-28m-chat-Q4_K_M.gguf');

const EXAMPLE = `import { Engine } from 'webgguf';
const engine = await Engine.create({ threads: 1 });
await engine.load(process.argv[2]);
const stream = await engine.chat.completions.create({
  messages: [{ role: 'user', content: 'What is a river?' }], stream: true, temperature: 0, max_tokens: 40 });
let text = '';
for await (const chunk of stream) text += chunk.choices[0].delta.content ?? '';
console.log(JSON.stringify(text));
await engine.terminate();
`;

wasmModulePath('webgguf-st-node.wasm');

test('npm pack installs into a fresh project and streams a chat', { timeout: 300_000 }, () => {
  const project = mkdtempSync(join(tmpdir(), 'webgguf-pack-'));
  try {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', project], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'try-webgguf', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', join(project, tarball)], { cwd: project });
    writeFileSync(join(project, 'chat.mjs'), EXAMPLE);
    const output = execFileSync('node', ['chat.mjs', model], { cwd: project, encoding: 'utf8' });
    assert.match(JSON.parse(output.trim()), /^A river is a large natural stream of water/);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
