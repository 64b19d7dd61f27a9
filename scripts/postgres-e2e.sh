#!/usr/bin/env bash
# PostgreSQL end to end (issue 17), run by scripts/test.sh inside scripts/with-postgres.sh (KEFU_TEST_POSTGRES set):
#  1. the whole demo (people, scenarios, exams, mentoring, ledger with checkpoints and credentials, audit log, QA,
#     calibration, reviews, promotion checks, the web app) on an empty PostgreSQL schema, as on SQLite;
#  2. the demo on SQLite, then `kefu db copy` of that file into another empty schema: counts and checksums, then the
#     ledger and the audit log verified on PostgreSQL; and every read command prints the same on both databases;
#  3. a second copy into the now full schema is refused and changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KEFU_TEST_POSTGRES:?run me through scripts/with-postgres.sh}"
kefu=${KEFU_DEMO_BIN:-.build/debug/kefu}
export KEFU_DEMO_BIN="$kefu"
sep() { case "$KEFU_TEST_POSTGRES" in *\?*) echo "&";; *) echo "?";; esac; }
demo_pg="$KEFU_TEST_POSTGRES$(sep)schema=e2e_demo"
copy_pg="$KEFU_TEST_POSTGRES$(sep)schema=e2e_copy"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== 1. the demo on PostgreSQL"
KEFU_DEMO_DB="$demo_pg" bash scripts/demo.sh > "$work/demo-pg.log" 2>&1 || { tail -n 30 "$work/demo-pg.log"; exit 1; }
grep -E "^ledger|verified|stopped gracefully" "$work/demo-pg.log" | tail -n 4

echo "== 2. the demo on SQLite, copied into PostgreSQL"
mkdir -p "$work/sqlite"
KEFU_DEMO_KEEP="$work/sqlite" bash scripts/demo.sh > "$work/demo-sqlite.log" 2>&1 || { tail -n 30 "$work/demo-sqlite.log"; exit 1; }
export KEFU_KEY_DIR="$work/sqlite/keys"
"$kefu" db copy --from "$work/sqlite/kefu.sqlite" --to "$copy_pg" | tail -n 3
for command in "people list" "ledger list" "ledger verify" "audit verify" "exam results E001" "exam results E003" \
    "transcript list" "mentor list" "qa disputes" "qa audit" "qa calibrate cal-2026-11" \
    "qa report --period 2026-11 --rubric conduct.zh --by agent" "review report --person E001" "promote check E004" \
    "qa show qa-2026-11-006"; do
    # shellcheck disable=SC2086
    a=$("$kefu" $command --db "$work/sqlite/kefu.sqlite" 2>&1 || true)
    # shellcheck disable=SC2086
    b=$("$kefu" $command --db "$copy_pg" 2>&1 || true)
    if [ "$a" != "$b" ]; then
        echo "kefu $command differs between SQLite and the PostgreSQL copy:"
        diff <(echo "$a") <(echo "$b") | head -n 20
        exit 1
    fi
    echo "   same on both: kefu $command ($(echo "$a" | wc -l) lines)"
done

echo "== 3. a second copy into the full schema is refused, and nothing changes"
before=$("$kefu" ledger list --db "$copy_pg" | wc -l)
if "$kefu" db copy --from "$work/sqlite/kefu.sqlite" --to "$copy_pg" > "$work/again.log" 2>&1; then
    echo "a copy into a non-empty database succeeded"; exit 1
fi
grep -q "copy into an empty database only" "$work/again.log" || { cat "$work/again.log"; exit 1; }
[ "$before" = "$("$kefu" ledger list --db "$copy_pg" | wc -l)" ] || { echo "the refused copy changed the ledger"; exit 1; }
echo "   refused: $(tail -n 1 "$work/again.log")"
echo "PostgreSQL end to end: ok"
