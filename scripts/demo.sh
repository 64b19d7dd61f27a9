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
"$kefu" coverage | head -n 1

# Storage and the certification ledger, on a fresh embedded SQLite database.
demo=$(mktemp -d)
export KEFU_DB="$demo/kefu.sqlite"
echo
echo "== kefu people import: the sample team ($KEFU_DB)"
"$kefu" people import Samples/people.csv
echo
echo "== kefu certify before any evidence: every requirement is explained"
"$kefu" certify E001 onboarding || true
echo
echo "== recording evidence (exam and scenario runners will write these), then certifying"
"$kefu" evidence attempt --person E001 --kind exam --reference onboarding-theory --score 86 --result pass
"$kefu" evidence attempt --person E001 --kind scenario --reference p2p-withdrawal-delay --score 90 --result pass
"$kefu" evidence attempt --person E001 --kind scenario --reference express-damaged-parcel --score 84 --result pass
"$kefu" evidence signoff --person E001 --mentor M001 --certification onboarding --note "独立处理投诉，话术规范"
"$kefu" certify E001 onboarding
echo
echo "== kefu ledger: checkpoint kept outside the database, verification, credential"
"$kefu" ledger checkpoint --output "$demo/checkpoint.txt" >/dev/null
cat "$demo/checkpoint.txt"
"$kefu" ledger verify --checkpoint "$demo/checkpoint.txt"
"$kefu" ledger credential 1 --output "$demo/onboarding-E001.jws"
"$kefu" ledger verify-credential "$demo/onboarding-E001.jws"
rm -rf "$demo"
