#!/usr/bin/env python3
"""Generates src/tokenizer/unicode_tables.cpp from Debian's unicode-data package.

The pre-tokenizer regexes of byte-level BPE models (\\p{L}, \\p{N}, \\s, the (?i:'s|'t...)
contractions) need three facts per code point: its general-category group, whether it is
White_Space, and its simple lowercase mapping. They are stored as compact ranges:

  kCategoryRanges  (first << 8 | group): the group holds from `first` up to the next entry
  kWhitespaceRanges {first, last}: the White_Space property of PropList.txt
  kLowercaseRuns   {first, count, stride, delta}: cpt = first + i*stride (i < count) lowercases
                   to cpt + delta (UnicodeData field 13, simple lowercase mapping)

Usage: scripts/gen_unicode_tables.py [UCD_DIR] > src/tokenizer/unicode_tables.cpp
(UCD_DIR defaults to /usr/share/unicode). The output is deterministic: rerunning the script on
the same data reproduces the committed file byte for byte.
"""
import re
import sys

MAX_CODEPOINT = 0x110000

# Same grouping as llama.cpp's unicode flags (values of UnicodeCategory in unicode.h).
UNDEFINED, NUMBER, LETTER, SEPARATOR, MARK, PUNCTUATION, SYMBOL, CONTROL = range(8)
GROUP_NAMES = ["Undefined", "Number", "Letter", "Separator", "Mark", "Punctuation", "Symbol",
               "Control"]
CATEGORY_TO_GROUP = {
    "Cn": UNDEFINED,
    "Cc": CONTROL, "Cf": CONTROL, "Co": CONTROL, "Cs": CONTROL,
    "Lu": LETTER, "Ll": LETTER, "Lt": LETTER, "Lm": LETTER, "Lo": LETTER,
    "Mn": MARK, "Mc": MARK, "Me": MARK,
    "Nd": NUMBER, "Nl": NUMBER, "No": NUMBER,
    "Pc": PUNCTUATION, "Pd": PUNCTUATION, "Ps": PUNCTUATION, "Pe": PUNCTUATION,
    "Pi": PUNCTUATION, "Pf": PUNCTUATION, "Po": PUNCTUATION,
    "Sm": SYMBOL, "Sc": SYMBOL, "Sk": SYMBOL, "So": SYMBOL,
    "Zs": SEPARATOR, "Zl": SEPARATOR, "Zp": SEPARATOR,
}


def read_unicode_data(path):
    """Yields (codepoint, category, simple_lowercase or None), expanding <..., First>/<..., Last>."""
    range_start = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split(";")
            cpt = int(fields[0], 16)
            name, category = fields[1], fields[2]
            lower = int(fields[13], 16) if fields[13] else None
            if name.endswith(", First>"):
                range_start = cpt
                continue
            if name.endswith(", Last>"):
                for c in range(range_start, cpt):
                    yield c, category, None
                range_start = None
            yield cpt, category, lower


def read_whitespace(path):
    ranges = []
    pattern = re.compile(r"^([0-9A-F]+)(?:\.\.([0-9A-F]+))?\s*;\s*White_Space\b")
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = pattern.match(line)
            if m:
                first = int(m.group(1), 16)
                last = int(m.group(2), 16) if m.group(2) else first
                ranges.append((first, last))
    return sorted(ranges)


def category_ranges(groups):
    ranges = [(0, groups[0])]
    for cpt in range(1, MAX_CODEPOINT):
        if groups[cpt] != ranges[-1][1]:
            ranges.append((cpt, groups[cpt]))
    return ranges


def lowercase_runs(pairs):
    """Greedy runs of equally spaced code points sharing one delta (A->a, Ā->ā every 2...)."""
    runs = []  # [first, count, stride, delta]
    for cpt, lower in pairs:
        delta = lower - cpt
        if runs:
            first, count, stride, run_delta = runs[-1]
            last = first + (count - 1) * stride
            if run_delta == delta and count == 1 and cpt - last in (1, 2):
                runs[-1] = [first, 2, cpt - last, delta]
                continue
            if run_delta == delta and count > 1 and cpt - last == stride:
                runs[-1][1] += 1
                continue
        runs.append([cpt, 1, 1, delta])
    # The C++ lookup binary-searches on `first`: spans must not interleave.
    for run, following in zip(runs, runs[1:]):
        assert run[0] + (run[1] - 1) * run[2] < following[0], run
    return runs


# Unicode 15.1's 627 new characters (CJK Extension I, four ideographic description characters
# and U+31EF), which llama.cpp 80fb11a's tables have and Debian 12's 15.0 data lacks; no case
# mappings or White_Space among them.
UNICODE_15_1_ADDITIONS = [(0x2EBF0, 0x2EE5D, "Lo"), (0x2FFC, 0x2FFF, "So"), (0x31EF, 0x31EF, "So")]


def emit_rows(out, items, per_line):
    for i in range(0, len(items), per_line):
        out.append("    " + " ".join(items[i:i + per_line]))


def main():
    ucd = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/unicode"
    groups = [UNDEFINED] * MAX_CODEPOINT
    lower_pairs = []
    for cpt, category, lower in read_unicode_data(ucd + "/UnicodeData.txt"):
        groups[cpt] = CATEGORY_TO_GROUP[category]
        if lower is not None and lower != cpt:
            lower_pairs.append((cpt, lower))
    with open(ucd + "/PropList.txt", encoding="utf-8") as f:
        version = f.readline().strip().lstrip("# ")
    if version == "PropList-15.0.0.txt":
        for first, last, category in UNICODE_15_1_ADDITIONS:
            for cpt in range(first, last + 1):
                groups[cpt] = CATEGORY_TO_GROUP[category]
        version += " with Unicode 15.1's additions"

    categories = category_ranges(groups)
    whitespace = read_whitespace(ucd + "/PropList.txt")
    runs = lowercase_runs(sorted(lower_pairs))

    out = [
        "// GENERATED by scripts/gen_unicode_tables.py from Debian's unicode-data "
        f"({version}). Do not edit.",
        "// Groups: " + ", ".join(f"{i} {n}" for i, n in enumerate(GROUP_NAMES)) + ".",
        '#include "tokenizer/unicode_tables.h"',
        "",
        "namespace webgguf::unicode_tables {",
        "",
        "// (first << 8) | group; a group holds from `first` up to the next entry's first.",
        "const uint32_t kCategoryRanges[] = {",
    ]
    emit_rows(out, [f"0x{(first << 8) | group:08x}," for first, group in categories], 8)
    out += ["};", f"const size_t kCategoryRangeCount = {len(categories)};", ""]
    out.append("const CodepointRange kWhitespaceRanges[] = {")
    emit_rows(out, [f"{{0x{a:04x}, 0x{b:04x}}}," for a, b in whitespace], 4)
    out += ["};", f"const size_t kWhitespaceRangeCount = {len(whitespace)};", ""]
    out.append("const LowercaseRun kLowercaseRuns[] = {")
    emit_rows(out, [f"{{0x{a:05x}, {c}, {s}, {d}}}," for a, c, s, d in runs], 4)
    out += ["};", f"const size_t kLowercaseRunCount = {len(runs)};", "",
            "}  // namespace webgguf::unicode_tables", ""]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
