#!/usr/bin/env python3
"""Lists Swift functions (func, init, subscript, computed bodies excluded) longer than a limit.

Usage: scripts/long-functions.py [--max N] [PATH...]   (default: --max 80, Sources/)
Prints `file:line: name is N lines (limit M)` for each, longest first; exits 1 when any is found,
so CI can run it as a check. Lines are counted from the declaration to its closing brace.
Braces inside string literals, character escapes and comments are ignored.
"""
import os
import re
import sys

DECL = re.compile(r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|package|open|static|class|'
                  r'final|override|mutating|nonmutating|nonisolated|convenience|required|dynamic|@\w+)\s+)*'
                  r'(func\s+[^\s(<]+|init[?!]?|subscript|deinit)\b')


def strip(line, state):
    """Returns the code of `line` without strings and comments; `state` carries block comments and
    multi-line strings across lines."""
    out = []
    i = 0
    n = len(line)
    while i < n:
        if state['block']:
            end = line.find('*/', i)
            if end < 0:
                return ''.join(out)
            state['block'] = False
            i = end + 2
            continue
        if state['multi']:
            end = line.find(state['multi'], i)
            if end < 0:
                return ''.join(out)
            i = end + len(state['multi'])
            state['multi'] = None
            continue
        c = line[i]
        if line.startswith('//', i):
            break
        if line.startswith('/*', i):
            state['block'] = True
            i += 2
            continue
        m = re.match(r'(#*)"""', line[i:])
        if m:
            state['multi'] = '"""' + m.group(1)
            i += len(m.group(0))
            continue
        m = re.match(r'(#*)"', line[i:])
        if m:
            hashes = m.group(1)
            close = '"' + hashes
            j = i + len(m.group(0))
            while j < n:
                if not hashes and line[j] == '\\':
                    j += 2
                    continue
                if line.startswith(close, j):
                    j += len(close)
                    break
                j += 1
            i = j
            continue
        out.append(c)
        i += 1
    return ''.join(out)


def functions(path):
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    state = {'block': False, 'multi': None}
    code = [strip(line, state) for line in lines]
    found = []
    for start, text in enumerate(code):
        m = DECL.match(text)
        if not m:
            continue
        depth = 0
        opened = False
        for end in range(start, len(code)):
            for ch in code[end]:
                if ch == '{':
                    depth += 1
                    opened = True
                elif ch == '}':
                    depth -= 1
            if opened and depth <= 0:
                break
            if not opened and end > start and code[end].strip() == '':
                break  # a protocol requirement: no body
        if opened:
            found.append((start + 1, m.group(1).replace('func ', ''), end - start + 1))
    return found


def main(argv):
    limit = 80
    paths = []
    args = iter(argv)
    for arg in args:
        if arg == '--max':
            limit = int(next(args))
        else:
            paths.append(arg)
    paths = paths or ['Sources']
    results = []
    for root in paths:
        walk = [(root, [], [os.path.basename(root)])] if os.path.isfile(root) else os.walk(root)
        for folder, _, files in walk:
            for name in files:
                if name.endswith('.swift'):
                    path = root if os.path.isfile(root) else os.path.join(folder, name)
                    results += [(path, line, fn, count) for line, fn, count in functions(path) if count > limit]
    for path, line, name, count in sorted(results, key=lambda r: (-r[3], r[0])):
        print(f'{path}:{line}: {name} is {count} lines (limit {limit})')
    return 1 if results else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
