#!/usr/bin/env bash
# scripts/state-fixtures.sh NAME [PROVIDER_DIR COMMIT]: writes tests/fixtures/state/NAME — the
# state a provider writes for the whole topology after a real apply against the sandbox, the
# configuration that produced it and fixture.json (which provider, commit and source tree,
# Terraform version, schema versions). Without PROVIDER_DIR this build writes it, from a
# committed source tree (so the fixture names the commit it came from); with PROVIDER_DIR the
# binary there does, built from COMMIT (an earlier release's fixture). The acceptance test
# upgrade:: then plans over every fixture with the current build.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
die() { echo "state-fixtures: $*" >&2; exit 1; }
[ $# -eq 1 ] || [ $# -eq 3 ] || die "usage: scripts/state-fixtures.sh NAME [PROVIDER_DIR COMMIT]"
name=$1
if [ $# -eq 3 ]; then
  commit=$(git rev-parse --verify "$3^{commit}") || die "no commit $3"
  [ -x "$2/terraform-provider-trdr" ] || die "no terraform-provider-trdr in $2"
  export TRDR_FIXTURE_PROVIDER_DIR=$(cd "$2" && pwd)
else
  git diff --quiet HEAD -- src vendor Cargo.toml Cargo.lock build.rs \
    || die "src/, vendor/ or Cargo.* differ from HEAD: commit first, so the fixture names its source"
  commit=$(git rev-parse HEAD)
fi
export TRDR_WRITE_STATE_FIXTURE=$name TRDR_FIXTURE_COMMIT=$commit
TRDR_FIXTURE_SRC_TREE=$(git rev-parse "$commit:src")
TRDR_FIXTURE_VERSION=$(git show "$commit:Cargo.toml" | sed -n 's/^version = "\(.*\)"/\1/p' | head -1)
# An earlier commit that no release tag names is a development build of that version.
if [ $# -eq 3 ] && ! git tag --points-at "$commit" | grep -qx "v$TRDR_FIXTURE_VERSION"; then
  TRDR_FIXTURE_VERSION="$TRDR_FIXTURE_VERSION-dev+$(git rev-parse --short=7 "$commit")"
fi
export TRDR_FIXTURE_SRC_TREE TRDR_FIXTURE_VERSION
scripts/sandbox.sh bootstrap
scripts/sandbox.sh run cargo test --test acceptance -- --exact \
  upgrade::state_written_by_each_release_plans_no_change_under_this_build --nocapture
echo "state-fixtures: wrote tests/fixtures/state/$name (provider $TRDR_FIXTURE_VERSION, $commit)"
