#!/usr/bin/env bash
# planscale recommend batch against a real Apache Flink batch job on 127.0.0.1.
#
#   e2e/batch.sh
#
# 1. a venv with apache-flink==$FLINK_VERSION (the wheel carries a whole Flink distribution):
#    $PLANSCALE_E2E_VENV when given (used as it is, never modified), else one under
#    $PLANSCALE_E2E_DIR (default /tmp/planscale-e2e-batch), reused when it is there;
# 2. a session cluster (one JobManager, one TaskManager with 8 slots) with the default scheduler,
#    which for a batch job is the Adaptive Batch Scheduler, and explicit
#    execution.batch.adaptive.auto-parallelism.* settings; everything bound to 127.0.0.1;
# 3. e2e/batch_job.py in batch mode (datagen -> joins -> GROUP BY -> blackhole), no parallelism
#    set anywhere, run to its end;
# 4. the finished job's REST answers captured into $PLANSCALE_E2E_DIR/run/capture/ (job details,
#    plan, job config, one file per vertex);
# 5. planscale recommend batch on the capture with the cluster's config.yaml, and a check that it
#    derives, for every vertex, the parallelism Flink chose (planscale's JSON against the job
#    details).
#
# The scheduler's settings: E2E_AUTO_PARALLELISM (true), E2E_MIN_PARALLELISM (1),
# E2E_MAX_PARALLELISM (8), E2E_AVG_DATA_VOLUME (2560kb), E2E_SOURCE_PARALLELISM (2),
# E2E_PARALLELISM_DEFAULT (unset); an empty E2E_MAX_PARALLELISM or E2E_SOURCE_PARALLELISM leaves
# the key out (Flink's fallbacks then apply). The data: E2E_ORDERS (600000), E2E_PAYMENTS
# (200000), E2E_BUCKETS (10000, the GROUP BY's distinct keys). The runs in fixtures/lab-batch/:
# the defaults (join_agg); E2E_MIN_PARALLELISM=3 E2E_AVG_DATA_VOLUME=16mb (join_agg_min3);
# E2E_AUTO_PARALLELISM=false E2E_PARALLELISM_DEFAULT=3 (join_agg_disabled);
# E2E_MAX_PARALLELISM= E2E_SOURCE_PARALLELISM= (join_agg_defaults); E2E_BUCKETS=64
# (join_agg_skewed: uneven subpartitions, where the check fails on the aggregate, Flink 5 and
# planscale 4, as docs/batch.md explains).
#
# Every process the script starts is stopped by its pid when it exits, whatever happened. Needs
# Java 11+ (17 tested), python3 with venv, curl, ~4 GB of memory and about 2 minutes (plus the
# first pip install when no venv is given).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="${PLANSCALE_E2E_DIR:-/tmp/planscale-e2e-batch}"
mkdir -p "$E2E"
E2E="$(cd "$E2E" && pwd)"
FLINK_VERSION="${FLINK_VERSION:-2.3.0}"
PORT="${PLANSCALE_E2E_PORT:-28081}"
REST="http://127.0.0.1:$PORT"
export E2E_ORDERS="${E2E_ORDERS:-600000}"
export E2E_PAYMENTS="${E2E_PAYMENTS:-200000}"
export E2E_BUCKETS="${E2E_BUCKETS:-10000}"
AUTO_PARALLELISM="${E2E_AUTO_PARALLELISM:-true}"
MIN_PARALLELISM="${E2E_MIN_PARALLELISM:-1}"
MAX_PARALLELISM="${E2E_MAX_PARALLELISM-8}"
AVG_VOLUME="${E2E_AVG_DATA_VOLUME:-2560kb}"
SOURCE_PARALLELISM="${E2E_SOURCE_PARALLELISM-2}"

VENV="${PLANSCALE_E2E_VENV:-$E2E/venv}"
CLUSTER="$E2E/cluster"
OUT="$E2E/run"
JM_PID=""
TM_PID=""
RUN_PID=""

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
  for p in $RUN_PID $TM_PID $JM_PID; do
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
    echo "e2e batch FAILED (exit $status); capture and logs: $OUT, cluster logs: $CLUSTER/log" >&2
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "e2e batch: $*" >&2; exit 1; }

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
  PLANSCALE="${CARGO_TARGET_DIR:-$ROOT/target}/debug/planscale"
fi
"$PLANSCALE" --version

say "venv with apache-flink==$FLINK_VERSION in $VENV"
if ! "$VENV/bin/python" -c "import pyflink.version as v, sys; sys.exit(v.__version__ != '$FLINK_VERSION')" 2>/dev/null; then
  [ -z "${PLANSCALE_E2E_VENV:-}" ] || fail "PLANSCALE_E2E_VENV=$VENV has no apache-flink==$FLINK_VERSION (it is used as given, never installed into)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet "apache-flink==$FLINK_VERSION"
fi
PY="$VENV/bin/python"
FLINK_HOME="$("$PY" -c 'import os, pyflink; print(os.path.dirname(pyflink.__file__))')"
echo "Flink distribution: $FLINK_HOME"

