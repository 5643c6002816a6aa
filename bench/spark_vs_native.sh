#!/usr/bin/env bash
# Benchmark (not a test): Spark MLlib ALS in local[2] (examples/spark/train_als.py
# + shelfrank import-spark) against the native trainer (shelfrank train
# --threads 2), same factors, iterations, α, event weights and half-life:
# wall time and Recall@20 of `shelfrank eval` side by side.
#
#   bash bench/spark_vs_native.sh                 # real data sets from ../shared/data
#   bash bench/spark_vs_native.sh --synthetic 10000000   # plus a synthetic log
#   bash bench/spark_vs_native.sh --only-synthetic 1000000
#
# Data sets: YOOCHOOSE sample (its published time split), Taobao UserBehavior
# head (the largest log here, 110k events; sessions from user_id and a 30-min
# gap; test = sessions ending in the last 20 minutes), and a synthetic log from
# bench/gen_events.py (test = sessions ending in the last day of 30). Results
# go to target/bench/spark/results-*.md (a Markdown table) and are printed.
#
# Peak memory: native = max RSS of the trainer; Spark = the driver JVM's peak
# RSS (all of Spark in local mode; the heap may grow to --driver-memory).
# Wall times include everything each path does: native = read CSV + ALS +
# write; Spark = JVM start + read + prepare + StringIndexer + ALS + write JSON,
# then import-spark (reported separately, plus Spark's ALS-only time).
set -euo pipefail
cd "$(dirname "$0")/.."

FACTORS=${FACTORS:-64}
ITERATIONS=${ITERATIONS:-15}
EVAL_SESSIONS=${EVAL_SESSIONS:-5000}
DRIVER_MEMORY=${DRIVER_MEMORY:-10g}
SHARED=${SHARED:-../shared/data}
OUT=target/bench/spark
SYNTH=0
REAL=1
while [ $# -gt 0 ]; do
  case "$1" in
    --synthetic) SYNTH=$2; shift 2 ;;
    --only-synthetic) SYNTH=$2; REAL=0; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

command -v java >/dev/null && python3 -c 'import pyspark, numpy' 2>/dev/null || {
  echo "needs java and python3 with pyspark and numpy (pip install pyspark numpy)" >&2
  exit 1
}
# Spark's ALS finds a native BLAS/LAPACK through libblas.so.3/liblapack.so.3
# (Debian: libopenblas0-pthread) and otherwise falls back to Java code; the
# table records which it used.
ldconfig -p 2>/dev/null | grep -q 'liblapack\.so\.3' ||
  echo "note: no liblapack.so.3 here, Spark's ALS will use its Java fallback (apt-get install libopenblas0-pthread)" >&2
mkdir -p "$OUT"
cargo build -q --release -p shelfrank-trainer --bin shelfrank
bin=target/release/shelfrank
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }
recall() { # model test → Recall@20
  local r="$OUT/report-$$"
  "$bin" eval -q --threads 2 --model "$1" --test "$2" --k 20 --max-sessions "$EVAL_SESSIONS" --report "$r" >/dev/null
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["evaluation"]; m=[m for m in r["methods"] if m["name"]=="shelfrank"][0]; print("%.4f" % [a for a in m["at"] if a["k"]==20][0]["recall"])' "$r/report.json"
  rm -rf "$r"
}

prefix=""
[ "$REAL" = 1 ] && prefix=real-
results="$OUT/results-${prefix}synthetic-$SYNTH.md"
{
  echo "Spark local[2] vs native, $FACTORS factors, $ITERATIONS iterations, $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine inflates wall times; CPU = user+sys of the process tree)"
  echo
  echo "| data set | train events | sessions × items | native wall (CPU) | Spark wall (CPU) | Spark ALS only | Spark's BLAS / LAPACK | peak memory native / Spark | import-spark | Recall@20 native | Recall@20 Spark |"
  echo "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"
} > "$results"

