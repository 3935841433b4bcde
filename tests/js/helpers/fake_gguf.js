// A stand-in for GGUF in JS-only tests: "GGUF" magic, a u32 LE length H, H bytes of JSON metadata,
// then an arbitrary body. Its probe behaves like the wasm engine's probeHeader (need_more until the
// whole header is present, then ok or a named error code), so the loader can be tested without wasm.
// Plain ES module without Node APIs: the fake wasm module also runs in Chromium.

const MAGIC = [0x47, 0x47, 0x55, 0x46];
const SUPPORTED = ['llama', 'qwen2'];

/** Builds a fake model file: header with `meta`, then `bodyBytes` of a repeating byte pattern. */
export function makeFakeGguf(meta, bodyBytes) {
  const json = new TextEncoder().encode(JSON.stringify(meta));
  const file = new Uint8Array(8 + json.length + bodyBytes);
  file.set(MAGIC, 0);
  new DataView(file.buffer).setUint32(4, json.length, true);
  file.set(json, 8);
  for (let i = 0; i < bodyBytes; i++) file[8 + json.length + i] = ((i % 251) * 31 + 7) & 0xff;
  return file;
}

/** @param {Uint8Array} bytes */
function headerLength(bytes) {
  return (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24)) >>> 0;
}

/** Mirrors WasmEngine.probeHeader's answer shape. */
export function probeFakeGguf(head, fileSize) {
  if (head.length < 8) return { status: 'need_more', bytesNeeded: 8 };
  if (!MAGIC.every((b, i) => head[i] === b)) return { status: 'error', code: 'not_gguf', error: 'bad magic' };
  const length = headerLength(head);
  if (8 + length > fileSize) return { status: 'error', code: 'not_gguf', error: 'header beyond the end of the file' };
  if (head.length < 8 + length) return { status: 'need_more', bytesNeeded: 8 + length };
  const meta = readFakeMeta(head);
  if (!SUPPORTED.includes(meta.architecture)) {
    return { status: 'error', code: 'unsupported_architecture', error: `architecture '${meta.architecture}' is not supported` };
  }
  if (meta.too_big) return { status: 'error', code: 'too_big', error: 'needs 5.1 GB' };
  return { status: 'ok', info: meta, memory: { total_bytes: fileSize } };
}

/** Reads the metadata back from a loaded fake file. */
export function readFakeMeta(bytes) {
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength(bytes))));
}
