#!/usr/bin/env bash
# Training benchmark (not a test): wall time and peak memory (max RSS from
# /usr/bin/time -v) of `shelfrank train` on each evaluation data set and on a
# synthetic 10-million-event log.
#
#   scripts/eval_all.sh           # first: leaves target/eval/<data set>/train.csv
#   bench/train_bench.sh          # then: prints a Markdown table, keeps logs in target/bench/
#
# EVENTS=10000000 sets the synthetic log's size; SYNTH=0 skips it; REPEAT=3
# (SYNTH_REPEAT=1 for the synthetic log) runs each training that many times:
# the table shows the fastest run and the largest peak. Settings are
# scripts/eval_settings.sh (the evaluation's).
set -euo pipefail
cd "$(dirname "$0")/.."

EVAL=${EVAL:-target/eval}
OUT=${OUT:-target/bench}
EVENTS=${EVENTS:-10000000}
SYNTH=${SYNTH:-1}
REPEAT=${REPEAT:-3}
SYNTH_REPEAT=${SYNTH_REPEAT:-1}
. scripts/eval_settings.sh  # the evaluation's training settings

[ -x /usr/bin/time ] || { echo "train_bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
if [ -z "${SR:-}" ]; then
  cargo build --release -q -p shelfrank-trainer
  SR=target/release/shelfrank
fi
mkdir -p "$OUT"

# bench NAME EVENTS [CATALOG]: appends a table row.
rows=()
bench() {
  local name=$1 events=$2 catalog=() best_wall="" peak=0 log="$OUT/train-$1.log" repeat=${4:-$REPEAT}
  [ -n "${3:-}" ] && catalog=(--catalog "$3")
  : > "$log"
  for _ in $(seq "$repeat"); do
    /usr/bin/time -v -o "$OUT/time-$name.txt" "$SR" train -q --events "$events" "${catalog[@]}" \
      --out "$OUT/$name.shelf" --factors "$FACTORS" --iterations "$ITERATIONS" --alpha "$ALPHA" \
      --regularization "$LAMBDA" --event-weights "$EVENT_WEIGHTS" --half-life "$HALF_LIFE" \
      --seed 42 --threads "$THREADS" >> "$log"
    cat "$OUT/time-$name.txt" >> "$log"
    local wall rss cpu
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$OUT/time-$name.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$OUT/time-$name.txt")
    cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$OUT/time-$name.txt")
    if [ -z "$best_wall" ] || awk "BEGIN { exit !($wall < $best_wall) }"; then best_wall=$wall; best_cpu=$cpu; fi
    [ "$rss" -gt "$peak" ] && peak=$rss
  done
  local n_events pairs als size
  n_events=$(grep -m1 -oE '^  data +[0-9]+ events' "$log" | grep -oE '[0-9]+')
  pairs=$(grep -m1 -oE '[0-9]+ session–item pairs' "$log" | grep -oE '^[0-9]+')
  als=$(grep -oE 'ALS [0-9.]+s' "$log" | sort -t' ' -k2 -g | head -1)
  size=$(grep -m1 -oE 'file +[0-9]+ bytes \([0-9.]+ MiB\)' "$log" | grep -oE '\([0-9.]+ MiB\)' | tr -d '()')
  rows+=("| $name | $n_events | $pairs | ${best_wall}s | ${als#ALS } | ${best_cpu}s | $((peak / 1024)) MiB | $size |")
  printf 'train_bench: %s: wall %ss, peak RSS %s MiB\n' "$name" "$best_wall" "$((peak / 1024))" >&2
}

for name in yoochoose diginetica rees46-cosmetics rees46-multicategory; do
  dir="$EVAL/$name"
  if [ ! -f "$dir/train.csv" ]; then
    echo "train_bench: $dir/train.csv is missing: run scripts/eval_all.sh first" >&2
    continue
  fi
  cat=""
  [ -f "$dir/catalog.csv" ] && cat="$dir/catalog.csv"
  bench "$name" "$dir/train.csv" "$cat"
done

if [ "$SYNTH" = 1 ]; then
  synth="$OUT/synth-$EVENTS.csv"
  if [ ! -f "$synth" ]; then
    python3 bench/gen_events.py --events "$EVENTS" --out "$synth" --catalog-out "$OUT/synth-$EVENTS-catalog.csv"
  fi
  bench "synthetic-$EVENTS" "$synth" "$OUT/synth-$EVENTS-catalog.csv" "$SYNTH_REPEAT"
fi

{
  echo "| data set | events | session–item pairs | wall (train command) | of which ALS | CPU (user+sys) | peak RSS | model file |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "$(nproc) cores, $THREADS threads, $FACTORS factors, $ITERATIONS iterations (CG, 3 steps); load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
} | tee "$OUT/train_bench.md"
