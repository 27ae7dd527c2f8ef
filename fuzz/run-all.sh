#!/usr/bin/env bash
# Runs every fuzz target one after another, one process at a time, niced:
#   fuzz/run-all.sh [SECONDS_SCALE]   (default 1 = the times below)
# New corpus entries go to $FUZZ_WORK/corpus/<target> (not the committed seeds); crashes to
# fuzz/artifacts/<target>/; each target's libFuzzer log to $FUZZ_WORK/<target>.log.
set -uo pipefail
cd "$(dirname "$0")"
scale=${1:-1}
work=${FUZZ_WORK:-/tmp/planscale-fuzz}
mkdir -p "$work"
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O -a || exit 1
for spec in plan_auto:300 graph:300 metrics_csv:300 plan_blink:180 plan_expert:180 plan_edit:180 \
  config_yaml:90 parse_duration:60 parse_memory:60 parse_timestamp:60; do
  t=${spec%%:*}
  secs=$(( ${spec##*:} * scale ))
  mkdir -p "$work/corpus/$t"
  echo "== $t for ${secs}s"
  nice -n 10 cargo fuzz run -O -a "$t" "$work/corpus/$t" "corpus/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -jobs=1 -workers=1 \
    -print_final_stats=1 >"$work/$t.out" 2>&1
  echo "   exit $?"
done
