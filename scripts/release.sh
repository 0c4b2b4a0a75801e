#!/usr/bin/env bash
# make release: what the Terraform Registry (or a private registry / network mirror) takes, in dist/:
#   terraform-provider-trdr_VERSION_linux_amd64.zip     built for x86_64-unknown-linux-gnu
#   terraform-provider-trdr_VERSION_linux_arm64.zip     cross-compiled for aarch64-unknown-linux-gnu
#   terraform-provider-trdr_VERSION_manifest.json       protocol version 6.0
#   terraform-provider-trdr_VERSION_SHA256SUMS          of all of the above
#   terraform-provider-trdr_VERSION_SHA256SUMS.sig      binary detached GPG signature of the sums
#
# The signing key comes from the environment: TRDR_GPG_KEY (a key id or fingerprint in the
# keyring, GNUPGHOME honoured). Without it the release is built but not signed, and the script
# says so and fails: an unsigned release cannot be published.
#
# Only Linux is built: darwin and windows need their SDKs and linkers, which no package registry
# reachable here provides; build those on their own platforms with the same naming.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
die() { echo "release: error: $*" >&2; exit 1; }

VERSION=$("$ROOT/scripts/version.sh")
NAME="terraform-provider-trdr_${VERSION}"
# registry platform → Rust target, cross linker
TARGETS=(
  "linux_amd64 x86_64-unknown-linux-gnu"
  "linux_arm64 aarch64-unknown-linux-gnu aarch64-linux-gnu-gcc"
)

command -v gpg >/dev/null || die "gpg is required to sign SHA256SUMS (Debian: apt-get install gnupg)."
[ "$(uname -m)" = x86_64 ] || die "release builds run on an x86-64 Linux host (linux_arm64 is cross-compiled from it)."
command -v aarch64-linux-gnu-gcc >/dev/null \
  || die "the linux_arm64 build needs the aarch64 cross toolchain (Debian: apt-get install gcc-aarch64-linux-gnu)."
if ! rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu; then
  echo "release: adding the Rust target aarch64-unknown-linux-gnu" >&2
  rustup target add aarch64-unknown-linux-gnu || die "rustup could not add aarch64-unknown-linux-gnu."
fi

HOST=$(rustc -vV | sed -n 's/^host: //p')
rm -rf dist && mkdir -p dist
for t in "${TARGETS[@]}"; do
  read -r platform triple linker <<<"$t"
  echo "release: building $platform ($triple)" >&2
  env_vars=()
  if [ -n "${linker:-}" ]; then
    upper=$(echo "$triple" | tr a-z- A-Z_)
    env_vars=("CARGO_TARGET_${upper}_LINKER=$linker" "CC_${triple//-/_}=$linker" "AR_${triple//-/_}=${linker%-gcc}-ar")
  fi
  if [ "$triple" = "$HOST" ]; then
    # The host's own build: the same target/release as make build, install and bench.
    cargo build --release --locked --bin terraform-provider-trdr
    out=target/release/terraform-provider-trdr
  else
    env "${env_vars[@]}" cargo build --release --locked --bin terraform-provider-trdr --target "$triple"
    out="target/$triple/release/terraform-provider-trdr"
  fi
  python3 scripts/package.py "$out" \
    "dist/${NAME}_${platform}.zip" "terraform-provider-trdr_v${VERSION}"
done
cp terraform-registry-manifest.json "dist/${NAME}_manifest.json"
(cd dist && sha256sum "${NAME}"_linux_*.zip "${NAME}_manifest.json" > "${NAME}_SHA256SUMS")

if [ -z "${TRDR_GPG_KEY:-}" ]; then
  ls -l dist
  die "built but not signed: set TRDR_GPG_KEY to the release key's id or fingerprint (see docs/guides/releasing.md)."
fi
gpg --batch --yes --local-user "$TRDR_GPG_KEY" --detach-sign --output "dist/${NAME}_SHA256SUMS.sig" "dist/${NAME}_SHA256SUMS"
gpg --batch --verify "dist/${NAME}_SHA256SUMS.sig" "dist/${NAME}_SHA256SUMS" 2>&1 | sed 's/^/release: /' >&2
ls -l dist
