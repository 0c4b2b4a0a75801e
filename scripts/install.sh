#!/usr/bin/env bash
# Installs a built provider into a filesystem mirror in the registry's packed layout
# (registry.terraform.io/trdr-dev/trdr/terraform-provider-trdr_VERSION_OS_ARCH.zip), the shape
# `terraform providers lock -fs-mirror` reads, so a workspace's lock file gets the package's
# checksums and `terraform init` has nothing to warn about.
#
#   scripts/install.sh BINARY [MIRROR]     MIRROR defaults to ~/.terraform.d/plugins
#
# Then, in a workspace: terraform get && terraform providers lock -fs-mirror=MIRROR -platform=...
# (scripts/lock.sh does it for every platform the mirror has).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:?usage: scripts/install.sh BINARY [MIRROR]}
MIRROR=${2:-$HOME/.terraform.d/plugins}
VERSION=$("$ROOT/scripts/version.sh")
OS_ARCH="$(uname -s | tr A-Z a-z)_$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')"
DIR="$MIRROR/registry.terraform.io/trdr-dev/trdr"
mkdir -p "$DIR"
# An unpacked copy of the same version (older installs) would be a second source of it.
rm -rf "${DIR:?}/$VERSION/$OS_ARCH"
rmdir "$DIR/$VERSION" 2>/dev/null || true
python3 "$ROOT/scripts/package.py" "$BIN" "$DIR/terraform-provider-trdr_${VERSION}_${OS_ARCH}.zip" "terraform-provider-trdr_v$VERSION"
echo "installed trdr-dev/trdr $VERSION ($OS_ARCH) into $MIRROR"