run() { # name train test [catalog]
  local name=$1 train=$2 test=$3 catalog=${4:-}
  local cat_args=()
  [ -n "$catalog" ] && cat_args=(--catalog "$catalog")
  echo "== $name: native"
  local t0 t1 t2 t3 cn cs
  t0=$(now)
  /usr/bin/time -o "$OUT/$name-native.cpu" -f "%U %S %M" "$bin" train -q --threads 2 --events "$train" "${cat_args[@]}" --out "$OUT/$name-native.shelf" \
    --factors "$FACTORS" --iterations "$ITERATIONS" > "$OUT/$name-native.log" 2>&1
  t1=$(now)
  echo "== $name: Spark local[2]"
  /usr/bin/time -o "$OUT/$name-spark.cpu" -f "%U %S" python3 examples/spark/train_als.py --master 'local[2]' --driver-memory "$DRIVER_MEMORY" \
    --events "$train" --out "$OUT/$name-factors" --rank "$FACTORS" --max-iter "$ITERATIONS" \
    --output-files 4 > "$OUT/$name-spark.log" 2>&1 || { tail -30 "$OUT/$name-spark.log"; exit 1; }
  t2=$(now)
  "$bin" import-spark --factors "$OUT/$name-factors" "${cat_args[@]}" --out "$OUT/$name-spark.shelf" \
    > "$OUT/$name-import.log"
  t3=$(now)
  local meta als events shape
  meta=$(cat "$OUT/$name-factors"/metadata/part-*)
  als=$(python3 -c 'import json,sys; print("%.1f" % json.loads(sys.argv[1])["als_seconds"])' "$meta")
  events=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["events"])' "$meta")
  shape=$(python3 -c 'import json,sys; m=json.loads(sys.argv[1]); print("%d × %d" % (m["sessions_with_signal"], m["items_with_factors"]))' "$meta")
  # JNI* = a native library (e.g. Debian libopenblas0-pthread); otherwise Java code.
  local backends
  backends=$(python3 -c 'import json,sys; m=json.loads(sys.argv[1]); print("%s / %s" % (m.get("blas") or "?", m.get("lapack") or "?"))' "$meta")
  local mem
  mem=$(python3 -c '
import json, sys
m = json.loads(sys.argv[1]); native = float(open(sys.argv[2]).read().split()[2]) / 1024
jvm = m.get("driver_jvm_peak_rss_mib")
print("%.0f / %s MiB" % (native, "?" if jvm is None else "%.0f" % jvm))' "$meta" "$OUT/$name-native.cpu")
  local rn rs
  rn=$(recall "$OUT/$name-native.shelf" "$test")
  rs=$(recall "$OUT/$name-spark.shelf" "$test")
  cn=$(awk '{printf "%.0f", $1 + $2}' "$OUT/$name-native.cpu")
  # The JVM is not reaped by python3, so time(1) misses it: add the driver
  # JVM's own CPU time, which the job records (all of Spark in local mode).
  local jvm
  jvm=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("driver_jvm_cpu_seconds") or 0)' "$meta")
  cs=$(awk -v j="$jvm" '{printf "%.0f", $1 + $2 + j}' "$OUT/$name-spark.cpu")
  local line="| $name | $events | $shape | $(secs "$t0" "$t1") s ($cn s) | $(secs "$t1" "$t2") s ($cs s) | $als s | $backends | $mem | $(secs "$t2" "$t3") s | $rn | $rs |"
  echo "$line" | tee -a "$results"
}

if [ "$REAL" = 1 ]; then
  if [ -d "$SHARED" ]; then
    y="$SHARED/yoochoose-sample"
    run yoochoose "$y/yoochoose-clicks-100k_train_full.txt" "$y/yoochoose-clicks-100k_test.txt"
    "$bin" convert -q --format taobao --input "$SHARED/taobao-userbehavior/UserBehavior-head.csv" \
      --out "$OUT/taobao-all.csv" > /dev/null
    "$bin" split -q --events "$OUT/taobao-all.csv" --test-last 20m \
      --train-out "$OUT/taobao-train.csv" --test-out "$OUT/taobao-test.csv"
    run taobao "$OUT/taobao-train.csv" "$OUT/taobao-test.csv"
  else
    echo "no $SHARED: the real data sets are absent, skipped" | tee -a "$results"
  fi
fi

if [ "$SYNTH" != 0 ]; then
  if [ -f bench/gen_events.py ]; then
    name="synthetic-$SYNTH"
    if [ ! -f "$OUT/$name-train.csv" ]; then
      python3 bench/gen_events.py --events "$SYNTH" --out "$OUT/$name-all.csv" \
        --catalog-out "$OUT/$name-catalog.csv"
      "$bin" split -q --events "$OUT/$name-all.csv" --test-last 1d \
        --train-out "$OUT/$name-train.csv" --test-out "$OUT/$name-test.csv"
      rm -f "$OUT/$name-all.csv"
    fi
    run "$name" "$OUT/$name-train.csv" "$OUT/$name-test.csv" "$OUT/$name-catalog.csv"
  else
    echo "bench/gen_events.py (the synthetic-log generator) is absent: synthetic run skipped" | tee -a "$results"
  fi
fi
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$results"
echo
cat "$results"
