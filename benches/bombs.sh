#!/usr/bin/env bash
# Peak RSS, wall time and exit code of the release binary on hostile inputs (the README's
# "Hostile inputs" table): a huge CSV field, a huge header without a line break, a 1 MiB config key
# with 3,000 children (as --config and as two --policy files), a million short options, a YAML
# list of one-letter items, and many distinct vertex ids.
#   benches/bombs.sh [SIZE]      SIZE of the CSV bombs, default 1G (K, M, G suffixes)
#   PLANSCALE=path/to/planscale benches/bombs.sh     measure another build (e.g. an older one)
# Files go to a temporary directory ($TMPDIR) that is removed at the end. Needs GNU time
# (/usr/bin/time -v). Prints a Markdown table; the stderr column is its first 200 bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1G}
if [ -z "${PLANSCALE:-}" ]; then
  cargo build --release -q --bin planscale
  bin=${CARGO_TARGET_DIR:-target}/release/planscale
else
  bin=$PLANSCALE
fi
graph=fixtures/lab/udf_bottleneck/job.json
metrics=fixtures/metrics/udf_bottleneck.long.csv
dir=$(mktemp -d "${TMPDIR:-/tmp}/planscale-bombs.XXXXXX")
trap 'rm -rf "$dir"' EXIT

bytes() { # SIZE with a K/M/G suffix -> bytes
  local n=${1%[KkMmGg]}
  case $1 in
    *[Kk]) echo $((n << 10)) ;;
    *[Mm]) echo $((n << 20)) ;;
    *[Gg]) echo $((n << 30)) ;;
    *) echo "$n" ;;
  esac
}
repeat() { # COUNT CHAR: COUNT copies of CHAR on stdout
  head -c "$1" /dev/zero | tr '\0' "$2"
}

# The bombs.
n=$(bytes "$size")
{ printf 'timestamp,vertex,metric,value\n1795368508000,'; repeat "$n" a; printf ',busyTimeMsPerSecond,1\n'; } >"$dir/field.csv"
repeat "$n" h >"$dir/header.csv"
{ repeat $((1 << 20)) k; printf ':\n'; awk 'BEGIN { for (i = 0; i < 3000; i++) printf "  child%d: %d\n", i, i }'; } >"$dir/key.yaml"
for count in 100000 1000000; do
  awk -v n=$count 'BEGIN { for (i = 0; i < n; i++) printf "k%d: v\n", i }' >"$dir/options$count.yaml"
done
{ printf 'x:\n'; awk 'BEGIN { for (i = 0; i < 2500000; i++) print "- a" }'; } >"$dir/list.yaml"
for ids in 100000 250000 1000000; do
  awk -v n=$ids 'BEGIN { print "timestamp_ms,vertex_id,metric,value"
    for (i = 0; i < n; i++) printf "%.0f,v%d,busyTimeMsPerSecond,500\n", 1700000000000 + i * 1000, i }' >"$dir/ids$ids.csv"
done

measure() { # LABEL INPUT-FILE COMMAND...: one table row
  local label=$1 input=$2 log err code
  shift 2
  log=$(mktemp "$dir/time.XXXXXX")
  err=$(mktemp "$dir/err.XXXXXX")
  set +e
  /usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$err"
  code=$?
  set -e
  # Through the environment: awk -v would read backslashes in the message as escapes.
  LABEL=$label SIZE=$(stat -c %s "$input") CODE=$code ERR=$(head -c 200 "$err" | tr '\n|' '  ') \
    awk -F': ' '/Maximum resident set size/ { rss = $2 } /Elapsed \(wall clock\)/ { wall = $2 }
      END { printf "| %s | %.1f MB | %.1f MB | %s | %s | %s |\n", ENVIRON["LABEL"], ENVIRON["SIZE"] / 1048576,
        rss / 1024, wall, ENVIRON["CODE"], ENVIRON["ERR"] }' "$log"
}

echo "| input | input size | peak RSS | wall | exit | stderr (first 200 bytes) |"
echo "| --- | --- | --- | --- | --- | --- |"
measure "$size CSV field, recommend" "$dir/field.csv" "$bin" recommend --metrics "$dir/field.csv" --graph "$graph"
measure "$size CSV field, simulate from a pipe" "$dir/field.csv" bash -c "cat '$dir/field.csv' | '$bin' simulate --metrics - --graph '$graph'"
measure "$size header without a line break" "$dir/header.csv" "$bin" recommend --metrics "$dir/header.csv" --graph "$graph"
measure "1 MiB key, 3,000 children: --config" "$dir/key.yaml" "$bin" recommend --metrics "$metrics" --graph "$graph" --config "$dir/key.yaml"
measure "1 MiB key, 3,000 children: --config and 2 --policy" "$dir/key.yaml" "$bin" simulate --metrics "$metrics" --graph "$graph" --config "$dir/key.yaml" --policy "$dir/key.yaml" --policy "$dir/key.yaml"
for count in 100000 1000000; do
  o=$dir/options$count.yaml
  measure "$count short options: --config and 2 --policy" "$o" "$bin" simulate --metrics "$metrics" --graph "$graph" --config "$o" --policy "$o" --policy "$o"
done
measure "YAML list of 2,500,000 one-letter items: --config" "$dir/list.yaml" "$bin" recommend --metrics "$metrics" --graph "$graph" --config "$dir/list.yaml"
for ids in 100000 250000 1000000; do
  for cmd in recommend simulate; do
    measure "$ids distinct vertex ids, $cmd" "$dir/ids$ids.csv" "$bin" "$cmd" --metrics "$dir/ids$ids.csv" --graph "$graph"
  done
done
