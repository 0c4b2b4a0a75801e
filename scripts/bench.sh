#!/usr/bin/env bash
# make bench: release build, a fresh sandbox, scripts/bench.py, bench/RESULTS.md, and last the cost of
# the last whole `make test` (scripts/suite-cost.py, from target/suite/times.json). Every section of
# RESULTS.md states the date it was measured. BENCH_ONLY=MODE measures one section and rewrites only
# it: startup (start-up, memory, binary size: one apply), refresh, apply-calls, scaling, query,
# automatic, outage-plan (see BENCH_ONLY_MODES in scripts/bench.py).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/prereqs.sh
scripts/sandbox.sh bootstrap
cargo build --release --bins --workspace
scripts/sandbox.sh run .venv/bin/python scripts/bench.py
if [ -n "${BENCH_ONLY:-}" ]; then
  echo "bench: BENCH_ONLY=$BENCH_ONLY: the section on what the suite costs is left as it was" >&2
elif [ -f target/suite/times.json ]; then
  python3 scripts/suite-cost.py
else
  echo "bench: no record of a whole make test here (target/suite/times.json): the section on what the suite costs is left as it was" >&2
fi
