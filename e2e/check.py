"""The assertions of planscale's end-to-end test (e2e/run.sh), on what planscale itself wrote.

Reads the recommendation (`recommend --format json`), the two recordings (`record` CSVs) and the
output of `apply --wait`; prints the numbers and exits 1 unless
  * the recommendation scales a vertex up (the bottleneck),
  * that vertex was saturated before (busy >= E2E_MIN_BUSY_BEFORE ms/s, default 850) and the
    source backpressured (>= E2E_MIN_BP_BEFORE ms/s, default 200),
  * after the rescale the vertex runs at the recommended parallelism, takes at least
    E2E_MIN_GAIN (default 0.1, i.e. 10%) more records per second than before, and the source's
    backpressure went away
    (<= E2E_MAX_BP_AFTER ms/s, default 50).
With --compare-prometheus PROM.json (the recommendation from `recommend --prometheus` over the
same range as the REST recording's): prints both per vertex and exits 1 unless every vertex gets
the same parallelism from both sources.
Only the standard library.
"""
import argparse
import csv
import json
import math
import os
import re
import sys


def env_float(name, default):
    return float(os.environ.get(name, default))


def load(path):
    """(timestamp_ms, vertex_id, parallelism, metric) -> value, NaN skipped."""
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            try:
                v = float(r["value"])
            except ValueError:
                continue
            if math.isnan(v):
                continue
            rows.append((int(r["timestamp_ms"]), r["vertex_id"], int(r["parallelism"]), r["metric"], v))
    return rows


def mean_of(rows, vertex, metric, skip_s=0.0, parallelism=None):
    if not rows:
        return None, 0
    t0 = min(r[0] for r in rows)
    vals = [r[4] for r in rows
            if r[1] == vertex and r[3] == metric and r[0] >= t0 + skip_s * 1000
            and (parallelism is None or r[2] == parallelism)]
    if not vals:
        return None, 0
    return sum(vals) / len(vals), len(vals)


def fmt(x):
    return "-" if x is None else f"{x:.0f}"


