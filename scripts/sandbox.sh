#!/usr/bin/env bash
# The local AWS sandbox: MiniStack (pinned) in the project's own virtualenv, with trdr's realistic
# layer (the package tests/sandbox/, one module per AWS service: AWS's rules and timings, time
# scaled by TRDR_SANDBOX_TIME_SCALE, default 0.01; tests/sandbox/README.md) installed in its
# process by tests/sandbox/launch.py, listening on a free loopback port only.
#
#   scripts/sandbox.sh bootstrap        install MiniStack into .venv (idempotent)
#   scripts/sandbox.sh run CMD [ARG..]  start a sandbox, run CMD with TRDR_ENDPOINT_URL set, stop it
#   scripts/sandbox.sh serve            start one in the foreground for manual use; Ctrl-C stops it
#   scripts/sandbox.sh start            start one in the background; its endpoint and pid go to
#                                       target/sandbox/current.env
#   scripts/sandbox.sh stop             stop the one `start` started
#
# `run` logs every AWS call the sandbox serves (tests/sandbox/calllog.py) to
# target/sandbox-calls/PID.jsonl, which `cargo test --test permissions` checks against the
# documented IAM policies (examples/permissions/); set TRDR_SANDBOX_CALL_LOG to a file to log
# there instead, or to the empty string to log nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/.venv"
MINISTACK_VERSION=1.5.33
# MiniStack decodes the AWS SDK's smithy-rpc-v2-cbor requests (CloudWatch) with cbor2, an optional
# dependency it does not install itself.
CBOR2_VERSION=6.3.0
# tests/examples/ (the two-region-dr example's Lambda code): boto3 as the Lambda runtime has it,
# and the PostgreSQL driver the health function vendors.
BOTO3_VERSION=1.43.106
PG8000_VERSION=1.31.6

die() { echo "sandbox: error: $*" >&2; exit 1; }

bootstrap() {
  command -v python3 >/dev/null || die "python3 (3.10 or newer) is required: install it (Debian: apt-get install python3 python3-venv)."
  if [ -x "$VENV/bin/ministack" ] && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('ministack') != '$MINISTACK_VERSION' or m.version('cbor2') != '$CBOR2_VERSION' or m.version('boto3') != '$BOTO3_VERSION' or m.version('pg8000') != '$PG8000_VERSION')" 2>/dev/null; then
    return
  fi
  echo "sandbox: installing ministack==$MINISTACK_VERSION, cbor2==$CBOR2_VERSION, boto3==$BOTO3_VERSION and pg8000==$PG8000_VERSION into .venv" >&2
  python3 -m venv "$VENV" || die "could not create a virtualenv: install python3-venv (Debian: apt-get install python3-venv)."
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "ministack==$MINISTACK_VERSION" "cbor2==$CBOR2_VERSION" \
    "boto3==$BOTO3_VERSION" "pg8000==$PG8000_VERSION" \
    || die "pip could not install ministack==$MINISTACK_VERSION, cbor2==$CBOR2_VERSION, boto3==$BOTO3_VERSION and pg8000==$PG8000_VERSION (is PyPI reachable?)."
}

free_port() {
  "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

PID=""
start() {
  bootstrap
  PORT=${TRDR_SANDBOX_PORT:-$(free_port)}
  mkdir -p "$ROOT/target/sandbox"
  LOG="$ROOT/target/sandbox/ministack-$PORT.log"
  DATA=$(mktemp -d "$ROOT/target/sandbox/data-$PORT.XXXX")
  # Its own session, so stopping it stops everything it started.
  BIND_HOST=127.0.0.1 MINISTACK_HOST=127.0.0.1 GATEWAY_PORT="$PORT" S3_DATA_DIR="$DATA" TMPDIR="$DATA" \
    LOG_LEVEL=WARNING setsid "$VENV/bin/python" "$ROOT/tests/sandbox/launch.py" >"$LOG" 2>&1 < /dev/null &
  PID=$!
  trap stop EXIT INT TERM
  export TRDR_ENDPOINT_URL="http://127.0.0.1:$PORT"
  # The provider paces its waits by AWS's typical durations: it plays them at the sandbox's time
  # scale too (honoured for a loopback endpoint only).
  export TRDR_AWS_TIME_SCALE="${TRDR_SANDBOX_TIME_SCALE:-0.01}"
  for _ in $(seq 1 150); do
    if "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('$TRDR_ENDPOINT_URL/_ministack/health', timeout=1)" 2>/dev/null; then
      echo "sandbox: MiniStack $MINISTACK_VERSION (realistic layer, time scale ${TRDR_SANDBOX_TIME_SCALE:-0.01}) ready at $TRDR_ENDPOINT_URL (log: ${LOG#$ROOT/})" >&2
      return
    fi
    kill -0 "$PID" 2>/dev/null || { cat "$LOG" >&2; die "MiniStack exited during start-up (log above)."; }
    sleep 0.2
  done
  die "MiniStack did not answer on $TRDR_ENDPOINT_URL within 30 s (log: $LOG)."
}

stop() {
  trap - EXIT INT TERM
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM -- "-$PID" 2>/dev/null || kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    echo "sandbox: stopped" >&2
  fi
  [ -n "${DATA:-}" ] && rm -rf "$DATA"
  PID=""
}

CURRENT="$ROOT/target/sandbox/current.env"

case "${1:-}" in
  bootstrap) bootstrap ;;
  start)
    start
    trap - EXIT INT TERM
    printf 'export TRDR_ENDPOINT_URL=%s TRDR_AWS_TIME_SCALE=%s\nSANDBOX_PID=%s\nSANDBOX_DATA=%s\n' "$TRDR_ENDPOINT_URL" "$TRDR_AWS_TIME_SCALE" "$PID" "$DATA" > "$CURRENT"
    ;;
  stop)
    [ -f "$CURRENT" ] || { echo "sandbox: none started with 'start'" >&2; exit 0; }
    # shellcheck disable=SC1090
    . "$CURRENT"
    PID=$SANDBOX_PID DATA=$SANDBOX_DATA
    if kill -0 "$PID" 2>/dev/null; then
      kill -TERM -- "-$PID" 2>/dev/null || kill -TERM "$PID" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$PID" 2>/dev/null || true
      echo "sandbox: stopped" >&2
    fi
    rm -rf "$DATA" "$CURRENT"
    ;;
  run)
    shift
    [ $# -gt 0 ] || die "usage: scripts/sandbox.sh run CMD [ARG...]"
    if [ -z "${TRDR_SANDBOX_CALL_LOG+set}" ]; then
      mkdir -p "$ROOT/target/sandbox-calls"
      export TRDR_SANDBOX_CALL_LOG="$ROOT/target/sandbox-calls/$$.jsonl"
    fi
    start
    export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
    set +e
    "$@"
    rc=$?
    set -e
    stop
    exit $rc
    ;;
  serve)
    start
    cat >&2 <<MSG
sandbox: endpoint $TRDR_ENDPOINT_URL — in another shell:
  export TRDR_ENDPOINT_URL=$TRDR_ENDPOINT_URL TRDR_AWS_TIME_SCALE=$TRDR_AWS_TIME_SCALE AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
Ctrl-C stops the sandbox.
MSG
    wait "$PID"
    ;;
  *) die "usage: scripts/sandbox.sh bootstrap | run CMD [ARG...] | serve | start | stop" ;;
esac
