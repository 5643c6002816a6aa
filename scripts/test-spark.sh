#!/usr/bin/env bash
# Proof of the Spark training path (issue 7), run by `npm test` when Java and
# pyspark are present (skipped with the reason otherwise):
#
#   1. examples/spark/train_als.py in local mode on the committed fixture
#      (examples/spark/fixtures: 8,000 REES46 events split by time into
#      train.csv / test.csv, and catalog.csv);
#   2. shelfrank import-spark → spark.shelf; `shelfrank inspect` must accept it
#      and a Rust check (trainer/tests/import_spark.rs, ignored by default)
#      finds every catalogue item in it and only finite factors, prior,
#      Gramian and recommendation scores;
#   3. shelfrank train (native) with the same factors and iterations, and
#      shelfrank eval of both models on test.csv: Spark's Recall@20 must be
#      within TOLERANCE (absolute) of the native one.
#
# Takes about 30-40 s on two idle cores (mostly Spark's start-up).
set -euo pipefail
cd "$(dirname "$0")/.."

FACTORS=${SPARK_TEST_FACTORS:-32}
ITERATIONS=${SPARK_TEST_ITERATIONS:-10}
TOLERANCE=${SPARK_TEST_TOLERANCE:-0.05}
FIX=$PWD/examples/spark/fixtures

skip() {
  printf 'spark path: skipped (%s)\n' "$*"
  exit 0
}
command -v java >/dev/null 2>&1 || skip "no java on PATH; install Debian's openjdk-17-jre-headless"
java -version >/dev/null 2>&1 || skip "java -version fails"
command -v python3 >/dev/null 2>&1 || skip "no python3"
python3 -c 'import pyspark, numpy' 2>/dev/null ||
  skip "python3 cannot import pyspark and numpy; pip install pyspark numpy (see scripts/setup.sh)"

start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/shelfrank-spark.XXXXXX")
trap 'rm -rf "$work"' EXIT

cargo build -q -p shelfrank-trainer --bin shelfrank
bin=target/debug/shelfrank

echo "== Spark ALS (local[2]) on $FIX/train.csv: $FACTORS factors, $ITERATIONS iterations"
python3 examples/spark/train_als.py --events "$FIX/train.csv" --out "$work/factors" \
  --master 'local[2]' --blocks 2 --rank "$FACTORS" --max-iter "$ITERATIONS" \
  > "$work/spark.log" 2>&1 || {
  tail -40 "$work/spark.log"
  echo "spark path: FAILED (the Spark job)"
  exit 1
}
grep -E '^trained' "$work/spark.log" || true
echo "   (Spark job: $(($(date +%s) - start))s since the start of this script)"

echo "== import-spark"
"$bin" import-spark --factors "$work/factors" --catalog "$FIX/catalog.csv" --out "$work/spark.shelf"
"$bin" inspect "$work/spark.shelf" --items 3 > "$work/inspect.txt"
head -4 "$work/inspect.txt"

echo "== every catalogue item present, everything finite"
if ! SPARK_MODEL="$work/spark.shelf" SPARK_CATALOG="$FIX/catalog.csv" \
  cargo test -q -p shelfrank-trainer --test import_spark -- --ignored --exact spark_model_is_complete \
  --nocapture > "$work/check.log" 2>&1; then
  tail -30 "$work/check.log"
  echo "spark path: FAILED (model check)"
  exit 1
fi
grep -E 'finite scores' "$work/check.log"

echo "== native trainer, same factors and iterations"
"$bin" train -q --events "$FIX/train.csv" --catalog "$FIX/catalog.csv" --out "$work/native.shelf" \
  --factors "$FACTORS" --iterations "$ITERATIONS" | sed -n '1,3p'

recall() { # model report-dir → Recall@20 of the engine
  "$bin" eval -q --model "$1" --test "$FIX/test.csv" --k 20 --report "$2" >/dev/null
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["evaluation"]; m=[m for m in r["methods"] if m["name"]=="shelfrank"][0]; print([a for a in m["at"] if a["k"]==20][0]["recall"])' "$2/report.json"
}
spark_r=$(recall "$work/spark.shelf" "$work/spark-report")
native_r=$(recall "$work/native.shelf" "$work/native-report")
secs=$(($(date +%s) - start))
python3 - "$spark_r" "$native_r" "$TOLERANCE" "$secs" <<'EOF'
import sys
s, n, tol, secs = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
ok = abs(s - n) <= tol
print(f"Recall@20 on the fixture test.csv: Spark {s:.4f}, native {n:.4f}, "
      f"difference {s - n:+.4f} (tolerance ±{tol}) in {secs}s")
print("spark: 1 passed, 0 failed" if ok else "spark: 0 passed, 1 failed")
sys.exit(0 if ok else 1)
EOF
