#!/usr/bin/env bash
# Short fuzzing run of every cargo-fuzz target (`npm run fuzz`).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default: 60 s, all targets
# Needs a nightly toolchain (rustup toolchain install nightly) and cargo-fuzz
# (installed from crates.io when missing). The committed seeds in
# fuzz/seeds/<target> start each run; new inputs go to fuzz/corpus/<target>
# (git-ignored); a crash is saved in fuzz/artifacts/<target> and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-${FUZZ_SECONDS:-60}}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(load_model engine_ops)

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz: cargo-fuzz needs a nightly Rust toolchain: rustup toolchain install nightly --profile minimal" >&2
  exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz from crates.io (~1 min)"
  cargo install --locked cargo-fuzz
fi

passed=0
failed=0
for target in "${TARGETS[@]}"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  cp -n "fuzz/seeds/$target"/* "$corpus"/ 2>/dev/null || true
  log=$(mktemp)
  printf '\n\033[1m== fuzz %s for %ss ==\033[0m\n' "$target" "$SECONDS_PER_TARGET"
  if (cd fuzz && cargo +nightly fuzz run "$target" "corpus/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1) >"$log" 2>&1; then
    runs=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
    execs=$(grep -Eo '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    echo "fuzz $target: ok, $execs executions in ${SECONDS_PER_TARGET}s (${runs:-no summary line}), corpus $(ls "$corpus" | wc -l) inputs"
    passed=$((passed + 1))
  else
    grep -E "panicked at|^(SUMMARY|==[0-9]+==ERROR)" -A2 "$log" | head -n 20 || true
    grep -E "^stat::number_of_executed_units" "$log" || true
    echo "fuzz $target: FAILED; the crashing input is in fuzz/artifacts/$target/ (reproduce: cd fuzz && cargo +nightly fuzz run $target ARTIFACT)"
    failed=$((failed + 1))
  fi
  rm -f "$log"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