# --- cluster layout: our own conf/lib/log, the wheel untouched -------------------------------------
say "cluster configuration in $CLUSTER"
rm -rf "$CLUSTER" "$OUT"
mkdir -p "$CLUSTER"/{conf,lib,log,pid,tmp,blobs,web} "$OUT/capture/vertices"
for jar in "$FLINK_HOME"/lib/*.jar "$FLINK_HOME"/opt/flink-python-*.jar; do
  ln -s "$jar" "$CLUSTER/lib/"
done
cp "$FLINK_HOME"/conf/log4j-console.properties "$FLINK_HOME"/conf/log4j-cli.properties "$CLUSTER/conf/"
JAVA_OPTS_ALL="$("$PY" - "$FLINK_HOME/conf/config.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"^\s*all:\s*(--add-.*)$", text, re.M)
print(m.group(1).strip() if m else "")
PY
)"
# No jobmanager.scheduler: a batch job then gets the AdaptiveBatchScheduler (`adaptive` would be
# the streaming Adaptive Scheduler).
cat > "$CLUSTER/conf/config.yaml" <<YAML
# Written by planscale's e2e/batch.sh. Loopback only.
env:
  java:
    opts:
      all: $JAVA_OPTS_ALL
execution:
  runtime-mode: BATCH
  batch:
    adaptive:
      auto-parallelism:
        enabled: $AUTO_PARALLELISM
        min-parallelism: $MIN_PARALLELISM
${MAX_PARALLELISM:+        max-parallelism: $MAX_PARALLELISM
}        avg-data-volume-per-task: $AVG_VOLUME
${SOURCE_PARALLELISM:+        default-source-parallelism: $SOURCE_PARALLELISM
}${E2E_PARALLELISM_DEFAULT:+parallelism:
  default: $E2E_PARALLELISM_DEFAULT}
jobmanager:
  bind-host: 127.0.0.1
  rpc:
    address: 127.0.0.1
    port: $((PORT + 1))
  memory:
    process:
      size: 1024m
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
  internal:
    query-service:
      port: $((PORT + 9))-$((PORT + 18))
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

say "running e2e/batch_job.py ($E2E_ORDERS orders, $E2E_PAYMENTS payments) to its end"
t0=$(now)
# In the background and waited for, so that a Ctrl-C reaches the cleanup at once.
"$FLINK_HOME/bin/flink" run -py "$ROOT/e2e/batch_job.py" >"$OUT/submit.log" 2>&1 &
RUN_PID=$!
wait "$RUN_PID" || { cat "$OUT/submit.log"; fail "flink run failed"; }
RUN_PID=""
JOB="$(sed -n 's/.*JobID \([0-9a-f]\{32\}\).*/\1/p' "$OUT/submit.log" | tail -1)"
if [ -z "$JOB" ]; then
  JOB="$(curl -s --max-time 5 "$REST/jobs/overview" | json '[j["jid"] for j in d["jobs"] if j["name"] == "planscale_e2e_batch"][0]')"
fi
[ -n "$JOB" ] || { cat "$OUT/submit.log"; fail "no JobID for the batch job"; }
state="$(curl -s --max-time 5 "$REST/jobs/$JOB" | json 'd["state"]')"
[ "$state" = FINISHED ] || fail "job $JOB is $state, not FINISHED"
echo "job $JOB FINISHED after $(( $(now) - t0 )) s"

# --- capture ---------------------------------------------------------------------------------------
say "capturing the finished job's REST answers into $OUT/capture"
C="$OUT/capture"
curl -sf --max-time 10 "$REST/jobs/$JOB" -o "$C/job.json"
curl -sf --max-time 10 "$REST/jobs/$JOB/plan" -o "$C/plan.json"
curl -sf --max-time 10 "$REST/jobs/$JOB/config" -o "$C/job_config.json"
curl -sf --max-time 10 "$REST/jobmanager/config" -o "$C/jobmanager_config.json"
cp "$CLUSTER/conf/config.yaml" "$C/config.yaml"
for v in $(json '" ".join(v["id"] for v in d["vertices"])' < "$C/job.json"); do
  curl -sf --max-time 10 "$REST/jobs/$JOB/vertices/$v" -o "$C/vertices/$v.json"
done
json '"\n".join("%-4s %s" % (v["parallelism"], v["name"][:100]) for v in d["vertices"])' < "$C/job.json"

# --- planscale -------------------------------------------------------------------------------------
say "planscale recommend batch"
"$PLANSCALE" recommend batch "$C/job.json" --config "$C/config.yaml" | tee "$OUT/recommend.txt"
"$PLANSCALE" recommend batch "$C/job.json" --config "$C/config.yaml" --format json -o "$OUT/recommend.json"

say "check: planscale's parallelism is Flink's for every vertex"
"$PY" - "$C/job.json" "$OUT/recommend.json" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))
rec = json.load(open(sys.argv[2]))
flink = {v["id"]: (v["name"], v["parallelism"]) for v in job["vertices"]}
ours = {v["id"]: v.get("parallelism") for v in rec["vertices"]}
bad = 0
for vid, (name, p) in flink.items():
    mine = ours.get(vid)
    mark = "ok" if mine == p else "DIFFERS"
    bad += mine != p
    print(f"{mark:8} flink {p:>3}  planscale {mine!s:>4}  {name[:90]}")
if set(ours) != set(flink):
    print("vertex sets differ:", sorted(set(ours) ^ set(flink)))
    bad += 1
sys.exit(1 if bad else 0)
PY
echo "e2e batch passed in $SECONDS s; capture in $C"
