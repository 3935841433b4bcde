// Hostile GGUF files for the JS and browser tests: every corruption kind of the reader's own
// table (tests/gguf/gguf_corrupt_cases.h, enum Corruption; hostile_gguf.test.js checks the
// two lists agree), each patched into the same small valid file, with the specific error the
// reader gives when the file's size is known (a Uint8Array or Blob always has one).
// Runs in Node and in the browser (plain ES module, no imports).

const encoder = new TextEncoder();

/** Little-endian writer of GGUF fields. */
class Bytes {
  constructor() { /** @type {number[]} */ this.out = []; }
  uint(value, width) {
    let v = BigInt(value);
    for (let i = 0; i < width; i++) { this.out.push(Number(v & 0xffn)); v >>= 8n; }
  }
  string(s) {
    const b = encoder.encode(s);
    this.uint(b.length, 8);
    this.out.push(...b);
  }
  padTo(alignment) { while (this.out.length % alignment) this.out.push(0); }
}

/**
 * The reader tests' small file (testing::make_small_gguf + serialize_with_data): architecture
 * "tiny", alignment 32, two scalars, a string array, a.weight F32 [4, 2] at 0 and b.weight
 * Q8_0 [32] at 32, each tensor a counting pattern followed by its padding.
 */
export function smallGguf() {
  const w = new Bytes();
  w.out.push(...encoder.encode('GGUF'));
  w.uint(3, 4);
  w.uint(2, 8);  // tensors
  w.uint(5, 8);  // keys
  w.string('general.architecture'); w.uint(8, 4); w.string('tiny');
  w.string('general.alignment'); w.uint(4, 4); w.uint(32, 4);
  w.string('tiny.key_a'); w.uint(4, 4); w.uint(7, 4);
  w.string('tiny.key_b'); w.uint(6, 4); w.out.push(0, 0, 0, 0x3f);  // 0.5f
  w.string('tiny.tokens'); w.uint(9, 4); w.uint(8, 4); w.uint(3, 8);
  for (const s of ['a', 'bc', 'def']) w.string(s);
  w.string('a.weight'); w.uint(2, 4); w.uint(4, 8); w.uint(2, 8); w.uint(0, 4); w.uint(0, 8);
  w.string('b.weight'); w.uint(1, 4); w.uint(32, 8); w.uint(8, 4); w.uint(32, 8);
  w.padTo(32);
  for (const size of [32, 34]) {
    for (let i = 0; i < size; i++) w.out.push(i);
    w.padTo(32);
  }
  return new Uint8Array(w.out);
}

/** Offset just past the first GGUF string (u64 length + bytes) equal to `s`. */
function after(bytes, s) {
  const w = new Bytes();
  w.string(s);
  const needle = w.out;
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let k = 0; k < needle.length; k++) if (bytes[i + k] !== needle[k]) continue outer;
    return i + needle.length;
  }
  throw new Error(`no string '${s}' in the file`);
}

function patch(bytes, at, value, width) {
  let v = BigInt(value);
  for (let i = 0; i < width; i++) { bytes[at + i] = Number(v & 0xffn); v >>= 8n; }
}

/**
 * Every corruption kind, named as in the C++ enum, with its patch and its error.
 * @returns {{ kind: string, bytes: Uint8Array, error: string }[]}
 */
