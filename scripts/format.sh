#!/bin/sh
# Formats the Swift sources with swift-format and the checked-in .swift-format.
#
#   scripts/format.sh            rewrite Sources/, Tests/ and Package.swift in place
#   scripts/format.sh --check    lint only (strict: any finding fails), for CI
#   scripts/format.sh [--check] FILE...   only these files
set -eu
cd "$(dirname "$0")/.."
mode=format
if [ "${1:-}" = "--check" ]; then
    mode=check
    shift
fi
if [ "$#" -eq 0 ]; then
    set -- Sources Tests Package.swift
fi
if [ "$mode" = check ]; then
    exec swift format lint --strict --recursive --parallel --configuration .swift-format "$@"
else
    exec swift format format --in-place --recursive --parallel --configuration .swift-format "$@"
fi
