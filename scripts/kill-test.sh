#!/usr/bin/env bash
# Kill tests (issue 20): `kill -9` the kefu process at random moments and check that nothing committed is lost and
# nothing is half-written.
#
#   bash scripts/kill-test.sh [ROUNDS]     (default 34 rounds of each, 102 kills; needs sqlite3 for the counts)
#   bash scripts/with-postgres.sh bash scripts/kill-test.sh [ROUNDS] --postgres    (the same on PostgreSQL; psql)
#
# Per round:
# - QA import of a 6,000-interaction file, killed at a random moment: its interactions are all there or none are.
# - Ledger appends (the debug-only `ledger stress-append`, 3,000 entries in one transaction), killed at a random
#   moment: the ledger (chain, signatures, columns) and the audit log verify.
# - An exam taken from a pipe (`exam take --answers -`), one answer line every 0.05 s, killed at a random moment:
#   every answer whose line was written at least 0.5 s before the kill is stored.
# Prints a line per round and a summary; exit 1 on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-34}
backend=sqlite
if [ "${2:-}" = "--postgres" ]; then backend=postgres; fi
if [ "$backend" = sqlite ]; then
    command -v sqlite3 >/dev/null || { echo "kill-test: sqlite3 is needed for the counts (apt-get install sqlite3)" >&2; exit 2; }
fi
if [ -n "${KEFU_BIN:-}" ]; then kefu="$KEFU_BIN"; else
    swift build --product kefu 2>&1 | tail -n 1
    kefu="$PWD/.build/debug/kefu"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KEFU_DB="$work/kefu.sqlite" KEFU_KEY_DIR="$work/keys" KEFU_ROOT="$PWD"
unset KEFU_KEY
if [ "$backend" = postgres ]; then
    export KEFU_DB="${KEFU_TEST_POSTGRES:?run through scripts/with-postgres.sh}"
    sql() { psql "$KEFU_DB" -tAqc "$1"; }
    # PostgreSQL's import and appends take longer (a server between), so the kill windows cover their end too.
    import_window="0.05 12" append_window="0.05 3"
else
    sql() { sqlite3 "$KEFU_DB" "$1"; }
    import_window="0.05 3.5" append_window="0.05 2.0"
fi
"$kefu" people import Samples/people.csv >/dev/null
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pause() { python3 -c "import random, time; time.sleep(random.uniform($1, $2))"; }

# A large QA file: the samples repeated with round-specific ids.
make_batch() {
    python3 - "$1" > "$work/batch-$1.jsonl" <<'EOF'
import json, sys
tag = sys.argv[1]
base = [json.loads(l) for l in open("Samples/qa/interactions.jsonl", encoding="utf-8") if l.strip()]
for i in range(6000):
    item = dict(base[i % len(base)])
    item["id"] = f"k{tag}-{i}"
    print(json.dumps(item, ensure_ascii=False))
EOF
}

for round in $(seq 1 "$rounds"); do
    # QA import: all or nothing.
    make_batch "$round"
    "$kefu" qa import "$work/batch-$round.jsonl" --batch "kill-$round" >/dev/null 2>&1 &
    pid=$!
    # shellcheck disable=SC2086
    pause $import_window
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    stored=$(sql "SELECT COUNT(*) FROM qa_interaction WHERE id LIKE 'k$round-%'")
    if [ "$stored" != 0 ] && [ "$stored" != 6000 ]; then fail "round $round: QA import left $stored of 6000"; fi

    # Ledger appends: the ledger and the audit log verify after the kill.
    "$kefu" ledger stress-append --count 3000 --person E001 >/dev/null 2>&1 &
    pid=$!
    # shellcheck disable=SC2086
    pause $append_window
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    "$kefu" ledger verify >/dev/null 2>&1 || fail "round $round: the ledger does not verify after a kill"
    "$kefu" audit verify >/dev/null 2>&1 || fail "round $round: the audit log does not verify after a kill"
    entries=$(sql "SELECT COUNT(*) FROM ledger_entry")
    if [ $((entries % 3000)) != 0 ]; then fail "round $round: the ledger holds $entries entries, not a multiple of 3000"; fi

    # Exam answers from a pipe: every line written well before the kill is stored.
    person=E00$(((round % 4) + 1))
    "$kefu" exam fix-seed "$person" onboarding-theory 7 >/dev/null
    fifo="$work/answers-$round"
    mkfifo "$fifo"
    "$kefu" exam take onboarding-theory --as "$person" --lang zh --answers - < "$fifo" >/dev/null 2>&1 &
    pid=$!
    exec 3>"$fifo"
    limit=$(python3 -c "import random; print(random.randint(10, 70))")
    written=0
    while IFS= read -r line && [ "$written" -lt "$limit" ]; do
        printf '%s\n' "$line" >&3
        written=$((written + 1))
        sleep 0.05
    done < Samples/exams/onboarding-theory.zh.model.jsonl
    sleep 0.5
    kill -9 "$pid" 2>/dev/null || true
    exec 3>&-
    wait "$pid" 2>/dev/null || true
    attempt=$(sql "SELECT MAX(id) FROM exam_attempt WHERE person_id = '$person'")
    saved=$(sql "SELECT COUNT(*) FROM exam_response WHERE attempt_id = ${attempt:-0} AND response IS NOT NULL")
    sql "SELECT paper FROM exam_attempt WHERE id = ${attempt:-0}" > "$work/paper.json"
    # Lines for questions not on the drawn paper are not answers; count the ones that are.
    given=$(python3 - "$work/paper.json" "$written" <<'EOF'
import json, sys
paper, written = open(sys.argv[1], encoding="utf-8").read().strip(), int(sys.argv[2])
ids = {item["question"]["id"] for item in json.loads(paper)["items"]} if paper else set()
raw = open("Samples/exams/onboarding-theory.zh.model.jsonl", encoding="utf-8").read().split("\n")[:written]
lines = [json.loads(l) for l in raw if l.strip() and not l.lstrip().startswith("#")]
print(len({l["id"] for l in lines if l["id"] in ids and l.get("answer") is not None}))
EOF
)
    if [ "$saved" -lt "$given" ]; then fail "round $round: $given answers given, $saved stored"; fi
    # The attempt stays open: the next round of the same person continues it (take resumes an open attempt).
    echo "round $round: QA import kept $stored/6000 · ledger $entries entries, verifies · exam $saved stored of $given given"
done
"$kefu" ledger verify | tail -n 1
"$kefu" audit verify | tail -n 1
if [ "$failures" -gt 0 ]; then
    echo "kill-test: $failures failure(s) in $rounds rounds"
    exit 1
fi
echo "kill-test ($backend): $rounds rounds of each, 0 answers lost, 0 half-written imports, ledger and audit log verify"
