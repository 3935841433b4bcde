// The incremental SHA-256 used to verify cached downloads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256, sha256Hex } from '../../js/sha256.js';
import { createHash, randomBytes } from 'node:crypto';

test('incremental SHA-256 equals node:crypto for any chunking', () => {
  assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  for (const length of [1, 55, 56, 63, 64, 65, 1000, 70_001]) {
    const bytes = randomBytes(length);
    const hash = new Sha256();
    for (let i = 0; i < length; i += 1 + (i % 97)) hash.update(bytes.subarray(i, Math.min(length, i + 1 + (i % 97))));
    assert.equal(hash.digestHex(), createHash('sha256').update(bytes).digest('hex'), `length ${length}`);
  }
});
