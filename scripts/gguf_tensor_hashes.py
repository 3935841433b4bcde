#!/usr/bin/env python3
"""Prints `name type sha256` of every tensor's data in a GGUF file, then `FILE sha256` of the whole
file: what scripts/compare_llama_quantize.sh diffs between llama-quantize's and webgguf's outputs.
Usage: scripts/gguf_tensor_hashes.py FILE.gguf"""
import hashlib
import struct
import sys

# Sizes of the scalar metadata value types (GGUF spec); 8 = string, 9 = array.
SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def main(path):
    data = open(path, 'rb').read()
    at = 0

    def take(fmt):
        nonlocal at
        values = struct.unpack_from('<' + fmt, data, at)
        at += struct.calcsize('<' + fmt)
        return values[0] if len(values) == 1 else values

    def string():
        nonlocal at
        n = take('Q')
        s = data[at:at + n].decode('utf-8', 'replace')
        at += n
        return s

    def skip_value(kind):
        nonlocal at
        if kind == 8:
            string()
        elif kind == 9:
            element, count = take('I'), take('Q')
            for _ in range(count):
                skip_value(element)
        else:
            at += SCALAR[kind]

    magic, version, n_tensors, n_kv = take('4sIQQ')
    assert magic == b'GGUF', 'not a GGUF file'
    alignment = 32
    for _ in range(n_kv):
        key, kind = string(), take('I')
        if key == 'general.alignment':
            alignment = take('I')
        else:
            skip_value(kind)
    tensors = []
    for _ in range(n_tensors):
        name, n_dims = string(), take('I')
        take('Q' * n_dims)
        kind, offset = take('I'), take('Q')
        tensors.append((name, kind, offset))
    data_start = (at + alignment - 1) // alignment * alignment
    offsets = sorted(t[2] for t in tensors) + [len(data) - data_start]
    for name, kind, offset in tensors:
        end = offsets[offsets.index(offset) + 1]
        print(name, kind, hashlib.sha256(data[data_start + offset:data_start + end]).hexdigest())
    print('FILE', hashlib.sha256(data).hexdigest())


if __name__ == '__main__':
    main(sys.argv[1])
