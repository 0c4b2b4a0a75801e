#!/usr/bin/env bash
# The security gate of `make test`: checkov (pinned, from PyPI, in the project's own virtualenv
# .venv-scan) scans every example under examples/ and fails on any finding that is neither fixed
# nor accepted, with a reason, in examples/security-exceptions.txt (format and rules:
# scripts/security_gate.py). A stale exception (one that matches no finding) fails too.
#
#   scripts/security-scan.sh             bootstrap, unit-test the gate, scan, gate
#   scripts/security-scan.sh bootstrap   install checkov into .venv-scan only (idempotent)
#
# checkov's report: target/security-scan/results_json.json (its console output: checkov.log beside).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/.venv-scan"
CHECKOV_VERSION=3.3.30
EXAMPLES="$ROOT/examples"
EXCEPTIONS="$EXAMPLES/security-exceptions.txt"
OUT="$ROOT/target/security-scan"

die() { echo "security-scan: error: $*" >&2; exit 2; }

installed() {
  [ -x "$VENV/bin/checkov" ] && "$VENV/bin/python" -c \
    "import importlib.metadata as m, sys; sys.exit(m.version('checkov') != '$CHECKOV_VERSION')" 2>/dev/null
}

bootstrap() {
  installed && return
  command -v python3 >/dev/null || die "python3 (3.10 or newer) is required: install it (Debian: apt-get install python3 python3-venv)."
  # A virtualenv whose interpreter no longer runs (python3 moved or upgraded) is made anew.
  if [ -d "$VENV" ] && ! "$VENV/bin/python" -c '' 2>/dev/null; then
    rm -rf "$VENV"
  fi
  echo "security-scan: installing checkov==$CHECKOV_VERSION into .venv-scan (about a minute)" >&2
  python3 -m venv "$VENV" || die "could not create a virtualenv: install python3-venv (Debian: apt-get install python3-venv)."
  local log="$VENV/pip-install.log"
  if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "pip could not install checkov==$CHECKOV_VERSION into .venv-scan (log above, whole in ${log#$ROOT/}): is PyPI reachable (network, proxy, PIP_INDEX_URL)?"
  fi
  installed || die "checkov==$CHECKOV_VERSION did not install into .venv-scan (see ${log#$ROOT/})."
}

scan() {
  bootstrap
  # The gate's own logic first: an unlisted finding and a stale exception must turn it red.
  local tests
  tests=$("$VENV/bin/python" "$ROOT/scripts/test_security_gate.py" 2>&1) \
    || { echo "$tests" >&2; die "the gate's unit tests (scripts/test_security_gate.py) failed."; }
  [ -f "$EXCEPTIONS" ] || die "${EXCEPTIONS#$ROOT/} is missing (it may be empty of lines, not absent)."

  rm -rf "$OUT"
  mkdir -p "$OUT"
  # Offline: no Prisma Cloud download (--skip-download), no update check, no module download.
  # checkov exits 1 when a check failed: the gate judges that, anything else is checkov failing.
  local rc=0
  (cd "$ROOT" && CKV_SKIP_PACKAGE_UPDATE_CHECK=true BC_SKIP_MAPPING=true \
    "$VENV/bin/checkov" --directory examples --framework terraform \
      --download-external-modules false --skip-download --quiet \
      --output json --output-file-path target/security-scan) >"$OUT/checkov.log" 2>&1 || rc=$?
  if [ "$rc" -gt 1 ] || [ ! -s "$OUT/results_json.json" ]; then
    tail -n 30 "$OUT/checkov.log" >&2
    die "checkov failed (exit $rc; log above, whole in ${OUT#$ROOT/}/checkov.log)."
  fi
  "$VENV/bin/python" "$ROOT/scripts/security_gate.py" --root "$ROOT" "$OUT/results_json.json" "$EXCEPTIONS"
}

case "${1:-scan}" in
  scan) [ $# -le 1 ] || die "usage: scripts/security-scan.sh [bootstrap]"; mkdir -p "$ROOT/target"; scan ;;
  bootstrap) bootstrap ;;
  *) die "usage: scripts/security-scan.sh [bootstrap]" ;;
esac
