#!/usr/bin/env bash
# Quick start, command 1: Kefu's main job on the embedded default.
# Builds kefu, lints all content, scores the bundled sample transcripts with the bundled rubrics,
# and prints readable reports.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "== building kefu"
swift build --product kefu 2>&1 | tail -n 1
kefu=".build/debug/kefu"
echo
echo "== kefu lint: every rubric, rule example and policy citation"
"$kefu" lint
echo
echo "== kefu score: Chinese sample transcripts with conduct.zh (full report)"
"$kefu" score --rubric conduct.zh --input Samples/conduct.zh.jsonl
echo
echo "== kefu score: every other sample file with its rubric (one line per interaction)"
for file in Samples/*.jsonl; do
    rubric=$(basename "$file" .jsonl)
    [ "$rubric" = conduct.zh ] && continue
    echo "-- $rubric"
    "$kefu" score --rubric "$rubric" --input "$file" --format summary
done
echo
echo "== kefu score --format jsonl: the machine-readable result of one WeChat transcript"
"$kefu" score --rubric wechat.zh --input Samples/wechat.zh.jsonl --format jsonl | tail -n 1 | cut -c1-400
echo "…"
echo
echo "== kefu coverage: which policy clauses the content cites"
"$kefu" coverage
