#!/usr/bin/env bash
# Every test of shelfrank: `npm test`. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

bash scripts/setup.sh

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -q -- -D warnings
cargo clippy --target wasm32-unknown-unknown --lib -q -- -D warnings

step "native tests (engine and trainer)"
cargo test --workspace -q

step "build the npm package"
npm run build

step "wasm tests in headless Chromium"
# The long-session test tracks a million events; the runner's default timeout is 20 s.
WASM_BINDGEN_TEST_TIMEOUT=300 wasm-pack test --mode no-install --headless --chrome -- --test browser --test browser_hostile --test long_session

step "package types"
npx tsc -p tests/js/tsconfig.json

step "JavaScript tests in headless Chromium"
node --test tests/js/

step "Spark training path (skipped without Java and pyspark)"
bash scripts/test-spark.sh

step "demo storefront end to end (trains the demo model, webpack, headless Chromium)"
node --test tests/e2e/

printf '\n\033[1mall tests passed\033[0m\n'
