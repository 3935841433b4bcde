// Named errors: wasm code mapping, serialization across the worker boundary, AbortError shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AbortError, ContextFullError, HttpStatusError, InvalidArgumentError, InvalidModelError, InvalidSessionError, ModelTooBigError,
  NoModelError, NotGgufError, UnsupportedArchitectureError, UnsupportedTypeError, WebggufError,
  WorkerCrashedError, deserializeError, errorFromWasmCode, serializeError, throwIfAborted,
} from '../../js/errors.js';

test('every wasm error code maps to its named class with the engine message and advice', () => {
  const expected = {
    not_gguf: NotGgufError, unsupported_architecture: UnsupportedArchitectureError, unsupported_type: UnsupportedTypeError,
    too_big: ModelTooBigError, context_full: ContextFullError, bad_request: InvalidArgumentError,
    no_model: NoModelError, invalid_model: InvalidModelError, invalid_session: InvalidSessionError,
  };
  for (const [code, cls] of Object.entries(expected)) {
    const error = errorFromWasmCode(code, 'engine says');
    assert.ok(error instanceof cls && error instanceof WebggufError && error instanceof Error, code);
    assert.equal(error.name, cls.name);
    assert.equal(error.details.wasmCode, code);
    assert.match(error.message, /^engine says\. ?|^engine says /);
    assert.ok(error.message.length > 'engine says'.length + 20, `${code} has advice`);
  }
  const unknown = errorFromWasmCode('weird');
  assert.equal(unknown.constructor, WebggufError);
  assert.match(unknown.message, /weird/);
});

test('errors survive serialization with class, code, message and details', () => {
  const original = HttpStatusError.forResponse(404, 'https://x/m.gguf');
  assert.match(original.message, /HTTP 404 .*check the URL/);
  const record = serializeError(original);
  assert.deepEqual(JSON.parse(JSON.stringify(record)), record, 'plain data');
  const rebuilt = deserializeError(record);
  assert.ok(rebuilt instanceof HttpStatusError);
  assert.equal(rebuilt.code, 'http_status');
  assert.equal(rebuilt.message, original.message);
  assert.deepEqual(rebuilt.details, { status: 404, url: 'https://x/m.gguf' });
  assert.ok(deserializeError(serializeError(new WorkerCrashedError('gone'))) instanceof WorkerCrashedError);
  const plain = deserializeError(serializeError(new TypeError('boom')));
  assert.equal(plain.constructor, WebggufError);
  assert.equal(plain.message, 'boom');
});

test('AbortError is named AbortError like DOMException aborts, and DOM aborts map to it', () => {
  const error = new AbortError();
  assert.equal(error.name, 'AbortError');
  assert.equal(error.code, 'aborted');
  const fromDom = deserializeError(serializeError(new DOMException('stop', 'AbortError')));
  assert.ok(fromDom instanceof AbortError);
  const controller = new AbortController();
  throwIfAborted(controller.signal);
  controller.abort('why');
  assert.throws(() => throwIfAborted(controller.signal), (e) => e instanceof AbortError && e.cause === 'why');
});
