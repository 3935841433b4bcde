// The service worker precaches everything the page and its engine worker load, so the app
// starts offline after one visit. A file added to web/ or js/ without listing it fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const source = readFileSync(join(root, 'web/sw.js'), 'utf8');
const listed = new Set([...source.match(/const SHELL_FILES = \[([^\]]*)\]/)[1].matchAll(/'([^']+)'/g)].map((m) => m[1]));

test('every page and package file is precached', () => {
  const pageFiles = readdirSync(join(root, 'web')).filter((f) => /\.(js|css|html|webmanifest)$/.test(f) && f !== 'sw.js');
  const packageFiles = readdirSync(join(root, 'js'), { recursive: true }).filter((f) => f.endsWith('.js')).map((f) => `js/${f}`);
  for (const file of [...pageFiles, ...packageFiles]) assert.ok(listed.has(file), `web/sw.js does not precache ${file}`);
});

test('every precached file exists (built wasm aside)', () => {
  for (const file of listed) {
    if (file === './' || file.startsWith('dist/')) continue;
    const path = file.startsWith('js/') || file.startsWith('node_modules/') ? join(root, file) : join(root, 'web', file);
    assert.ok(existsSync(path), `web/sw.js lists ${file}, which does not exist`);
  }
});
