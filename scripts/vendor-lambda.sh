#!/usr/bin/env bash
# Vendors the two-region-dr example's Lambda dependencies (pure Python, no compiled code) into
# examples/two-region-dr/lambda/vendor/, from examples/two-region-dr/lambda/requirements.txt
# (exact versions, wheels only, SHA-256-checked), for Lambda's python3.12 whatever Python runs this.
# health.py puts vendor/ on its import path, so zipping the lambda/ folder as it is (Terraform's
# archive_file with source_dir) gives a package that runs on AWS as written.
#
#   scripts/vendor-lambda.sh           (re)write lambda/vendor/
#   scripts/vendor-lambda.sh --check   fail unless lambda/vendor/ is exactly what the pins give
#
# Needs pip (the project's .venv when it exists, else python3 -m pip) and PyPI.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR="$ROOT/examples/two-region-dr/lambda"
REQ="$DIR/requirements.txt"
OUT="$DIR/vendor"
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || PY=python3
# Lambda's runtime for the example's functions (scramp 1.5 needs 3.11 or newer).
LAMBDA_PYTHON=3.12

die() { echo "vendor-lambda: error: $*" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

"$PY" -m pip install --quiet --disable-pip-version-check --no-cache-dir --no-compile --no-deps \
  --only-binary=:all: --require-hashes --python-version "$LAMBDA_PYTHON" --implementation py \
  --target "$TMP/vendor" -r "$REQ" \
  || die "pip could not install $REQ (is PyPI reachable?)"
# Nothing executable or machine-specific belongs in the package.
rm -rf "$TMP/vendor/bin"
find "$TMP/vendor" -name '__pycache__' -prune -exec rm -rf {} +
find "$TMP/vendor" -name '*.so' | grep -q . && die "a vendored package has compiled code: Lambda needs a wheel for its platform"

case "${1:-}" in
  --check)
    [ -d "$OUT" ] || die "${OUT#$ROOT/} is missing: run scripts/vendor-lambda.sh"
    diff -r -x __pycache__ "$TMP/vendor" "$OUT" >/dev/null \
      || die "${OUT#$ROOT/} differs from ${REQ#$ROOT/}: run scripts/vendor-lambda.sh"
    echo "vendor-lambda: ${OUT#$ROOT/} matches ${REQ#$ROOT/}" >&2
    ;;
  "")
    rm -rf "$OUT"
    mv "$TMP/vendor" "$OUT"
    echo "vendor-lambda: wrote ${OUT#$ROOT/} ($(du -sh "$OUT" | cut -f1)) from ${REQ#$ROOT/}" >&2
    ;;
  *) die "usage: scripts/vendor-lambda.sh [--check]" ;;
esac
