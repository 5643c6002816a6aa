#!/usr/bin/env bash
# shelfrank's ALS against `implicit` (PyPI) on the evaluation data sets: same
# train/test files, factors, iterations, α, λ, event weights, half-life, CG
# steps and threads. Benchmark, not a test.
#
#   scripts/eval_all.sh           # first: leaves target/eval/<data set>/{train,test}.csv
#   bench/implicit_compare.sh     # then: one table per data set, JSON in target/bench/
#
# Installs implicit with pip when it is missing (needs PyPI). REPEAT=3 trains
# each library three times and keeps the best time.
set -euo pipefail
cd "$(dirname "$0")/.."

EVAL=${EVAL:-target/eval}
OUT=${OUT:-target/bench}
REPEAT=${REPEAT:-3}
. scripts/eval_settings.sh  # the evaluation's training settings

if ! python3 -c 'import implicit, scipy, threadpoolctl' 2>/dev/null; then
  pip3 install --quiet 'implicit==0.7.3' threadpoolctl
fi
if [ -z "${SR:-}" ]; then
  cargo build --release -q -p shelfrank-trainer
  SR=target/release/shelfrank
fi
mkdir -p "$OUT"

for name in ${DATASETS:-yoochoose diginetica rees46-cosmetics rees46-multicategory}; do
  dir="$EVAL/$name"
  if [ ! -f "$dir/train.csv" ]; then
    echo "implicit_compare: $dir/train.csv is missing: run scripts/eval_all.sh first" >&2
    continue
  fi
  python3 bench/implicit_compare.py --name "$name" --shelfrank "$SR" \
    --train "$dir/train.csv" --test "$dir/test.csv" \
    --factors "$FACTORS" --iterations "$ITERATIONS" --alpha "$ALPHA" --regularization "$LAMBDA" \
    --event-weights "$EVENT_WEIGHTS" --half-life "$HALF_LIFE" --threads "$THREADS" \
    --repeat "$REPEAT" --json "$OUT/implicit-$name.json"
  echo
done | tee "$OUT/implicit_compare.md"
