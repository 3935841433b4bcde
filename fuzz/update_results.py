"""Rewrites one target's row of the table in fuzz/RESULTS.md after a long run of scripts/fuzz.sh.

usage: update_results.py OUT TARGET DATE FINDINGS
Reads OUT/TARGET/executions (all executions so far, every session), OUT/TARGET/coverage ("edges
features" of the minimised corpus) and OUT/TARGET/corpus/; keeps the other targets' rows and
everything outside the table as it is.
"""
import os
import sys

BEGIN = '<!-- fuzz-table:begin (scripts/fuzz.sh rewrites the rows) -->'
END = '<!-- fuzz-table:end -->'
COLUMNS = ['target', 'last run (UTC)', 'executions in all', 'coverage (edges / features)',
           'corpus (files, KiB)', 'open findings']


def read(path, default=''):
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return default


def row_cells(line):
    return [cell.strip() for cell in line.strip().strip('|').split('|')]


def main(out, target, date, findings):
    results = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'RESULTS.md')
    text = read(results)
    if BEGIN not in text:
        text = '# Fuzzing results\n\n' + BEGIN + '\n' + END + '\n' + text
    before, rest = text.split(BEGIN, 1)
    table, after = rest.split(END, 1)
    rows = {}
    for line in table.strip().splitlines():
        cells = row_cells(line)
        if len(cells) == len(COLUMNS) and cells[0] not in ('target', '') and not cells[0].startswith('-'):
            rows[cells[0]] = cells

    directory = os.path.join(out, target)
    corpus = os.path.join(directory, 'corpus')
    files = [os.path.join(corpus, name) for name in os.listdir(corpus)]
    kib = sum(os.path.getsize(f) for f in files) / 1024
    coverage = read(os.path.join(directory, 'coverage'), '? ?').split()
    rows[target] = [target, date, f"{int(read(os.path.join(directory, 'executions'), '0')):,}",
                    f'{coverage[0]} / {coverage[1]}', f'{len(files)}, {kib:.0f}', findings]

    lines = ['| ' + ' | '.join(COLUMNS) + ' |', '|' + '---|' * len(COLUMNS)]
    lines += ['| ' + ' | '.join(rows[name]) + ' |' for name in sorted(rows)]
    with open(results, 'w') as f:
        f.write(before + BEGIN + '\n' + '\n'.join(lines) + '\n' + END + after)


if __name__ == '__main__':
    main(*sys.argv[1:5])