export function hostileFiles() {
  const base = smallGguf();
  const l = {
    arch: after(base, 'general.architecture'), alignment: after(base, 'general.alignment'),
    keyA: after(base, 'tiny.key_a') - 18, keyB: after(base, 'tiny.key_b') - 18, tokens: after(base, 'tiny.tokens'),
    tensorA: after(base, 'a.weight'), tensorB: after(base, 'b.weight'),
  };
  const headerSize = l.tensorB + 4 + 8 + 4 + 8;  // b.weight's n_dims, ne[0], type and offset end it
  const dataOffset = Math.ceil(headerSize / 32) * 32;
  /** @type {[string, (b: Uint8Array) => void, string][]} */
  const kinds = [
    ['BadMagic', (b) => b.set(encoder.encode('GGML'), 0), "bad magic 'GGML' at offset 0, expected 'GGUF'"],
    ['Version1', (b) => patch(b, 4, 1, 4), 'GGUF version 1 at offset 4 is not supported (only versions 2 and 3)'],
    ['Version4', (b) => patch(b, 4, 4, 4), 'GGUF version 4 at offset 4 is not supported'],
    ['HugeTensorCount', (b) => patch(b, 8, 2n ** 40n, 8), 'tensor count 1099511627776 at offset 8: tensor infos at offset 24'],
    ['HugeKvCount', (b) => patch(b, 16, 2n ** 40n, 8), 'key/value count 1099511627776 at offset 16: key/value pairs at offset 24'],
    ['KeyLengthPastEnd', (b) => patch(b, 24, 2n ** 62n, 8), 'key #0: key at offset 32: 4611686018427387904 bytes run past end of file'],
    ['EmptyKey', (b) => patch(b, l.keyA, 0, 8), `key #2 at offset ${l.keyA}: empty key`],
    ['StringLengthPastEnd', (b) => patch(b, l.arch + 4, 1000000, 8),
      `key 'general.architecture': string value at offset ${l.arch + 12}: 1000000 bytes run past end of file (size ${base.length})`],
    ['UnknownValueType', (b) => patch(b, l.keyA + 18, 13, 4), `key 'tiny.key_a' at offset ${l.keyA + 18}: unknown value type 13`],
    ['NestedArray', (b) => patch(b, l.tokens + 4, 9, 4),
      `key 'tiny.tokens': array element type at offset ${l.tokens + 4}: nested arrays are not supported`],
    ['ArrayCountPastEnd', (b) => patch(b, l.tokens + 8, 2n ** 40n, 8), `key 'tiny.tokens': array count 1099511627776 at offset ${l.tokens + 8}: strings`],
    ['NDims5', (b) => patch(b, l.tensorB, 5, 4), `tensor 'b.weight': n_dims 5 at offset ${l.tensorB} exceeds 4`],
    ['DimensionProductOverflow', (b) => { patch(b, l.tensorA + 4, 2n ** 32n, 8); patch(b, l.tensorA + 12, 2n ** 32n, 8); },
      `tensor 'a.weight': shape at offset ${l.tensorA}: shape [4294967296, 4294967296, 1, 1] has more than INT64_MAX elements`],
    ['DimensionNegative', (b) => patch(b, l.tensorA + 12, 2n ** 63n, 8),
      `tensor 'a.weight': dimension 1 at offset ${l.tensorA + 12} is 9223372036854775808, more than INT64_MAX`],
    ['UnknownGgmlType', (b) => patch(b, l.tensorB + 12, 99, 4), `tensor 'b.weight': unknown ggml type id 99 at offset ${l.tensorB + 12}`],
    ['RemovedGgmlType', (b) => patch(b, l.tensorB + 12, 4, 4), "tensor 'b.weight': unknown ggml type id 4"],
    ['RowNotWholeBlocks', (b) => patch(b, l.tensorB + 4, 33, 8),
      `tensor 'b.weight': shape at offset ${l.tensorB}: row length 33 is not a multiple of the q8_0 block size 32`],
    ['MisalignedOffset', (b) => patch(b, l.tensorB + 16, 36, 8),
      `tensor 'b.weight': data offset 36 at offset ${l.tensorB + 16} is not a multiple of the alignment 32`],
    ['OffsetPastEnd', (b) => patch(b, l.tensorB + 16, 1024, 8),
      `tensor 'b.weight': data [offset ${dataOffset + 1024}, 34 bytes] lies past end of file (size ${base.length})`],
    ['OffsetOverflow', (b) => patch(b, l.tensorB + 16, 2n ** 64n - 32n, 8),
      "tensor 'b.weight': data [offset 18446744073709551584 in the data section, 34 bytes] overflows 64 bits"],
    ['OverlappingTensors', (b) => patch(b, l.tensorB + 16, 0, 8),
      `tensor 'b.weight': data [offset ${dataOffset}, 34 bytes] overlaps tensor 'a.weight' [offset ${dataOffset}, 32 bytes]`],
    ['DuplicateKey', (b) => { b[l.keyB + 8 + 9] = 'a'.charCodeAt(0); }, `key 'tiny.key_a' at offset ${l.keyB}: duplicate key (first is key #2)`],
    ['DuplicateTensorName', (b) => { b[l.tensorB - 16 + 8] = 'a'.charCodeAt(0); },
      "tensor 'a.weight' (tensor #1): duplicate tensor name (first is tensor #0)"],
    ['AlignmentNotPowerOfTwo', (b) => patch(b, l.alignment + 4, 48, 4),
      `key 'general.alignment' at offset ${l.alignment}: 48 is not a nonzero power of two`],
    ['AlignmentZero', (b) => patch(b, l.alignment + 4, 0, 4), `key 'general.alignment' at offset ${l.alignment}: 0 is not a nonzero power of two`],
    ['AlignmentWrongType', (b) => patch(b, l.alignment, 5, 4), `key 'general.alignment' at offset ${l.alignment}: must be UINT32, not INT32`],
    ['AlignmentTooLarge', (b) => patch(b, l.alignment + 4, 2 ** 30, 4),
      `key 'general.alignment' at offset ${l.alignment}: 1073741824 is larger than the largest supported alignment 1048576`],
  ];
  return kinds.map(([kind, edit, error]) => {
    const bytes = base.slice();
    edit(bytes);
    return { kind, bytes, error };
  });
}
