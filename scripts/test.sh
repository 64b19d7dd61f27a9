#!/usr/bin/env bash
# Quick start, command 2: the whole test suite (CI runs exactly this through .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "== code health: formatting (.swift-format) and function length (≤ 80 lines in Sources/)"
bash scripts/format.sh --check
python3 scripts/long-functions.py Sources
echo "== build and test (SQLite, and PostgreSQL in a throwaway cluster: scripts/with-postgres.sh)"
swift build --build-tests
bash scripts/with-postgres.sh swift test --skip-build
echo "== PostgreSQL end to end: the demo on PostgreSQL; a SQLite database copied over with kefu db copy and compared"
swift build --product kefu 2>&1 | tail -n 1
bash scripts/with-postgres.sh bash scripts/postgres-e2e.sh
echo "== two kefu serve processes on one PostgreSQL, 500 candidates, one server killed mid-write (scripts/two-servers.py)"
# shellcheck disable=SC2016
bash scripts/with-postgres.sh bash -c 'python3 scripts/two-servers.py --kefu .build/debug/kefu \
    --appender .build/debug/kefu --db "$KEFU_TEST_POSTGRES" --candidates 500 --seconds 12 --again 4'
echo "== credentials verified by outsiders: PyJWT and joserfc (Tests/python/test_credentials.py)"
# A private virtual environment under .build, so nothing is installed into the system's Python.
if [ ! -x .build/python/bin/python3 ] && ! python3 -m venv .build/python; then
    # Debian's own python3 keeps venv in a separate package.
    SUDO=""; if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
    rm -rf .build/python && python3 -m venv .build/python
fi
PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 .build/python/bin/python3 -m pip install --quiet pyjwt joserfc cryptography
.build/python/bin/python3 Tests/python/test_credentials.py .build/debug/kefu
echo "== the web app in a real browser: headless Chromium from Debian driven by Selenium (scripts/browser-test.sh)"
bash scripts/browser-test.sh
