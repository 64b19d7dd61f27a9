#!/usr/bin/env bash
# Quick start, command 2: the whole test suite (CI runs exactly this through .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "== code health: formatting (.swift-format) and function length (≤ 80 lines in Sources/)"
bash scripts/format.sh --check
python3 scripts/long-functions.py Sources
echo "== build and test"
swift build --build-tests
swift test --skip-build
