#!/usr/bin/env bash
# Records trdr's checksums in a workspace's .terraform.lock.hcl from a filesystem mirror made by
# scripts/install.sh (or make release), for every platform the mirror holds an archive of, so the
# next `terraform init` installs from the mirror without "Incomplete lock file information".
#
#   scripts/lock.sh WORKSPACE [MIRROR]     run with the CLI configuration that names MIRROR
set -euo pipefail
WS=${1:?usage: scripts/lock.sh WORKSPACE [MIRROR]}
MIRROR=${2:-$HOME/.terraform.d/plugins}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=$("$ROOT/scripts/version.sh")
platforms=()
for zip in "$MIRROR/registry.terraform.io/trdr-dev/trdr/terraform-provider-trdr_${VERSION}"_*.zip; do
  [ -e "$zip" ] || continue
  p=$(basename "$zip" .zip)
  platforms+=("-platform=${p#"terraform-provider-trdr_${VERSION}_"}")
done
[ ${#platforms[@]} -gt 0 ] || { echo "lock: no trdr archive in $MIRROR (run scripts/install.sh)" >&2; exit 1; }
cd "$WS"
# providers lock reads the whole configuration, modules included.
terraform get -no-color >/dev/null
terraform providers lock -no-color -fs-mirror="$MIRROR" "${platforms[@]}" >/dev/null
