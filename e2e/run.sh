#!/usr/bin/env bash
# planscale end to end against a real Apache Flink session cluster on 127.0.0.1.
#
#   e2e/run.sh
#
# 1. a venv with apache-flink==$FLINK_VERSION from PyPI (the wheel carries a whole Flink
#    distribution) under $PLANSCALE_E2E_DIR (default target/e2e), reused when it is there;
# 2. a session cluster (one JobManager, one TaskManager with 8 slots) with the adaptive scheduler,
#    short rescale cooldowns and a 2 s metric fetcher, everything bound to 127.0.0.1;
# 3. e2e/bottleneck_job.py: datagen -> Python UDF that sleeps per row (the bottleneck) -> aggregate;
# 4. once the source's backpressure has settled (E2E_SETTLED_BP_MS on E2E_SETTLED_POLLS polls in
#    a row), planscale record (E2E_RECORD_BEFORE), planscale recommend --graph <the recorded
#    plan> (the run stops there, saying why, if it scales nothing up), planscale apply --wait
#    with the recommendation, a pause (E2E_SETTLE), planscale record again (E2E_RECORD_AFTER);
# 5. e2e/check.py: the bottleneck vertex takes more records and the source's backpressure went away.
# 6. Prometheus (issue 18; on unless E2E_PROMETHEUS=0): the cluster also runs Flink's Prometheus
#    reporter, scraped every E2E_SCRAPE by a real Prometheus (Debian's `prometheus`), while step 4
#    records from REST; `planscale recommend --prometheus` over the recording's range must decide
#    every vertex as `recommend --metrics` on the REST recording does (e2e/check.py
#    --compare-prometheus), and `fetch` writes the range to prometheus.csv. The reporter binds
#    the wildcard address (its only option is the port), so the whole run then moves into a new
#    network namespace (`unshare --net`) whose only interface is loopback.
#
# Every process the script starts (JobManager, TaskManager, and the Python workers under it) is
# stopped by its pid when it exits, whatever happened. Logs and recordings stay in
# $PLANSCALE_E2E_DIR/run/ for a look afterwards. Needs Java 11+ (17 tested), python3 with venv,
# curl, ~4 GB of memory and about 7 minutes (plus the first pip install).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="${PLANSCALE_E2E_DIR:-$ROOT/target/e2e}"
mkdir -p "$E2E"
E2E="$(cd "$E2E" && pwd)"
FLINK_VERSION="${FLINK_VERSION:-2.3.0}"
PORT="${PLANSCALE_E2E_PORT:-18081}"
REST="http://127.0.0.1:$PORT"
RECORD_BEFORE="${E2E_RECORD_BEFORE:-180s}"
RECORD_AFTER="${E2E_RECORD_AFTER:-150s}"
SETTLE_S="${E2E_SETTLE_S:-45}"
SETTLED_BP_MS="${E2E_SETTLED_BP_MS:-500}"
SETTLED_POLLS="${E2E_SETTLED_POLLS:-5}"
INTERVAL="${E2E_INTERVAL:-3s}"
export E2E_ROWS_PER_SECOND="${E2E_ROWS_PER_SECOND:-450}"
export E2E_UDF_SLEEP_MS="${E2E_UDF_SLEEP_MS:-5}"
export E2E_PARALLELISM="${E2E_PARALLELISM:-2}"

VENV="$E2E/venv"
CLUSTER="$E2E/cluster"
OUT="$E2E/run"
JM_PID=""
TM_PID=""
PROM_PID=""
PROM_PORT=$((PORT + 30))
PROM_URL="http://127.0.0.1:$PROM_PORT"
SCRAPE="${E2E_SCRAPE:-2s}"

say() { printf '\n== %s\n' "$*"; }
now() { date +%s; }

# --- cleanup: only what this script started, by pid --------------------------------------------
descendants() {
  local pid child
  for pid in "$@"; do
    for child in $(pgrep -P "$pid" 2>/dev/null || true); do
      echo "$child"
      descendants "$child"
    done
  done
}

cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  local pids=()
  for p in $PROM_PID $TM_PID $JM_PID; do
    if kill -0 "$p" 2>/dev/null; then
      pids+=("$p")
      while read -r c; do [ -n "$c" ] && pids+=("$c"); done < <(descendants "$p")
    fi
  done
  if [ ${#pids[@]} -gt 0 ]; then
    echo "stopping cluster processes: ${pids[*]}"
    kill "${pids[@]}" 2>/dev/null
    for _ in $(seq 1 60); do
      local alive=0
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
      [ $alive -eq 0 ] && break
      sleep 0.5
    done
    for p in "${pids[@]}"; do
      if kill -0 "$p" 2>/dev/null; then echo "killing $p"; kill -9 "$p" 2>/dev/null; fi
    done
    wait 2>/dev/null
  fi
  if [ $status -ne 0 ]; then
    echo "e2e FAILED (exit $status); logs and recordings: $OUT, cluster logs: $CLUSTER/log" >&2
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "e2e: $*" >&2; exit 1; }

# --- prerequisites --------------------------------------------------------------------------------
command -v java >/dev/null || fail "java is not installed (Flink $FLINK_VERSION needs Java 11 or 17)"
command -v curl >/dev/null || fail "curl is not installed"
command -v python3 >/dev/null || fail "python3 is not installed"
if curl -s -o /dev/null --max-time 2 "$REST/overview"; then
  fail "something already answers on $REST; set PLANSCALE_E2E_PORT to a free port"
fi

say "planscale"
if [ -n "${PLANSCALE_BIN:-}" ]; then
  PLANSCALE="$PLANSCALE_BIN"
else
  (cd "$ROOT" && cargo build --locked --quiet)
  PLANSCALE="$ROOT/target/debug/planscale"
fi
"$PLANSCALE" --version

# Prometheus: the reporter binds every interface, so the run moves into a network namespace that
# has loopback only (after the build and the pip install, which need the network).
PROMETHEUS="${E2E_PROMETHEUS:-auto}"
if [ "$PROMETHEUS" != 0 ]; then
  why=""
  command -v prometheus >/dev/null || why="prometheus is not installed (apt-get install prometheus)"
  [ -z "$why" ] && ! unshare --net true 2>/dev/null && why="cannot create a network namespace (unshare --net needs root or user namespaces)"
  [ -z "$why" ] && ! command -v ip >/dev/null && why="ip (iproute2) is not installed"
  if [ -n "$why" ]; then
    [ "$PROMETHEUS" = 1 ] && fail "E2E_PROMETHEUS=1 but $why"
    echo "Prometheus part skipped: $why"
    PROMETHEUS=0
  else
    PROMETHEUS=1
  fi
fi

say "venv with apache-flink==$FLINK_VERSION in $VENV"
if ! "$VENV/bin/python" -c "import pyflink.version as v, sys; sys.exit(v.__version__ != '$FLINK_VERSION')" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet "apache-flink==$FLINK_VERSION"
fi
PY="$VENV/bin/python"
if [ "$PROMETHEUS" = 1 ] && [ -z "${PLANSCALE_E2E_NETNS:-}" ]; then
  say "moving into a network namespace with loopback only"
  trap - EXIT
  exec unshare --net -- env PLANSCALE_E2E_NETNS=1 PLANSCALE_BIN="$PLANSCALE" E2E_PROMETHEUS=1 \
    bash "${BASH_SOURCE[0]}" "$@"
fi
if [ -n "${PLANSCALE_E2E_NETNS:-}" ]; then
  ip link set lo up
  ip -brief address
fi
FLINK_HOME="$("$PY" -c 'import os, pyflink; print(os.path.dirname(pyflink.__file__))')"
echo "Flink distribution: $FLINK_HOME"

# --- cluster layout: our own conf/lib/log, the wheel untouched -------------------------------------
say "cluster configuration in $CLUSTER"
rm -rf "$CLUSTER" "$OUT"
mkdir -p "$CLUSTER"/{conf,lib,log,pid,tmp,checkpoints,blobs,web} "$OUT"
for jar in "$FLINK_HOME"/lib/*.jar "$FLINK_HOME"/opt/flink-python-*.jar; do
  ln -s "$jar" "$CLUSTER/lib/"
done
cp "$FLINK_HOME"/conf/log4j-console.properties "$FLINK_HOME"/conf/log4j-cli.properties "$CLUSTER/conf/"
# The JVM flags Flink's own conf/config.yaml sets for Java 17 (module opens).
JAVA_OPTS_ALL="$("$PY" - "$FLINK_HOME/conf/config.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"^\s*all:\s*(--add-.*)$", text, re.M)
print(m.group(1).strip() if m else "")
PY
)"
# Flink's Prometheus reporter (the wheel's plugins/metrics-prometheus), one port each for the
# JobManager and the TaskManager.
REPORTER_YAML="  # no reporter (E2E_PROMETHEUS=0)"
if [ "$PROMETHEUS" = 1 ]; then
  REPORTER_YAML="  reporter:
    prom:
      factory:
        class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
      port: $((PORT + 20))-$((PORT + 21))"
fi
cat > "$CLUSTER/conf/config.yaml" <<YAML
# Written by planscale's e2e/run.sh. Loopback only.
env:
  java:
    opts:
      all: $JAVA_OPTS_ALL
jobmanager:
  bind-host: 127.0.0.1
  rpc:
    address: 127.0.0.1
    port: $((PORT + 1))
  memory:
    process:
      size: 1024m
  # PUT /jobs/:id/resource-requirements needs the adaptive scheduler.
  scheduler: adaptive
  adaptive-scheduler:
    executing:
      cooldown-after-rescaling: 10s
      resource-stabilization-timeout: 5s
    rescale-trigger:
      max-delay: 15s
taskmanager:
  bind-host: 127.0.0.1
  host: 127.0.0.1
  numberOfTaskSlots: 8
  memory:
    process:
      size: 3072m
rest:
  address: 127.0.0.1
  bind-address: 127.0.0.1
  port: $PORT
  cache:
    execution-graph:
      # so that apply --wait sees every state of the rescale
      timeout: 200ms
blob:
  server:
    port: $((PORT + 2))-$((PORT + 8))
  storage:
    directory: $CLUSTER/blobs
io:
  tmp:
    dirs: $CLUSTER/tmp
web:
  tmpdir: $CLUSTER/web
metrics:
$REPORTER_YAML
  fetcher:
    # REST metric values are refreshed this often (default 10 s)
    update-interval: 2000
  internal:
    query-service:
      port: $((PORT + 9))-$((PORT + 18))
execution:
  checkpointing:
    interval: 10s
    dir: file://$CLUSTER/checkpoints
state:
  backend:
    type: hashmap
python:
  executable: $PY
  client:
    executable: $PY
YAML

export FLINK_HOME
export FLINK_CONF_DIR="$CLUSTER/conf"
export FLINK_LIB_DIR="$CLUSTER/lib"
export FLINK_LOG_DIR="$CLUSTER/log"
export FLINK_PID_DIR="$CLUSTER/pid"
export JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
export PYFLINK_CLIENT_EXECUTABLE="$PY"
export PATH="$VENV/bin:$PATH"
export FLINK_PLUGINS_DIR="$FLINK_HOME/plugins"

if [ "$PROMETHEUS" = 1 ]; then
  say "Prometheus on $PROM_URL, scraping the reporter every $SCRAPE"
  mkdir -p "$OUT/tsdb"
  cat > "$OUT/prometheus.yml" <<YAML
global:
  scrape_interval: $SCRAPE
  scrape_timeout: $SCRAPE
scrape_configs:
  - job_name: flink
    static_configs:
      - targets: ['127.0.0.1:$((PORT + 20))', '127.0.0.1:$((PORT + 21))']
YAML
  prometheus --config.file="$OUT/prometheus.yml" --storage.tsdb.path="$OUT/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" >"$OUT/prometheus.log" 2>&1 &
  PROM_PID=$!
  echo "Prometheus pid $PROM_PID"
fi

# --- cluster ---------------------------------------------------------------------------------------
say "starting the session cluster on $REST"
"$FLINK_HOME/bin/jobmanager.sh" start-foreground >"$CLUSTER/log/jobmanager.console" 2>&1 &
JM_PID=$!
"$FLINK_HOME/bin/taskmanager.sh" start-foreground >"$CLUSTER/log/taskmanager.console" 2>&1 &
TM_PID=$!
echo "JobManager pid $JM_PID, TaskManager pid $TM_PID"

json() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

t0=$(now)
until [ "$(curl -s --max-time 2 "$REST/overview" | json 'd["slots-total"]' 2>/dev/null || echo 0)" -gt 0 ]; do
  kill -0 "$JM_PID" 2>/dev/null || fail "the JobManager exited; see $CLUSTER/log/jobmanager.console"
  kill -0 "$TM_PID" 2>/dev/null || fail "the TaskManager exited; see $CLUSTER/log/taskmanager.console"
  [ $(( $(now) - t0 )) -lt 120 ] || fail "no TaskManager slots after 120 s"
  sleep 1
done
curl -s "$REST/overview"; echo

say "submitting e2e/bottleneck_job.py ($E2E_ROWS_PER_SECOND rows/s, UDF ${E2E_UDF_SLEEP_MS} ms per row, parallelism $E2E_PARALLELISM)"
"$FLINK_HOME/bin/flink" run -d -py "$ROOT/e2e/bottleneck_job.py" >"$OUT/submit.log" 2>&1 \
  || { cat "$OUT/submit.log"; fail "flink run failed"; }
JOB="$(sed -n 's/.*JobID \([0-9a-f]\{32\}\).*/\1/p' "$OUT/submit.log" | tail -1)"
[ -n "$JOB" ] || { cat "$OUT/submit.log"; fail "no JobID in the flink run output"; }
echo "job $JOB"

t0=$(now)
until [ "$(curl -s --max-time 2 "$REST/jobs/$JOB" | json 'd["state"] == "RUNNING" and all(v["status"] == "RUNNING" for v in d["vertices"])' 2>/dev/null)" = True ]; do
  [ $(( $(now) - t0 )) -lt 120 ] || fail "job $JOB is not RUNNING after 120 s"
  sleep 1
done
echo "all vertices RUNNING after $(( $(now) - t0 )) s"

# Record only once backpressure has settled: Flink's gauges climb for about a minute after the
# start, and a recording of the climb is not the steady state this test is about.
SOURCE="$(curl -s --max-time 5 "$REST/jobs/$JOB" | json '[n["id"] for n in d["plan"]["nodes"] if not n.get("inputs")][0]')"
[ -n "$SOURCE" ] || fail "no source vertex in the plan of job $JOB"
say "waiting for the source's backpressure to settle (>= $SETTLED_BP_MS ms/s on $SETTLED_POLLS polls in a row)"
t0=$(now)
in_a_row=0
while [ "$in_a_row" -lt "$SETTLED_POLLS" ]; do
  [ $(( $(now) - t0 )) -lt 240 ] || fail "the source's backpressure did not settle at >= $SETTLED_BP_MS ms/s within 240 s (last: ${bp:-none}); the job is not the bottleneck this test needs"
  sleep 2
  bp="$(curl -s --max-time 5 "$REST/jobs/$JOB/vertices/$SOURCE/subtasks/metrics?get=backPressuredTimeMsPerSecond" \
    | json 'int(float(d[0]["avg"])) if d else -1' 2>/dev/null || echo -1)"
  if [ "$bp" -ge "$SETTLED_BP_MS" ]; then in_a_row=$((in_a_row + 1)); else in_a_row=0; fi
  echo "+$(( $(now) - t0 )) s  source backpressure $bp ms/s"
done

# --- planscale -------------------------------------------------------------------------------------
say "planscale record ($RECORD_BEFORE, every $INTERVAL)"
RECORD_FROM_MS=$(date +%s%3N)
"$PLANSCALE" record --rest "$REST" --job "$JOB" --interval "$INTERVAL" --duration "$RECORD_BEFORE" -o "$OUT/before.csv"
RECORD_TO_MS=$(date +%s%3N)

if [ "$PROMETHEUS" = 1 ]; then
  # The same range from Prometheus: what the reporter exported while record polled REST. The
  # step is record's interval, the decision's instant the recording's last row.
  LAST_MS="$("$PY" -c "import csv,sys; print(max(int(r['timestamp_ms']) for r in csv.DictReader(open(sys.argv[1]))))" "$OUT/before.csv")"
  sleep 5 # one more scrape past the end
  say "planscale fetch and recommend --prometheus (the recording's range)"
  "$PLANSCALE" fetch --prometheus "$PROM_URL" --job "$JOB" --from "$RECORD_FROM_MS" --to "$RECORD_TO_MS" \
    --step "$INTERVAL" -o "$OUT/prometheus.csv"
  "$PLANSCALE" recommend --prometheus "$PROM_URL" --job "$JOB" --from "$RECORD_FROM_MS" --to "$RECORD_TO_MS" \
    --step "$INTERVAL" --at "$LAST_MS" --graph "$OUT/before.job.json" | tee "$OUT/recommend_prometheus.txt"
  "$PLANSCALE" recommend --prometheus "$PROM_URL" --job "$JOB" --from "$RECORD_FROM_MS" --to "$RECORD_TO_MS" \
    --step "$INTERVAL" --at "$LAST_MS" --graph "$OUT/before.job.json" --format json \
    -o "$OUT/recommendation_prometheus.json" 2>/dev/null
  "$PLANSCALE" recommend --metrics "$OUT/before.csv" --graph "$OUT/before.job.json" --at "$LAST_MS" \
    --format json -o "$OUT/recommendation_rest.json" 2>/dev/null
  "$PY" "$ROOT/e2e/check.py" --compare-prometheus "$OUT/recommendation_prometheus.json" \
    --recommendation "$OUT/recommendation_rest.json" --summary "$OUT/prometheus_summary.json"
fi

say "planscale recommend"
"$PLANSCALE" recommend --metrics "$OUT/before.csv" --graph "$OUT/before.job.json" | tee "$OUT/recommend.txt"
"$PLANSCALE" recommend --metrics "$OUT/before.csv" --graph "$OUT/before.job.json" --format json -o "$OUT/recommendation.json" 2>/dev/null
# A recommendation that changes nothing cannot be applied and checked: stop here, and say why.
scaled="$(json 'sum(v["recommended_parallelism"] > v["current_parallelism"] for v in d["vertices"])' < "$OUT/recommendation.json")"
if [ "$scaled" -eq 0 ]; then
  json '"\n".join(v["name"] + ": " + v["reason"] for v in d["vertices"])' < "$OUT/recommendation.json" >&2
  fail "recommend scaled no vertex up on a saturated job (reasons above; recording in $OUT/before.csv); stopping before apply"
fi

say "planscale apply --dry-run"
"$PLANSCALE" apply --rest "$REST" --job "$JOB" --recommendation "$OUT/recommendation.json" --dry-run

say "planscale apply --wait"
"$PLANSCALE" apply --rest "$REST" --job "$JOB" --recommendation "$OUT/recommendation.json" --wait --wait-timeout 5min | tee "$OUT/apply.txt"

say "settling ${SETTLE_S} s"
sleep "$SETTLE_S"

say "planscale record ($RECORD_AFTER, every $INTERVAL)"
"$PLANSCALE" record --rest "$REST" --job "$JOB" --interval "$INTERVAL" --duration "$RECORD_AFTER" -o "$OUT/after.csv"

say "planscale recommend on the new recording"
"$PLANSCALE" recommend --metrics "$OUT/after.csv" --graph "$OUT/after.job.json" | tee "$OUT/recommend_after.txt" || true

say "check"
"$PY" "$ROOT/e2e/check.py" --before "$OUT/before.csv" --after "$OUT/after.csv" \
  --recommendation "$OUT/recommendation.json" --apply-log "$OUT/apply.txt" --summary "$OUT/summary.json"
echo "e2e passed in $SECONDS s; recordings in $OUT"
