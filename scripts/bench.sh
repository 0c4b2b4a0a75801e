#!/usr/bin/env bash
# make bench: release build, a fresh sandbox, scripts/bench.py, bench/RESULTS.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/prereqs.sh
scripts/sandbox.sh bootstrap
cargo build --release --bins --workspace
scripts/sandbox.sh run .venv/bin/python scripts/bench.py
