#!/usr/bin/env bash
# Metric ingestion as whole processes (issue 20): `planscale recommend` against a plain
# single-threaded csv-crate pass that only counts the records of the same file
# (examples/csv_count.rs), and `simulate` with five policies (the static baseline and the four
# scaling policies of examples/policies/) against `recommend`.
#
#   benches/ingest.sh [ROWS ...]     default: 1M 10M; files go to $INGEST_DIR (default /tmp)
#
# The files are issue 20's shape (`gen_recording --rows N`: 20 vertices x 8 subtasks, 8 metrics,
# columns timestamp,vertex,subtask,metric,value,vertex_name,parallelism; 10 M rows = 1.15 GB), and
# their job graph (`gen_recording --graph`: recommend and simulate refuse vertices the graph does
# not know, and udf_bottleneck's knows 3 of the 20). Per size: one untimed warm-up of each command
# (page cache), then $PAIRS (default 5) rounds of count, recommend, simulate, alternating, each
# under GNU time (/usr/bin/time: wall and peak RSS). Prints a Markdown table: medians, the
# recommend/count ratio (median, min, max over the rounds), peak RSS, and simulate/recommend.
# Needs GNU time. Set PLANSCALE_INGEST_THREADS=0 to measure the streaming pass alone.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q --bin planscale --example gen_recording --example csv_count
dir_target=${CARGO_TARGET_DIR:-target}
bin=$dir_target/release/planscale
gen=$dir_target/release/examples/gen_recording
count=$dir_target/release/examples/csv_count
dir=${INGEST_DIR:-/tmp}
pairs=${PAIRS:-5}
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1M 10M)
graph="$dir/planscale-ingest-graph.json"
"$gen" --graph > "$graph"
policies=()
for p in flink-autoscaler-tuned alibaba-autoscale dli-dynamic-scaling reactive-hpa; do
  policies+=(--policy "examples/policies/$p.yaml")
done

timed() { # prints "wall_s peak_kB" of the command
  local log
  log=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$log" "$@" >/dev/null 2>/dev/null || { echo "failed: $*" >&2; cat "$log" >&2; exit 1; }
  tail -n 1 "$log"
  rm -f "$log"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
minmax() { sort -g | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%.2f | %.2f", lo, hi}'; }

echo "| rows | file | count (median) | recommend (median) | recommend/count median | min | max | recommend peak RSS | simulate, 5 policies (median) | simulate/recommend | simulate peak RSS |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for size in "${sizes[@]}"; do
  f="$dir/planscale-ingest-$size.csv"
  [ -s "$f" ] || "$gen" --rows "$size" > "$f"
  bytes=$(stat -c %s "$f")
  rec=("$bin" recommend --metrics "$f" --graph "$graph" --format json)
  sim=("$bin" simulate --metrics "$f" --graph "$graph" "${policies[@]}" --format json)
  timed "$count" "$f" >/dev/null; timed "${rec[@]}" >/dev/null; timed "${sim[@]}" >/dev/null
  c_t=(); r_t=(); s_t=(); ratios=(); sratios=(); r_rss=0; s_rss=0
  for _ in $(seq "$pairs"); do
    read -r c _ < <(timed "$count" "$f")
    read -r r rk < <(timed "${rec[@]}")
    read -r s sk < <(timed "${sim[@]}")
    c_t+=("$c"); r_t+=("$r"); s_t+=("$s")
    ratios+=("$(awk -v a="$r" -v b="$c" 'BEGIN {printf "%.4f", a/b}')")
    sratios+=("$(awk -v a="$s" -v b="$r" 'BEGIN {printf "%.4f", a/b}')")
    [ "$rk" -gt "$r_rss" ] && r_rss=$rk
    [ "$sk" -gt "$s_rss" ] && s_rss=$sk
  done
  printf '| %s | %.2f GB | %.2f s | %.2f s | %.2f | %s | %.1f MB | %.2f s | %.2f | %.1f MB |\n' \
    "$size" "$(awk -v b="$bytes" 'BEGIN {print b/1e9}')" \
    "$(printf '%s\n' "${c_t[@]}" | median)" "$(printf '%s\n' "${r_t[@]}" | median)" \
    "$(printf '%s\n' "${ratios[@]}" | median)" "$(printf '%s\n' "${ratios[@]}" | minmax)" \
    "$(awk -v k="$r_rss" 'BEGIN {print k/1024}')" "$(printf '%s\n' "${s_t[@]}" | median)" \
    "$(printf '%s\n' "${sratios[@]}" | median)" "$(awk -v k="$s_rss" 'BEGIN {print k/1024}')"
done
