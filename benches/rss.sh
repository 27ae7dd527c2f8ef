#!/usr/bin/env bash
# Peak RSS and wall time of `recommend` and `simulate` on generated metric CSVs (issue 8, part 3):
#   benches/rss.sh [SIZE ...]        default: 1G 10G; files go to $RSS_DIR (default /tmp)
# Each size is measured from a file and from a pipe (`--metrics -`, the generator writing into
# it). Needs GNU time (/usr/bin/time -v). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q --bin planscale --example gen_recording
bin=target/release/planscale
gen=target/release/examples/gen_recording
graph=fixtures/lab/udf_bottleneck/job.json
dir=${RSS_DIR:-/tmp}
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1G 10G)

measure() { # label, then the command; prints "peak_MB wall"
  local log
  log=$(mktemp)
  /usr/bin/time -v -o "$log" "$@" >/dev/null 2>/dev/null || { echo "failed: $*" >&2; cat "$log" >&2; exit 1; }
  awk -F': ' '/Maximum resident set size/ {rss=$2} /Elapsed \(wall clock\)/ {wall=$2}
    END {printf "%.1f MB | %s", rss/1024, wall}' "$log"
  rm -f "$log"
}

echo "| input | command | peak RSS | wall time |"
echo "| --- | --- | --- | --- |"
for size in "${sizes[@]}"; do
  f="$dir/planscale-rss-$size.csv"
  [ -s "$f" ] || "$gen" "$size" > "$f"
  bytes=$(stat -c %s "$f")
  for cmd in recommend simulate; do
    echo "| $size file ($bytes bytes) | $cmd | $(measure "$bin" "$cmd" --metrics "$f" --graph "$graph" --format json) |"
  done
  for cmd in recommend simulate; do
    echo "| $size pipe | $cmd | $(measure bash -c "'$gen' $size | '$bin' $cmd --metrics - --graph '$graph' --format json") |"
  done
done
