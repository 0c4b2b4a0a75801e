#!/usr/bin/env bash
# The provider's version, from Cargo.toml's [package]: the one place the scripts read it from.
set -euo pipefail
sed -n 's/^version = "\(.*\)"/\1/p' "$(cd "$(dirname "$0")/.." && pwd)/Cargo.toml" | head -1