def compare_prometheus(rest_path, prom_path, summary_path):
    """The REST recording's recommendation against the Prometheus one, vertex by vertex."""
    rest = {v["id"]: v for v in json.load(open(rest_path))["vertices"]}
    prom = {v["id"]: v for v in json.load(open(prom_path))["vertices"]}
    failures = []
    edges = []
    if set(rest) != set(prom):
        failures.append(f"different vertices: REST {sorted(rest)} vs Prometheus {sorted(prom)}")
    rows = []
    keys = ("current_parallelism", "recommended_parallelism", "true_processing_rate", "target_rate",
            "observed_rate", "utilization", "action")
    for vid in sorted(set(rest) & set(prom)):
        r, p = rest[vid], prom[vid]
        rows.append({"id": vid, "name": r["name"], "rest": {k: r.get(k) for k in keys},
                     "prometheus": {k: p.get(k) for k in keys}})
        if r["recommended_parallelism"] != p["recommended_parallelism"]:
            # A saturated vertex behind a backpressured source processes what the source emits:
            # its target rate equals its true processing rate but for sampling noise, and which
            # side of the band it falls on is that noise. Counter rates over a window of W
            # seconds are off by up to the sample interval / W at each end (REST values are up
            # to the metric fetcher's interval old, Prometheus' are the last scrape before the
            # step), so a ratio target/TPR within E2E_EDGE_TOLERANCE (default 0.05) of 1 in both
            # recordings is a decision at the band's edge, printed with its numbers.
            tol = env_float("E2E_EDGE_TOLERANCE", "0.05")
            ratio = lambda v: (v["target_rate"] / v["true_processing_rate"]
                               if v.get("target_rate") and v.get("true_processing_rate") else None)
            rr, pr = ratio(r), ratio(p)
            line = (f"{r['name']}: {r['recommended_parallelism']} from REST (target {r['target_rate']:.1f} / "
                    f"TPR {r['true_processing_rate']:.1f} rec/s = {rr:.4f}: {r['reason']}), "
                    f"{p['recommended_parallelism']} from Prometheus (target {p['target_rate']:.1f} / "
                    f"TPR {p['true_processing_rate']:.1f} rec/s = {pr:.4f}: {p['reason']})"
                    if rr is not None and pr is not None else
                    f"{r['name']}: {r['recommended_parallelism']} from REST, "
                    f"{p['recommended_parallelism']} from Prometheus")
            if rr is not None and pr is not None and abs(rr - 1) <= tol and abs(pr - 1) <= tol:
                edges.append(line)
            else:
                failures.append(line)
    with open(summary_path, "w") as f:
        json.dump({"vertices": rows, "same": not failures and not edges, "band_edge": edges}, f, indent=2)
    print(f"{'vertex':40} {'current':>7} {'REST':>5} {'Prom':>5} {'rate REST':>10} {'rate Prom':>10}")
    for row in rows:
        r, p = row["rest"], row["prometheus"]
        rate = lambda v: "-" if v is None else f"{v:.1f}"
        print(f"{row['name'][:40]:40} {r['current_parallelism']:>7} {r['recommended_parallelism']:>5} "
              f"{p['recommended_parallelism']:>5} {rate(r['true_processing_rate']):>10} "
              f"{rate(p['true_processing_rate']):>10}")
    for e in edges:
        print("differs at the band's edge (explained, not a failure):", e)
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--before")
    ap.add_argument("--after")
    ap.add_argument("--recommendation", required=True)
    ap.add_argument("--apply-log")
    ap.add_argument("--summary", required=True)
    ap.add_argument("--compare-prometheus", metavar="PROM.json")
    ap.add_argument("--skip-after-s", type=float, default=env_float("E2E_SKIP_AFTER_S", "0"))
    a = ap.parse_args()
    if a.compare_prometheus:
        return compare_prometheus(a.recommendation, a.compare_prometheus, a.summary)
    if not (a.before and a.after and a.apply_log):
        ap.error("--before, --after and --apply-log are required")

    rec = json.load(open(a.recommendation))
    vertices = rec["vertices"]
    up = [v for v in vertices if v["recommended_parallelism"] > v["current_parallelism"]]
    failures = []
    if not up:
        print("recommend scaled no vertex up:", json.dumps(vertices, indent=1))
        return 1
    bottleneck = max(up, key=lambda v: v["recommended_parallelism"] - v["current_parallelism"])
    source = next(v for v in vertices if v["is_source"])
    bid, sid = bottleneck["id"], source["id"]
    p_before, p_after = bottleneck["current_parallelism"], bottleneck["recommended_parallelism"]

    before, after = load(a.before), load(a.after)
    at_new = [r for r in after if r[1] != bid or r[2] == p_after]
    if not any(r[1] == bid for r in at_new):
        failures.append(f"no sample of the bottleneck vertex at parallelism {p_after} after the rescale")

    m = {}
    for label, rows, par, skip in (("before", before, p_before, 0.0), ("after", at_new, p_after, a.skip_after_s)):
        m[label] = {
            "parallelism": par,
            "busy_avg": mean_of(rows, bid, "busyTimeMsPerSecond.avg", skip, par)[0],
            "busy_max": mean_of(rows, bid, "busyTimeMsPerSecond.max", skip, par)[0],
            "records_in_per_s": mean_of(rows, bid, "numRecordsInPerSecond.sum", skip, par)[0],
            "source_backpressure": mean_of(rows, sid, "backPressuredTimeMsPerSecond.avg", skip)[0],
            "source_out_per_s": mean_of(rows, sid, "numRecordsOutPerSecond.sum", skip)[0],
            "samples": mean_of(rows, bid, "busyTimeMsPerSecond.avg", skip, par)[1],
        }

    log = open(a.apply_log).read()
    running = re.search(r"running at the new parallelism ([0-9.]+) s after the PUT", log)
    changes = re.findall(r"^\+([0-9.]+) s  (\S+)", log, re.M)
    first_change = next((float(t) for t, state in changes if state != "RUNNING"), None)
    put = re.search(r"Flink answered (\d+) in ([0-9.]+) s", log)

    summary = {
        "bottleneck": {"id": bid, "name": bottleneck["name"], "from": p_before, "to": p_after},
        "source": {"id": sid, "name": source["name"]},
        "before": m["before"],
        "after": m["after"],
        "put_status": int(put.group(1)) if put else None,
        "put_latency_s": float(put.group(2)) if put else None,
        "first_state_change_after_put_s": first_change,
        "running_at_new_parallelism_after_put_s": float(running.group(1)) if running else None,
    }
    with open(a.summary, "w") as f:
        json.dump(summary, f, indent=2)

    print(f"bottleneck: {bottleneck['name']} ({bid}), parallelism {p_before} -> {p_after}")
    print(f"source:     {source['name']} ({sid})")
    print(f"{'':28} {'before':>8} {'after':>8}")
    for key, label in (("busy_avg", "busy ms/s (avg of subtasks)"), ("busy_max", "busy ms/s (max of subtasks)"),
                       ("records_in_per_s", "bottleneck in rec/s"), ("source_backpressure", "source backpressure ms/s"),
                       ("source_out_per_s", "source out rec/s"), ("samples", "samples")):
        print(f"{label:28} {fmt(m['before'][key]):>8} {fmt(m['after'][key]):>8}")
    print(f"PUT answered {summary['put_status']} in {summary['put_latency_s']} s; first state change "
          f"{first_change} s after it; RUNNING at the new parallelism "
          f"{summary['running_at_new_parallelism_after_put_s']} s after it")

    b, af = m["before"], m["after"]
    if running is None:
        failures.append("apply --wait did not report the job RUNNING at the new parallelism")
    if b["busy_avg"] is None or b["busy_avg"] < env_float("E2E_MIN_BUSY_BEFORE", "850"):
        failures.append(f"the bottleneck was not saturated before (busy {fmt(b['busy_avg'])} ms/s)")
    if b["source_backpressure"] is None or b["source_backpressure"] < env_float("E2E_MIN_BP_BEFORE", "200"):
        failures.append(f"the source was not backpressured before ({fmt(b['source_backpressure'])} ms/s)")
    # What the rescale is for: the vertex takes what the source has to hand on. Its busy time is
    # printed but not judged: a vertex sized to its demand at 70% may run hotter on a loaded
    # 2-core machine (Python workers share the cores), while handling every record.
    gain = env_float("E2E_MIN_GAIN", "0.1")
    if (af["records_in_per_s"] is None or b["records_in_per_s"] is None
            or af["records_in_per_s"] < b["records_in_per_s"] * (1.0 + gain)):
        failures.append(f"the bottleneck's input did not rise by {gain:.0%}: "
                        f"{fmt(b['records_in_per_s'])} -> {fmt(af['records_in_per_s'])} rec/s")
    if af["source_backpressure"] is None or af["source_backpressure"] > env_float("E2E_MAX_BP_AFTER", "50"):
        failures.append(f"the source is still backpressured: {fmt(af['source_backpressure'])} ms/s")
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
