// No tracked file names a folder of one machine (a developer's home, the build machine's work
// folder): the repository must work wherever it is cloned. Paths of Debian's packages (/usr/...)
// are the toolchain's and allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers/fixtures.js';

// Built from pieces so that this file does not match itself.
const MACHINE_PATH = new RegExp(['/wo', 'rk/', '|/ho', 'me/[a-z]', '|/Us', 'ers/[A-Za-z]', '|/ro', 'ot/'].join(''));

test('no tracked text file holds an absolute machine path', () => {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  assert.ok(files.length > 100, `git ls-files listed ${files.length} files`);
  const found = [];
  for (const file of files) {
    let bytes;
    try {
      bytes = readFileSync(join(ROOT, file));
    } catch {
      continue; // deleted in the work tree, not yet committed
    }
    if (bytes.includes(0)) continue; // binary (GGUF, wasm)
    bytes.toString('utf8').split('\n').forEach((line, i) => {
      if (MACHINE_PATH.test(line)) found.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
    });
  }
  assert.deepEqual(found, []);
});

test('the pattern finds what it is meant to find', () => {
  for (const path of ['/wo' + 'rk/shared/x', '/ho' + 'me/dev/x', '/Us' + 'ers/Dev/x', '/ro' + 'ot/x']) {
    assert.ok(MACHINE_PATH.test(path), path);
  }
  for (const path of ['/usr/share/nodejs', '/usr/bin/chromium', '../shared/models', 'tests/fixtures/quants']) {
    assert.ok(!MACHINE_PATH.test(path), path);
  }
});
