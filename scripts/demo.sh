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
echo "== kefu score: Chinese sample transcripts with conduct.zh"
"$kefu" score --rubric conduct.zh --input Samples/conduct.zh.jsonl
echo
echo "== kefu score: English sample transcripts with conduct.en"
"$kefu" score --rubric conduct.en --input Samples/conduct.en.jsonl
echo
echo "== kefu score: WeChat transcripts with reply times, wechat.zh (JSON Lines, first result)"
"$kefu" score --rubric wechat.zh --input Samples/wechat.zh.jsonl --format jsonl | head -n 1
echo
echo "== kefu coverage: which policy clauses the content cites"
"$kefu" coverage | head -n 1
