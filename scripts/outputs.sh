#!/usr/bin/env bash
# Every offline command over the fixtures and lab captures, printing stdout, stderr and the exit
# code of each: run it with two binaries and compare, to show a refactor changed no output.
#
#   scripts/outputs.sh OLD/planscale > old.txt; scripts/outputs.sh target/release/planscale > new.txt
#   cmp old.txt new.txt
#
# (Both binaries must be named `planscale`: clap prints the name in usage errors.)
set -u
P=$(realpath "$1")
cd "$(dirname "$0")/.."
r() { echo "== $*"; "$P" "$@" 2>&1; echo "rc=$?"; }
for j in udf_bottleneck window_agg datastream_pipeline; do
  for fmt in text json overrides resource-requirements; do
    for ex in "" --exact "--max-cu 1" "--flink-autoscaler-version 1.15"; do
      r recommend --metrics fixtures/metrics/$j.long.csv --graph fixtures/lab/$j/job.json --format $fmt $ex
    done
  done
  r recommend --metrics fixtures/metrics/$j.long.csv --plan fixtures/plans/$j.plan.json --format plan
  r recommend --metrics fixtures/metrics/$j.long.csv --plan fixtures/expert/$j.expert.json --format plan
  for fmt in text json; do r simulate --metrics fixtures/metrics/$j.long.csv --graph fixtures/lab/$j/job.json --format $fmt; done
  r simulate --metrics fixtures/metrics/$j.long.csv --graph fixtures/lab/$j/job.json --format csv
  for fmt in text json sarif github; do
    for g in job.json execution_plan.json; do
      r plan validate fixtures/plans/$j.plan.json --graph fixtures/lab/$j/$g --format $fmt
      r plan validate fixtures/expert/$j.expert.json --graph fixtures/lab/$j/$g --format $fmt
    done
  done
  for g in job.json execution_plan.json; do
    r plan init --graph fixtures/lab/$j/$g
    r plan init --graph fixtures/lab/$j/$g --plan-format expert -D heap=4gb
  done
  r plan show fixtures/plans/$j.plan.json
  r plan show fixtures/expert/$j.expert.json --format json
  r plan show fixtures/plans/$j.plan.json --graph fixtures/lab/$j/job.json --format json
  r plan break-chain --after-sources fixtures/plans/$j.plan.json
  r plan break-chain --after-sources fixtures/plans/$j.plan.json --dry-run
  r plan break-chain --after-sources fixtures/plans/$j.plan.json --format json --graph fixtures/lab/$j/job.json
  r plan break-chain --node 2 fixtures/plans/$j.plan.json --dry-run
  r plan break-chain --node 2 --new-group g2 fixtures/expert/$j.expert.json --dry-run
  r plan diff fixtures/plans/$j.plan.json fixtures/plans/udf_bottleneck.plan.json
  r plan diff fixtures/plans/$j.plan.json fixtures/plans/udf_bottleneck.plan.json --format json
  r plan diff fixtures/plans/$j.plan.json fixtures/plans/udf_bottleneck.plan.json --exit-code
done
for f in fixtures/bad/* fixtures/broken/*; do [ -f "$f" ] && r plan validate "$f"; done
r apply --help
r record --help
