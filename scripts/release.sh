#!/usr/bin/env bash
# make release: registry-shaped archives for this machine's OS and architecture in dist/:
#   terraform-provider-trdr_VERSION_OS_ARCH.zip, terraform-provider-trdr_VERSION_SHA256SUMS and
#   terraform-provider-trdr_VERSION_manifest.json. Sign the SHA256SUMS file with the release key
#   (terraform-provider-trdr_VERSION_SHA256SUMS.sig) before publishing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
OS=$(uname -s | tr A-Z a-z)
ARCH=$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')
NAME="terraform-provider-trdr_${VERSION}"
cargo build --release
rm -rf dist && mkdir -p dist
cp target/release/terraform-provider-trdr "dist/terraform-provider-trdr_v${VERSION}"
python3 - "$NAME" "$OS" "$ARCH" "$VERSION" <<'PY'
import sys, zipfile, os
name, os_, arch, version = sys.argv[1:]
binary = f"dist/terraform-provider-trdr_v{version}"
with zipfile.ZipFile(f"dist/{name}_{os_}_{arch}.zip", "w", zipfile.ZIP_DEFLATED) as z:
    info = zipfile.ZipInfo.from_file(binary, os.path.basename(binary))
    info.external_attr = 0o755 << 16
    with open(binary, "rb") as f:
        z.writestr(info, f.read(), zipfile.ZIP_DEFLATED)
PY
rm "dist/terraform-provider-trdr_v${VERSION}"
cp terraform-registry-manifest.json "dist/${NAME}_manifest.json"
(cd dist && sha256sum "${NAME}_${OS}_${ARCH}.zip" "${NAME}_manifest.json" > "${NAME}_SHA256SUMS")
ls -l dist
