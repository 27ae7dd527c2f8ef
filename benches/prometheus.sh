#!/usr/bin/env bash
# `planscale fetch` on a long history (issue 18): DAYS of one job with VERTICES x SUBTASKS at
# STEP seconds, backfilled into a local Prometheus, fetched back at the same step.
#   benches/prometheus.sh                      # DAYS=7 VERTICES=20 SUBTASKS=8 STEP=15
#   DAYS=1 benches/prometheus.sh
# Needs prometheus and promtool (apt-get install prometheus) and GNU time (/usr/bin/time -v).
# Everything stays on 127.0.0.1 under $BENCH_DIR (default /tmp/planscale-prom-bench); the CSV
# of 7 days is some 8 GB. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
days=${DAYS:-7} vertices=${VERTICES:-20} subtasks=${SUBTASKS:-8} step=${STEP:-15}
dir=${BENCH_DIR:-/tmp/planscale-prom-bench}
cargo build --release -q --bin planscale --example gen_openmetrics
bin=${CARGO_TARGET_DIR:-target}/release/planscale
gen=${CARGO_TARGET_DIR:-target}/release/examples/gen_openmetrics
rm -rf "$dir" && mkdir -p "$dir/tsdb"

now=$(date +%s)
end=$(( (now - 3 * 3600) / step * step ))   # backfilled blocks lie before the (empty) head
start=$(( end - days * 86400 ))
# promtool cuts blocks of 2 h and reads its whole input once per block: feed it 6 h at a time.
chunk=$(( 6 * 3600 ))
t0=$(date +%s)
for (( t = start; t < end; t += chunk )); do
  u=$(( t + chunk < end ? t + chunk : end ))
  "$gen" "$t" "$u" "$step" "$vertices" "$subtasks" > "$dir/chunk.om"
  promtool tsdb create-blocks-from openmetrics -q "$dir/chunk.om" "$dir/tsdb" >/dev/null
done
rm -f "$dir/chunk.om"
backfill_s=$(( $(date +%s) - t0 ))

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'global:\n  scrape_interval: 15s\nscrape_configs: []\n' > "$dir/prometheus.yml"
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
  --web.listen-address="127.0.0.1:$port" --storage.tsdb.retention.time=60d \
  --log.level=warn 2> "$dir/prometheus.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break
  sleep 0.2
done

log=$(mktemp)
/usr/bin/time -v -o "$log" "$bin" fetch --prometheus "http://127.0.0.1:$port" \
  --job 5eb1c0ffee5eb1c0ffee5eb1c0ffee00 --from "$start" --to "$((end - step))" --step "${step}s" \
  -o "$dir/fetched.csv" 2> "$dir/fetch.log" || { cat "$dir/fetch.log" "$log" >&2; exit 1; }
rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f MB", $2/1024}' "$log")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
rows=$(( $(wc -l < "$dir/fetched.csv") - 1 ))
bytes=$(stat -c %s "$dir/fetched.csv")
prom_rss=$(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' "/proc/$pid/status")
rm -f "$log"

# The one-command forms on the same history: the week's simulation and the last window's
# recommendation, as a user with the URL and the job would run them.
"$gen" --job-json "$vertices" "$subtasks" > "$dir/job.json"
measure() { # prints "wall | peak RSS"
  local log
  log=$(mktemp)
  /usr/bin/time -v -o "$log" "$@" > /dev/null 2> "$dir/cmd.log" || { cat "$dir/cmd.log" "$log" >&2; exit 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ {wall=$2} /Maximum resident set size/ {rss=$2}
    END {printf "%s | %.1f MB", wall, rss/1024}' "$log"
  rm -f "$log"
}
url="http://127.0.0.1:$port"
sim=$(measure "$bin" simulate --prometheus "$url" --from "$start" --to "$((end - step))" --step "${step}s" \
  --graph "$dir/job.json" --format json)
rec=$(measure "$bin" recommend --prometheus "$url" --at "$((end - step))" --step "${step}s" \
  --graph "$dir/job.json" --format json)

echo "| history | series | rows | CSV | backfill | fetch wall | fetch peak RSS | Prometheus peak RSS |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
series=$(grep -o '[0-9]* series' "$dir/fetch.log" | head -1)
echo "| ${days} d at ${step} s, ${vertices}x${subtasks} subtasks | ${series% series} | $rows | $bytes bytes | ${backfill_s} s | $wall | $rss | $prom_rss |"
grep -v '^$' "$dir/fetch.log" >&2
rm -f "$dir/fetched.csv"
echo
echo "| one command | wall | peak RSS |"
echo "| --- | --- | --- |"
echo "| simulate --prometheus (the whole range) | $sim |"
echo "| recommend --prometheus (the last 15 min) | $rec |"
