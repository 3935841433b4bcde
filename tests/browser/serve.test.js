// scripts/serve.mjs serves only the site: the page, the package, the wasm builds, the page's one
// node_modules import and the bundled models; everything else in the repository answers 404. It
// listens on 127.0.0.1 unless asked for the LAN.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStaticServer, parseArgs, repoRoot } from '../../scripts/serve.mjs';

let server;
let base;
before(async () => {
  server = createStaticServer();
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((done) => server.close(done)));

async function status(path, init) {
  const response = await fetch(`${base}${path}`, init);
  await response.arrayBuffer();
  return response.status;
}

test('serves the page and exactly what it loads', async () => {
  for (const path of ['/', '/index.html', '/app.js', '/style.css', '/sw.js', '/manifest.webmanifest',
                      '/icons/icon.svg', '/data/eval-sample.txt', '/js/index.js', '/js/worker.js',
                      '/dist/wasm/webgguf-st-web.wasm', '/dist/wasm/webgguf-mt-web.mjs',
                      '/node_modules/@huggingface/jinja/dist/index.js', '/models/lexi-28m-chat-Q4_K_M.gguf',
                      '/models/lexi-28m-f16.gguf', '/examples/browser-minimal/', '/examples/quantize-in-browser/']) {
    assert.equal(await status(path), 200, path);
  }
  const html = await (await fetch(`${base}/`)).text();
  assert.match(html, /<title>webgguf/);
  const response = await fetch(`${base}/`);
  assert.equal(response.headers.get('cross-origin-embedder-policy'), 'require-corp');
  assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
});

test('404s the rest of the repository', async () => {
  for (const path of ['/.git/HEAD', '/.git/config', '/package.json', '/package-lock.json', '/README.md',
                      '/build/native/webgguf', '/build/', '/src/engine/engine.cpp', '/scripts/serve.mjs',
                      '/tests/browser/harness.js', '/node_modules/playwright-core/package.json',
                      '/node_modules/@huggingface/jinja/package.json', '/shared/models/lexi-28m-f16.gguf',
                      '/../shared/DESIGN.md', '/%2e%2e/package.json', '/js/../package.json',
                      '/web/index.html', '/CMakeLists.txt', '/examples/node-chat.mjs', '/.gitignore', '/dist/wasm/../../package.json']) {
    assert.equal(await status(path), 404, path);
  }
});

test('every import map and service-worker shell entry of the page is served', async () => {
  const html = readFileSync(join(repoRoot, 'web/index.html'), 'utf8');
  const imports = JSON.parse(/<script type="importmap">(.*?)<\/script>/s.exec(html)[1]).imports;
  for (const target of Object.values(imports)) assert.equal(await status(`/${target.replace(/^\.\//, '')}`), 200, target);
  const shell = /const SHELL_FILES = \[(.*?)\];/s.exec(readFileSync(join(repoRoot, 'web/sw.js'), 'utf8'))[1];
  for (const file of shell.match(/'[^']+'/g).map((quoted) => quoted.slice(1, -1))) {
    assert.equal(await status(`/${file === './' ? '' : file}`), 200, file);
  }
});

test('ranges work on the bundled model', async () => {
  const response = await fetch(`${base}/models/lexi-28m-chat-Q4_K_M.gguf`, { headers: { Range: 'bytes=0-3' } });
  assert.equal(response.status, 206);
  assert.equal(new TextDecoder().decode(await response.arrayBuffer()), 'GGUF');
});

test('binds 127.0.0.1 by default; --lan, --host and HOST widen it; bad options are named', async () => {
  assert.deepEqual(parseArgs([], {}), { port: 8080, host: '127.0.0.1' });
  assert.deepEqual(parseArgs(['--lan'], {}), { port: 8080, host: '0.0.0.0' });
  assert.deepEqual(parseArgs(['--host', '192.168.1.5', '--port', '9000'], {}), { port: 9000, host: '192.168.1.5' });
  assert.deepEqual(parseArgs([], { HOST: '0.0.0.0', PORT: '8123' }), { port: 8123, host: '0.0.0.0' });
  assert.throws(() => parseArgs(['--public'], {}), /unknown option --public/);
  assert.throws(() => parseArgs(['--port', 'x'], {}), /--port must be an integer/);
  // The script itself: it says where it listens, and that is loopback.
  const child = spawn(process.execPath, [join(repoRoot, 'scripts/serve.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise((done, fail) => {
      child.stdout.once('data', (data) => done(String(data)));
      child.once('exit', (code) => fail(new Error(`serve.mjs exited with ${code}`)));
    });
    assert.match(line, /listening on 127\.0\.0\.1/);
  } finally {
    child.kill();
  }
});
