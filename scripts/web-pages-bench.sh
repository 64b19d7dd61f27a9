#!/usr/bin/env bash
# Page timings of the web app for every role (issue 16): seeds a throwaway database as the browser tests do
# (scripts/web-seed.sh), starts `kefu serve`, and runs scripts/web-pages-bench.py against it: each page of each role's
# area fetched REQUESTS times, p50/p95/max per page, then the CSV and XLSX exports.
# Usage: bash scripts/web-pages-bench.sh [KEFU_BINARY (default: the release build)] [REQUESTS (default 50)]
#   swift build -c release --product kefu --scratch-path .build-release && bash scripts/web-pages-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
kefu="${1:-$PWD/.build-release/release/kefu}"
requests="${2:-50}"
[ -x "$kefu" ] || { echo "web-pages-bench: $kefu is missing; build it first" >&2; exit 1; }
work=$(mktemp -d)
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
echo "== seeding a throwaway database ($kefu)"
# shellcheck source=scripts/web-seed.sh
source scripts/web-seed.sh >/dev/null
"$kefu" serve --host 127.0.0.1 --port 0 --root . >"$work/server.out" 2>"$work/server.err" </dev/null &
server_pid=$!
base=""
for _ in $(seq 1 300); do
    base=$(sed -n -E 's#.*listening on (http://127\.0\.0\.1:[0-9]+).*#\1#p' "$work/server.out" | sed -n 1,1p)
    [ -n "$base" ] && break
    sleep 0.1
done
[ -n "$base" ] || { echo "web-pages-bench: kefu serve did not start" >&2; cat "$work/server.err" >&2; exit 1; }
echo "== $base, $requests requests a page, one at a time"
python3 scripts/web-pages-bench.py "$base" "$requests"
