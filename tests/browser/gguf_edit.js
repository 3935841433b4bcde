// Rewrites the metadata of a real GGUF file for tests: sets or adds keys (f32 numbers, strings)
// and keeps the tensor table and data as they are (tensor offsets are relative to the data
// section, so only the padding before it changes). GGUF v3 layout: magic, version u32, tensor
// count u64, key count u64, keys, tensor infos, padding to general.alignment (default 32), data.
const SCALAR_BYTES = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;
const F32 = 6;

function reader(buffer) {
  let offset = 0;
  const u32 = () => { const v = buffer.readUInt32LE(offset); offset += 4; return v; };
  const u64 = () => { const v = Number(buffer.readBigUInt64LE(offset)); offset += 8; return v; };
  const string = () => { const n = u64(); const s = buffer.toString('utf8', offset, offset + n); offset += n; return s; };
  const skipValue = (type) => {
    if (type === STRING) string();
    else if (type === ARRAY) {
      const itemType = u32();
      const count = u64();
      for (let i = 0; i < count; i++) skipValue(itemType);
    } else offset += SCALAR_BYTES[type];
  };
  return { u32, u64, string, skipValue, get offset() { return offset; }, set offset(v) { offset = v; } };
}

function encodeString(text) {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([length, bytes]);
}

function encodeEntry(key, value) {
  const type = Buffer.alloc(4);
  if (typeof value === 'string') {
    type.writeUInt32LE(STRING);
    return Buffer.concat([encodeString(key), type, encodeString(value)]);
  }
  type.writeUInt32LE(F32);
  const number = Buffer.alloc(4);
  number.writeFloatLE(value);
  return Buffer.concat([encodeString(key), type, number]);
}

/** @param {Buffer} file @param {Record<string, string | number>} changes @returns {Buffer} */
export function editGgufMetadata(file, changes) {
  const r = reader(file);
  r.offset = 8;
  const tensorCount = r.u64();
  const keyCount = r.u64();
  const entries = [];  // [key, raw bytes]
  let alignment = 32;
  for (let i = 0; i < keyCount; i++) {
    const start = r.offset;
    const key = r.string();
    const type = r.u32();
    if (key === 'general.alignment' && type === 4) alignment = file.readUInt32LE(r.offset);
    r.skipValue(type);
    entries.push([key, file.subarray(start, r.offset)]);
  }
  const tensorsStart = r.offset;
  for (let i = 0; i < tensorCount; i++) {
    r.string();
    const dims = r.u32();
    r.offset += 8 * dims + 4 + 8;
  }
  const tensorInfos = file.subarray(tensorsStart, r.offset);
  const dataStart = Math.ceil(r.offset / alignment) * alignment;
  const edited = new Map(entries);
  for (const [key, value] of Object.entries(changes)) edited.set(key, encodeEntry(key, value));
  const head = Buffer.alloc(24);
  file.copy(head, 0, 0, 8);
  head.writeBigUInt64LE(BigInt(tensorCount), 8);
  head.writeBigUInt64LE(BigInt(edited.size), 16);
  const header = Buffer.concat([head, ...edited.values(), tensorInfos]);
  const padding = Buffer.alloc(Math.ceil(header.length / alignment) * alignment - header.length);
  return Buffer.concat([header, padding, file.subarray(dataStart)]);
}
