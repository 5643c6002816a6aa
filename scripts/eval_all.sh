#!/usr/bin/env bash
# Reproduces the results table in docs/EVALUATION.md: converts and splits
# the public data sets in ../shared/data, trains a shelfrank model on each
# training split, and evaluates it next to most-popular, item co-occurrence
# and V-SKNN with the session-based next-item protocol.
#
#   scripts/eval_all.sh            # test splits (the published table)
#   MODE=valid scripts/eval_all.sh # validation splits carved from train (for tuning)
#
# Output: $OUT/<data set>/{train,test}.csv, model.shelf, report/ (report.md,
# report.json, SVG charts), $OUT/results.md (Recall@20 / MRR@20) and
# $OUT/results-detail.md (every metric at 20). Nothing is written to the
# repository itself. SR=path/to/shelfrank skips the cargo build.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-../shared/data}
OUT=${OUT:-target/eval}
MODE=${MODE:-test}
# Hyper-parameters (THREADS, FACTORS, ITERATIONS, ALPHA, LAMBDA, EVENT_WEIGHTS, HALF_LIFE).
. scripts/eval_settings.sh
BLEND_BETA=${BLEND_BETA:-1}
BLEND_WINDOW=${BLEND_WINDOW:-1}

if [ ! -d "$DATA" ]; then
  echo "eval_all: $DATA is absent; nothing to evaluate (the data sets are not part of the repository)."
  echo "eval_all: put the shared data next to the repository (or set DATA=...) to reproduce docs/EVALUATION.md."
  exit 0
fi
case "$MODE" in test|valid) ;; *) echo "eval_all: MODE must be test or valid" >&2; exit 2 ;; esac

# SR=path/to/shelfrank uses a binary you built already (no cargo build).
if [ -z "${SR:-}" ]; then
  cargo build --release -q -p shelfrank-trainer
  SR=target/release/shelfrank
fi
mkdir -p "$OUT"
say() { printf '\033[1meval_all:\033[0m %s\n' "$*" >&2; }

# prepare NAME: leaves $OUT/NAME/{train,test}.csv (and catalog.csv) for MODE.
prepare() {
  local name=$1 dir="$OUT/$1"
  mkdir -p "$dir"
  case "$name" in
    yoochoose)
      local y="$DATA/yoochoose-sample/yoochoose-clicks-100k"
      if [ "$MODE" = test ]; then
        $SR convert -q --format yoochoose --input "${y}_train_full.txt" --out "$dir/train.csv" >/dev/null
        $SR convert -q --format yoochoose --input "${y}_test.txt" --out "$dir/test.csv" >/dev/null
      else
        $SR convert -q --format yoochoose --input "${y}_train_tr.txt" --out "$dir/train.csv" >/dev/null
        $SR convert -q --format yoochoose --input "${y}_train_valid.txt" --out "$dir/test.csv" >/dev/null
      fi ;;
    diginetica)
      local g="$DATA/diginetica-sample"
      $SR convert -q --format diginetica --input "$g/sample_train-item-views.csv" \
        --categories "$g/product-categories.csv" --out "$dir/all.csv" --catalog-out "$dir/catalog.csv" >/dev/null
      # Time split as in SR-GNN: the last 14 days are the test set (7 days leave too few sessions in this sample).
      $SR split -q --events "$dir/all.csv" --test-last 14d --train-out "$dir/train.csv" --test-out "$dir/test.csv" >/dev/null
      if [ "$MODE" = valid ]; then
        mv "$dir/train.csv" "$dir/full_train.csv"
        $SR split -q --events "$dir/full_train.csv" --test-last 14d --train-out "$dir/train.csv" --test-out "$dir/test.csv" >/dev/null
      fi ;;
    rees46-cosmetics)
      local c="$DATA/rees46-cosmetics"
      if [ "$MODE" = test ]; then
        # Train on October and November, test on December.
        $SR convert -q --format rees46 --input "$c/2019-Oct.csv" "$c/2019-Nov.csv" --out "$dir/train.csv" --catalog-out "$dir/catalog.csv" >/dev/null
        $SR convert -q --format rees46 --input "$c/2019-Dec.csv" --out "$dir/test.csv" >/dev/null
      else
        $SR convert -q --format rees46 --input "$c/2019-Oct.csv" --out "$dir/train.csv" --catalog-out "$dir/catalog.csv" >/dev/null
        $SR convert -q --format rees46 --input "$c/2019-Nov.csv" --out "$dir/test.csv" >/dev/null
      fi ;;
    rees46-multicategory)
      local m="$DATA/rees46-multicategory/2019-Oct-head.csv"
      $SR convert -q --format rees46 --input "$m" --out "$dir/all.csv" --catalog-out "$dir/catalog.csv" >/dev/null
      # The slice covers 00:00–02:50 UTC: most events fall in 02:10–02:50, so sessions ending in the last 10 minutes are the test set.
      $SR split -q --events "$dir/all.csv" --test-last 10m --train-out "$dir/train.csv" --test-out "$dir/test.csv" >/dev/null
      if [ "$MODE" = valid ]; then
        mv "$dir/train.csv" "$dir/full_train.csv"
        $SR split -q --events "$dir/full_train.csv" --test-last 10m --train-out "$dir/train.csv" --test-out "$dir/test.csv" >/dev/null
      fi ;;
  esac
}

reports=()
for name in yoochoose diginetica rees46-cosmetics rees46-multicategory; do
  say "$name ($MODE split)"
  prepare "$name"
  dir="$OUT/$name"
  catalog=()
  [ -f "$dir/catalog.csv" ] && catalog=(--catalog "$dir/catalog.csv")
  $SR train -q --events "$dir/train.csv" "${catalog[@]}" --out "$dir/model.shelf" \
    --factors "$FACTORS" --iterations "$ITERATIONS" --alpha "$ALPHA" --regularization "$LAMBDA" --event-weights "$EVENT_WEIGHTS" \
    --half-life "$HALF_LIFE" --seed 42 --threads "$THREADS" \
    --eval-on "$dir/test.csv" --k 10,20 --blend-beta "$BLEND_BETA" --blend-window "$BLEND_WINDOW" \
    --report "$dir/report" | tee "$dir/summary.txt"
  reports+=("$name=$dir/report")
done

$SR summarize --k 20 "${reports[@]}" | tee "$OUT/results.md"
# Every metric at K=20, one table per data set (docs/EVALUATION.md's full table).
if command -v python3 >/dev/null; then
  python3 - "$OUT" "${reports[@]}" > "$OUT/results-detail.md" <<'PY'
import json, sys
print("| data set | method | Recall@20 | MRR@20 | NDCG@20 | coverage@20 | popular share@20 |")
print("|---|---|---:|---:|---:|---:|---:|")
for entry in sys.argv[2:]:
    name, d = entry.split("=", 1)
    ev = json.load(open(f"{d}/report.json"))["evaluation"]
    for m in ev["methods"]:
        a = next(x for x in m["at"] if x["k"] == 20)
        print(f"| {name} | {m['name']} | {a['recall']:.4f} | {a['mrr']:.4f} | {a['ndcg']:.4f} "
              f"| {a['coverage']:.1%} | {a['popular_share']:.1%} |")
PY
fi
say "per-data-set reports: $OUT/*/report/report.md; table: $OUT/results.md"
