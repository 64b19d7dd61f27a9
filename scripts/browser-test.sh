#!/usr/bin/env bash
# End-to-end browser tests of the web app (issue 15): headless Chromium from Debian driven by Selenium from PyPI.
# Installs what is missing (chromium, chromium-driver with apt; Selenium into the private venv .build/python), seeds a
# throwaway database with the kefu CLI, starts `kefu serve` on a free port, runs Tests/browser/ against it and stops
# the server at exit. Screenshots (zh and en) go to .build/browser-artifacts/. Exit status non-zero on any failure.
# Usage (from anywhere; needs the built binary .build/debug/kefu): bash scripts/browser-test.sh [test name filter…]
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
kefu="$PWD/.build/debug/kefu"
if [ ! -x "$kefu" ]; then
    echo "browser-test: $kefu is missing; build it first (swift build --product kefu)" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

echo "== browser tests: Debian's chromium, chromium-driver and a CJK font; Selenium in .build/python"
missing=()
# fonts-wqy-zenhei: without a CJK font the Chinese screenshots show empty boxes.
for pkg in chromium chromium-driver fonts-wqy-zenhei; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "browser-test: installing ${missing[*]} (a minute or two the first time)" >&2
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export KEFU_CHROMIUM="${KEFU_CHROMIUM:-/usr/bin/chromium}"
export KEFU_CHROMEDRIVER="${KEFU_CHROMEDRIVER:-/usr/bin/chromedriver}"
for binary in "$KEFU_CHROMIUM" "$KEFU_CHROMEDRIVER"; do
    [ -x "$binary" ] || { echo "browser-test: $binary is missing after installing chromium" >&2; exit 1; }
done
# A private virtual environment under .build, so nothing is installed into the system's Python (like scripts/test.sh).
if [ ! -x .build/python/bin/python3 ] && ! python3 -m venv .build/python; then
    # Debian's own python3 keeps venv in a separate package.
    $SUDO apt-get install -y -qq python3-venv >/dev/null
    rm -rf .build/python && python3 -m venv .build/python
fi
python=.build/python/bin/python3
if ! "$python" -c 'import selenium, sys; sys.exit(0 if int(selenium.__version__.split(".")[0]) >= 4 else 1)' 2>/dev/null; then
    PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 "$python" -m pip install --quiet 'selenium>=4.11'
fi
# Selenium is given the driver's path, so Selenium Manager has nothing to download; make sure it never tries.
export SE_OFFLINE=true

echo "== a throwaway database with the sample team, passwords and one certification"
work=$(mktemp -d)
server_pid=""
stop_server() {
    status=$?
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$server_pid" 2>/dev/null; then
            echo "browser-test: kefu serve did not stop within 10 s of SIGTERM; killing it" >&2
            kill -KILL "$server_pid" 2>/dev/null || true
            status=1
        else
            server_status=0
            wait "$server_pid" 2>/dev/null || server_status=$?
            if [ "$server_status" -ne 0 ]; then
                echo "browser-test: kefu serve exited with status $server_status after SIGTERM (expected 0)" >&2
                status=1
            else
                echo "browser-test: kefu serve stopped gracefully on SIGTERM"
            fi
        fi
    fi
    if [ "$status" -ne 0 ] && [ -s "$work/server.err" ]; then
        echo "-- last lines of the server's log:" >&2
        tail -n 15 "$work/server.err" >&2 || true
    fi
    rm -rf "$work"
    echo "browser-test: $( [ "$status" -eq 0 ] && echo PASSED || echo FAILED ) in $(( $(date +%s) - started )) s"
    exit "$status"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# The seed (people, passwords, evidence for each role's flow), shared with scripts/web-pages-bench.sh.
# shellcheck source=scripts/web-seed.sh
source scripts/web-seed.sh

echo "== kefu serve on a free port"
"$kefu" serve --host 127.0.0.1 --port 0 --root . >"$work/server.out" 2>"$work/server.err" </dev/null &
server_pid=$!
base=""
for _ in $(seq 1 300); do
    base=$(sed -n -E 's#.*listening on (http://127\.0\.0\.1:[0-9]+).*#\1#p' "$work/server.out" | sed -n 1,1p)
    [ -n "$base" ] && break
    kill -0 "$server_pid" 2>/dev/null || { echo "browser-test: kefu serve exited early" >&2; cat "$work/server.err" >&2; exit 1; }
    sleep 0.1
done
[ -n "$base" ] || { echo "browser-test: kefu serve printed no 'listening on' line within 30 s" >&2; exit 1; }
healthy=""
for _ in $(seq 1 100); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz" || true)" = 200 ]; then healthy=1; break; fi
    sleep 0.1
done
[ -n "$healthy" ] || { echo "browser-test: GET $base/healthz did not answer 200" >&2; exit 1; }
echo "kefu serve: $base (pid $server_pid)"

echo "== Tests/browser against $base (artifacts in .build/browser-artifacts/)"
artifacts="$PWD/.build/browser-artifacts"
rm -rf "$artifacts" && mkdir -p "$artifacts"
export KEFU_BASE_URL="$base" KEFU_ARTIFACTS="$artifacts"
"$python" Tests/browser/run.py "$@" </dev/null
