#!/usr/bin/env python3
"""Baseline for `kefu bench score`: the same rubric patterns (as authors write them) matched with
Python's `re` (case-insensitive, Unicode) over the same agent turns, one search per pattern per turn.
Prints `turns_per_second N` and `skipped K` (patterns Python's re cannot compile, e.g. \\p{Han})."""
import re
import sys
import time


def main() -> int:
    patterns_path, turns_path = sys.argv[1], sys.argv[2]
    with open(patterns_path, encoding="utf-8") as f:
        sources = [line.rstrip("\n") for line in f if line.strip()]
    with open(turns_path, encoding="utf-8") as f:
        turns = [line.rstrip("\n") for line in f]
    compiled, skipped = [], 0
    for source in sources:
        try:
            compiled.append(re.compile(source, re.IGNORECASE))
        except re.error:
            skipped += 1
    start = time.perf_counter()
    hits = 0
    for text in turns:
        for pattern in compiled:
            if pattern.search(text):
                hits += 1
    elapsed = time.perf_counter() - start
    print(f"turns_per_second {len(turns) / elapsed:.1f}")
    print(f"skipped {skipped}")
    print(f"hits {hits}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
