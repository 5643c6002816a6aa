#!/usr/bin/env bash
# Installs whatever is missing to build and test shelfrank on a fresh Debian
# machine. Idempotent: each step checks first. Called by `npm start` and `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  say "installing Debian chromium + chromium-driver (browser tests)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
fi

WASM_PACK_VERSION=0.15.1
if ! wasm-pack --version 2>/dev/null | grep -q "$WASM_PACK_VERSION"; then
  say "installing wasm-pack $WASM_PACK_VERSION from crates.io (~3 min)"
  cargo install --locked wasm-pack --version "$WASM_PACK_VERSION"
fi

# wasm-bindgen-cli must equal the wasm-bindgen version in Cargo.lock exactly,
# or wasm-pack would try to download one (which fails on a closed network).
WBG_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WBG_VERSION"; then
  say "installing wasm-bindgen-cli $WBG_VERSION from crates.io (~3 min)"
  cargo install wasm-bindgen-cli --version "$WBG_VERSION" --force
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi

# The Spark training path (scripts/test-spark.sh) needs Java 17 and pyspark.
# Optional: when either cannot be installed, that one test says it is skipped
# and why, and everything else still runs.
if ! java -version >/dev/null 2>&1; then
  say "installing Debian openjdk-17-jre-headless (Spark path)"
  { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq openjdk-17-jre-headless >/dev/null; } ||
    say "could not install Java; the Spark path test will be skipped"
fi
if command -v python3 >/dev/null 2>&1 &&
  ! python3 -c 'import pyspark, numpy, sys; sys.exit(pyspark.__version__ != "4.3.0")' 2>/dev/null; then
  say "installing pyspark 4.3.0 and numpy 2.4.6 from PyPI (~1.5 min, ~520 MB; Spark path)"
  python3 -m pip install --quiet pyspark==4.3.0 numpy==2.4.6 ||
    say "could not install pyspark; the Spark path test will be skipped"
fi
