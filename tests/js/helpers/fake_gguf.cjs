// A stand-in for GGUF in JS-only tests: "GGUF" magic, a u32 LE length H, H bytes of JSON metadata,
// then an arbitrary body. Its probe behaves like the wasm engine's probeHeader (need_more until the
// whole header is present, then ok or a named error code), so the loader can be tested without wasm.
'use strict';

const MAGIC = [0x47, 0x47, 0x55, 0x46];
const SUPPORTED = ['llama', 'qwen2'];

/** Builds a fake model file: header with `meta`, then `bodyBytes` of a repeating byte pattern. */
function makeFakeGguf(meta, bodyBytes) {
  const json = Buffer.from(JSON.stringify(meta));
  const file = Buffer.alloc(8 + json.length + bodyBytes);
  file.set(MAGIC, 0);
  file.writeUInt32LE(json.length, 4);
  json.copy(file, 8);
  const pattern = Buffer.from(Array.from({ length: 251 }, (_, i) => (i * 31 + 7) & 0xff));
  file.fill(pattern, 8 + json.length);
  return new Uint8Array(file.buffer, file.byteOffset, file.length);
}

/** Mirrors WasmEngine.probeHeader's answer shape. */
function probeFakeGguf(head, fileSize) {
  if (head.length < 8) return { status: 'need_more', bytesNeeded: 8 };
  if (!MAGIC.every((b, i) => head[i] === b)) return { status: 'error', code: 'not_gguf', error: 'bad magic' };
  const length = head[4] | (head[5] << 8) | (head[6] << 16) | (head[7] << 24);
  if (8 + length > fileSize) return { status: 'error', code: 'not_gguf', error: 'header beyond the end of the file' };
  if (head.length < 8 + length) return { status: 'need_more', bytesNeeded: 8 + length };
  const meta = JSON.parse(Buffer.from(head.subarray(8, 8 + length)).toString('utf8'));
  if (!SUPPORTED.includes(meta.architecture)) {
    return { status: 'error', code: 'unsupported_architecture', error: `architecture '${meta.architecture}' is not supported` };
  }
  if (meta.too_big) return { status: 'error', code: 'too_big', error: 'needs 5.1 GB' };
  return { status: 'ok', info: meta, memory: { total_bytes: fileSize } };
}

/** Reads the metadata back from a loaded fake file. */
function readFakeMeta(bytes) {
  const length = bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24);
  return JSON.parse(Buffer.from(bytes.subarray(8, 8 + length)).toString('utf8'));
}

module.exports = { makeFakeGguf, probeFakeGguf, readFakeMeta };
