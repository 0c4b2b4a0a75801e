#!/usr/bin/env bash
# make demo: build and install the provider, start the sandbox, apply examples/sandbox, run a
# drill, a failover through the generated runbook and a failback, print a summary, clean up.
#   KEEP=1           keep the topology and the sandbox running afterwards
#   DEMO_PROFILE     release (default) or debug (reuses the test build)
#   TRDR_PLUGIN_MIRROR  where to install the provider (default ~/.terraform.d/plugins)
#   DEMO_PROVIDER_BIN   an already built provider binary to use instead of building (tests)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PROFILE=${DEMO_PROFILE:-release}
KEEP=${KEEP:-0}
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

scripts/prereqs.sh

if [ -n "${DEMO_PROVIDER_BIN:-}" ]; then
  BIN=$DEMO_PROVIDER_BIN
  step "Using the provider built at $BIN"
else
  step "Building terraform-provider-trdr ($PROFILE)"
  if [ "$PROFILE" = release ]; then cargo build --release; else cargo build; fi
  BIN="$ROOT/target/$PROFILE/terraform-provider-trdr"
fi

MIRROR=${TRDR_PLUGIN_MIRROR:-$HOME/.terraform.d/plugins}
step "Installing trdr-dev/trdr into $MIRROR"
scripts/install.sh "$BIN" "$MIRROR"

step "Starting the sandbox"
scripts/sandbox.sh start
# shellcheck disable=SC1091
. target/sandbox/current.env

WORK="$ROOT/target/demo/work"
rm -rf "$WORK" && mkdir -p "$WORK"
cp -r examples/sandbox examples/modules "$WORK/"
cat > "$ROOT/target/demo/cli.tfrc" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/trdr-dev/trdr"]
  }
  direct {
    exclude = ["registry.terraform.io/trdr-dev/trdr"]
  }
}
CFG
export TF_CLI_CONFIG_FILE="$ROOT/target/demo/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
# The package's checksums into the lock file, as a registry install records them: `terraform init`
# then installs from the mirror without "Incomplete lock file information".
scripts/lock.sh "$WORK/sandbox" "$MIRROR"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1

rc=0
.venv/bin/python scripts/demo.py --workdir "$WORK/sandbox" --keep "$KEEP" || rc=$?
if [ "$KEEP" = 1 ] && [ $rc -eq 0 ]; then
  cat <<MSG

The topology and the sandbox are still running. To look around:
  export TF_CLI_CONFIG_FILE=$TF_CLI_CONFIG_FILE TRDR_ENDPOINT_URL=$TRDR_ENDPOINT_URL AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  cd $WORK/sandbox && terraform state list && terraform output
When done: (cd $WORK/sandbox && terraform destroy -auto-approve) && scripts/sandbox.sh stop
MSG
else
  scripts/sandbox.sh stop
fi
exit $rc
