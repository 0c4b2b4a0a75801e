#!/usr/bin/env bash
# Checks the system prerequisites; everything else is bootstrapped into the project.
set -euo pipefail
missing=0
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "prerequisite missing: $1 — $2" >&2
    missing=1
  fi
}
need cargo "install the Rust toolchain (https://rustup.rs), 1.80 or newer"
need terraform "install Terraform 1.11 or newer (see README.md, Supported versions) and put it on PATH"
need python3 "install Python 3.10+ with venv (Debian: apt-get install python3 python3-venv)"
need cc "install a C compiler (Debian: apt-get install build-essential)"
[ $missing -eq 0 ] || exit 1
