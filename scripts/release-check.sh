#!/usr/bin/env bash
# make release-check: a release as a maintainer makes it, signed with a throwaway key, then checked
# as Terraform and the registry check it: the signature verifies against SHA256SUMS, the sums match
# the files, each archive holds one executable named as the registry expects, and the linux_arm64
# binary is an aarch64 ELF.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
die() { echo "release-check: FAILED: $*" >&2; exit 1; }

# The release's own state fixture was written by this source (scripts/state-fixtures.sh), so
# the upgrade test of every later release plans over what this one really stores.
VERSION=$("$ROOT/scripts/version.sh")
FIXTURE="tests/fixtures/state/$VERSION/fixture.json"
[ -f "$FIXTURE" ] || die "no state fixture for $VERSION: run scripts/state-fixtures.sh $VERSION"
git diff --quiet HEAD -- src || die "src/ differs from HEAD: a release is made from a commit"
WROTE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["written_by"]["src_tree"])' "$FIXTURE")
[ "$WROTE" = "$(git rev-parse HEAD:src)" ] \
  || die "$FIXTURE was written from src tree $WROTE, this commit's is $(git rev-parse HEAD:src): run scripts/state-fixtures.sh $VERSION again"
echo "release-check: state fixture $FIXTURE written by this source"

GNUPGHOME=$(mktemp -d)
export GNUPGHOME
trap 'rm -rf "$GNUPGHOME"' EXIT
# RSA, as the Terraform Registry accepts; no passphrase, expires tomorrow.
gpg --batch --quiet --passphrase '' --quick-gen-key "trdr release check <release-check@trdr.invalid>" rsa3072 sign 1d
KEY=$(gpg --batch --with-colons --list-secret-keys | awk -F: '/^fpr:/ {print $10; exit}')
TRDR_GPG_KEY=$KEY scripts/release.sh

NAME="terraform-provider-trdr_${VERSION}"
cd dist
gpg --batch --verify "${NAME}_SHA256SUMS.sig" "${NAME}_SHA256SUMS" 2>/dev/null || die "gpg --verify rejects the signature"
sha256sum --quiet -c "${NAME}_SHA256SUMS" || die "SHA256SUMS does not match the files"
for platform in linux_amd64 linux_arm64; do
  [ -f "${NAME}_${platform}.zip" ] || die "no ${NAME}_${platform}.zip"
done
[ -f "${NAME}_manifest.json" ] || die "no manifest"
python3 - "$NAME" "$VERSION" <<'PY' || die "an archive is not as the registry expects"
import sys, zipfile, struct
name, version = sys.argv[1:]
want_machine = {"linux_amd64": 62, "linux_arm64": 183}  # EM_X86_64, EM_AARCH64
for platform, machine in want_machine.items():
    with zipfile.ZipFile(f"{name}_{platform}.zip") as z:
        names = z.namelist()
        assert names == [f"terraform-provider-trdr_v{version}"], names
        info = z.getinfo(names[0])
        assert (info.external_attr >> 16) & 0o111, "not executable"
        head = z.read(names[0])[:20]
    assert head[:4] == b"\x7fELF", f"{platform}: not an ELF"
    got = struct.unpack("<H", head[18:20])[0]
    assert got == machine, f"{platform}: ELF machine {got}, want {machine}"
    print(f"release-check: {platform}: ELF for machine {got} ({'aarch64' if got == 183 else 'x86-64'})")
PY
echo "release-check: ok — $(ls | tr '\n' ' ')"
