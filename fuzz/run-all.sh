#!/usr/bin/env bash
# Runs fuzz targets one after another, one process at a time, niced:
#   fuzz/run-all.sh [TARGET ...]        (default: every target)
#   FUZZ_SECS=600 (default) seconds per target.
# New corpus entries go to $FUZZ_WORK/corpus/<target> (not the committed seeds); crashes to
# fuzz/artifacts/<target>/; each target's libFuzzer output (with -print_final_stats) to
# $FUZZ_WORK/<target>.out. No -jobs/-workers: with them libFuzzer writes to ./fuzz-N.log, which
# two runs at once would share.
set -uo pipefail
cd "$(dirname "$0")"
secs=${FUZZ_SECS:-600}
work=${FUZZ_WORK:-/tmp/planscale-fuzz}
mkdir -p "$work"
export RUSTC_BOOTSTRAP=1
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(plan_auto graph metrics_csv plan_blink plan_expert plan_edit
    config_yaml parse_duration parse_memory parse_timestamp simulate)
fi
cargo fuzz build -O -a || exit 1
for t in "${targets[@]}"; do
  mkdir -p "$work/corpus/$t"
  echo "== $t for ${secs}s"
  nice -n 10 cargo fuzz run -O -a "$t" "$work/corpus/$t" "corpus/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 >"$work/$t.out" 2>&1
  echo "   exit $?"
done
