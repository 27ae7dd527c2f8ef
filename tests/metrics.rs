//! Metric ingestion against the real Flink lab captures (fixtures/metrics, from
//! flink-lab/captures) and against bad input: the window values, rescale detection, "not
//! reported" busy time of legacy sources, and one clear error per unusable file.

use std::io::Write;

use planscale::metrics::{
    cumulative_series, read_metrics, read_metrics_from, MetricWindow, Provenance, ReadOptions,
    Shape, VertexSeries,
};

const JOBS: [&str; 3] = ["window_agg", "udf_bottleneck", "datastream_pipeline"];
const HOUR_MS: i64 = 3_600_000;

fn fixture(job: &str, shape: &str) -> String {
    format!("fixtures/metrics/{job}.{shape}.csv")
}

fn whole_file() -> ReadOptions {
    ReadOptions {
        window_ms: HOUR_MS,
        ..ReadOptions::default()
    }
}

fn read(path: &str, opts: &ReadOptions) -> MetricWindow {
    read_metrics(path, opts).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn by_name<'a>(w: &'a MetricWindow, prefix: &str) -> &'a VertexSeries {
    w.vertices
        .iter()
        .find(|v| v.display_name().starts_with(prefix))
        .unwrap_or_else(|| panic!("no vertex named {prefix}*"))
}

fn read_str(csv: &str) -> Result<MetricWindow, planscale::error::InputError> {
    read_metrics_from("input.csv", csv.as_bytes(), &whole_file())
}

/// Writes `text` to a temporary file and returns it (kept alive by the caller).
fn temp_csv(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

/// Same vertices (in any order) with equal series; on failure names the first difference only.
fn assert_same_vertices(a: &MetricWindow, b: &MetricWindow, what: &str) {
    let mut a: Vec<&VertexSeries> = a.vertices.iter().collect();
    let mut b: Vec<&VertexSeries> = b.vertices.iter().collect();
    a.sort_by(|x, y| x.key.cmp(&y.key));
    b.sort_by(|x, y| x.key.cmp(&y.key));
    assert_eq!(a.len(), b.len(), "{what}: vertex count");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.key, y.key, "{what}");
        assert_eq!(
            (&x.name, x.parallelism, x.rescale, &x.not_reported),
            (&y.name, y.parallelism, y.rescale, &y.not_reported),
            "{what}: vertex {}",
            x.key
        );
        assert_eq!(
            x.samples.len(),
            y.samples.len(),
            "{what}: {} sample count",
            x.key
        );
        for (s, t) in x.samples.iter().zip(&y.samples) {
            assert_eq!(s, t, "{what}: vertex {}", x.key);
        }
    }
}

// ---- the lab captures ----

#[test]
fn long_and_wide_captures_give_the_same_window() {
    for job in JOBS {
        for opts in [
            whole_file(),
            ReadOptions::default(),
            ReadOptions {
                window_ms: 60_000,
                ..ReadOptions::default()
            },
        ] {
            let long = read(&fixture(job, "long"), &opts);
            let wide = read(&fixture(job, "wide"), &opts);
            assert_eq!(long.shape, Shape::Long);
            assert_eq!(wide.shape, Shape::Wide);
            assert_eq!(
                long.vertices, wide.vertices,
                "{job} window {}",
                opts.window_ms
            );
            assert_eq!(
                (long.window_start_ms, long.window_end_ms),
                (wide.window_start_ms, wide.window_end_ms)
            );
            assert_eq!(long.vertices.len(), 3, "{job}");
            assert!(long.stats.rows > 5000);
            assert_eq!(wide.stats.rows, 210);
            assert_eq!(long.stats.duplicates, 0);
            assert_eq!(long.job, wide.job);
        }
    }
}

#[test]
fn capture_window_covers_70_polls_of_3_vertices() {
    let w = read(&fixture("udf_bottleneck", "long"), &ReadOptions::default());
    assert_eq!(w.job.as_deref(), Some("0fe76ea5873559334cb2ff16bc2bebf4"));
    assert_eq!(w.window_end_ms, 1_795_368_784_184);
    assert_eq!(w.window_start_ms, 1_795_368_784_184 - 15 * 60_000);
    for v in &w.vertices {
        assert_eq!(v.samples.len(), 70, "{}", v.display_name());
        assert!(v.samples.windows(2).all(|p| p[0].t_ms < p[1].t_ms));
    }
    // A 60 s window holds the polls of the last minute (every 4 s), inclusive at the start.
    let w = read(
        &fixture("udf_bottleneck", "long"),
        &ReadOptions {
            window_ms: 60_000,
            ..ReadOptions::default()
        },
    );
    for v in &w.vertices {
        assert!((15..=16).contains(&v.samples.len()), "{}", v.samples.len());
        assert!(v.samples[0].t_ms >= w.window_start_ms);
    }
}

#[test]
fn udf_bottleneck_python_calc_is_saturated_before_its_rescale() {
    for shape in ["long", "wide"] {
        let w = read(&fixture("udf_bottleneck", shape), &ReadOptions::default());
        let calc = by_name(&w, "PythonCalc");
        assert_eq!(calc.key, "20ba6b65f97481d5570070de90e4e791");
        assert_eq!(calc.parallelism, Some(6));
        let r = calc.rescale.expect("rescale detected");
        assert_eq!((r.from, r.to), (2, 6));
        assert_eq!(r.first_new_ms, Some(1_795_368_612_178));
        assert_eq!(r.last_old_ms, 1_795_368_608_178);
        let before: Vec<_> = calc
            .samples
            .iter()
            .filter(|s| s.t_ms <= r.last_old_ms)
            .collect();
        assert_eq!(before.len(), 26);
        for s in &before {
            assert_eq!(s.parallelism, Some(2));
            let busy = s.busy_max.unwrap();
            assert!(
                (990.0..=1000.0).contains(&busy),
                "busy {busy} at {}",
                s.t_ms
            );
            assert!(s.busy_avg.unwrap() >= 990.0);
        }
        // In ≈ 606 rec/s once the pipeline is warm (lab README).
        let rate = before.last().unwrap().records_in_per_s.unwrap();
        assert!((590.0..=620.0).contains(&rate), "{rate}");
        // The samples after the rescale are the ones the autoscaler keeps.
        let kept = calc.samples_since_rescale();
        assert_eq!(kept.len(), 70 - 26);
        assert!(kept.iter().all(|s| s.parallelism == Some(6)));
        // The job-wide reset point is that rescale.
        assert_eq!(w.last_rescale(), Some(r));
        assert!(
            w.notes.iter().any(|n| n.contains("parallelism 2 → 6")),
            "{:?}",
            w.notes
        );
    }
}

#[test]
fn datastream_pipeline_downscale_is_detected() {
    let w = read(
        &fixture("datastream_pipeline", "long"),
        &ReadOptions::default(),
    );
    let v = by_name(&w, "sum_per_key");
    let r = v.rescale.unwrap();
    assert_eq!(
        (r.from, r.to, r.first_new_ms),
        (2, 1, Some(1_795_368_692_219))
    );
    assert_eq!(v.parallelism, Some(1));
    // The other vertices kept their parallelism.
    assert!(by_name(&w, "enrich_slow").rescale.is_none());
    assert!(by_name(&w, "Source: numbers").rescale.is_none());
    // FLIP-27 source: numeric busy time and an operator-scoped emit lag of -1.
    let src = by_name(&w, "Source: numbers");
    assert!(src.samples.iter().all(|s| s.busy_max.is_some()));
    assert_eq!(src.samples[10].emit_lag_max, Some(-1.0));
    assert_eq!(src.samples[10].pending_records, None);
}

#[test]
fn legacy_datagen_source_busy_time_is_not_reported() {
    for job in ["udf_bottleneck", "window_agg"] {
        for shape in ["long", "wide"] {
            let w = read(&fixture(job, shape), &ReadOptions::default());
            let src = by_name(&w, "Source: ");
            assert!(
                src.samples
                    .iter()
                    .all(|s| s.busy_max.is_none() && s.busy_avg.is_none()),
                "{job}"
            );
            // NaN, not absent: counted, and said so.
            let nan = src
                .not_reported
                .iter()
                .find(|(m, _)| *m == "busyTimeMsPerSecond")
                .map(|e| e.1);
            assert_eq!(nan, Some(140), "{job} {shape}: .max and .avg of 70 polls");
            assert!(
                w.warnings
                    .iter()
                    .map(planscale::render::metrics::read_warning)
                    .any(|m| m.contains("busyTimeMsPerSecond is not reported")
                        && m.contains(src.display_name())),
                "{:?}",
                w.warnings
            );
            // Its other metrics work: back-pressure and the operator's output rate.
            let last = src.samples.last().unwrap();
            assert!(last.backpressured_avg.is_some());
            assert!(last.source_records_out_per_s.unwrap() > 0.0);
            assert_eq!(last.records_in_per_s, Some(0.0));
        }
    }
}

#[test]
fn unsorted_rows_give_the_same_window() {
    for job in JOBS {
        let text = std::fs::read_to_string(fixture(job, "long")).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        let header = lines.remove(0);
        // A fixed permutation: stride through the rows.
        let n = lines.len();
        let stride = 7919; // prime, coprime with n
        assert_ne!(n % stride, 0);
        let shuffled: Vec<&str> = (0..n).map(|i| lines[(i * stride) % n]).collect();
        let file = temp_csv(&format!("{header}\n{}\n", shuffled.join("\n")));
        for window_ms in [HOUR_MS, 60_000, 8_000] {
            let opts = ReadOptions {
                window_ms,
                ..ReadOptions::default()
            };
            let sorted = read(&fixture(job, "long"), &opts);
            let unsorted = read(file.path().to_str().unwrap(), &opts);
            assert_same_vertices(&sorted, &unsorted, &format!("{job} {window_ms}"));
        }
    }
}

#[test]
fn window_end_can_be_given() {
    // One poll before the udf_bottleneck rescale: the old parallelism, no rescale yet.
    let w = read(
        &fixture("udf_bottleneck", "wide"),
        &ReadOptions {
            at_ms: Some(1_795_368_608_178),
            window_ms: 60_000,
            job: None,
        },
    );
    let calc = by_name(&w, "PythonCalc");
    assert_eq!(calc.parallelism, Some(2));
    assert_eq!(calc.rescale, None);
    assert_eq!(calc.samples.last().unwrap().t_ms, 1_795_368_608_178);
    assert_eq!(w.window_end_ms, 1_795_368_608_178);
}

#[test]
fn cumulative_counters_are_integrated_from_rates() {
    let w = read(&fixture("udf_bottleneck", "long"), &ReadOptions::default());
    let src = by_name(&w, "Source: ");
    let c = cumulative_series(&src.samples);
    assert_eq!(c.records_in.provenance, Provenance::Integrated);
    // A legacy source reports no task input: NUM_RECORDS_IN falls back to the source's output.
    let nri = c.num_records_in(true);
    assert!(std::ptr::eq(nri, &c.source_records_out));
    let values: Vec<f64> = nri.values.iter().map(|v| v.unwrap()).collect();
    assert_eq!(values[0], 0.0);
    assert!(values.windows(2).all(|p| p[1] >= p[0]));
    // The window rate is the time-weighted mean of the gauges (trapezoid rule).
    let span_s = (c.t_ms[69] - c.t_ms[0]) as f64 / 1000.0;
    let rate = values[69] / span_s;
    let gauges: Vec<f64> = src
        .samples
        .iter()
        .map(|s| s.source_records_out_per_s.unwrap())
        .collect();
    let mean = gauges.iter().sum::<f64>() / gauges.len() as f64;
    assert!((rate - mean).abs() / mean < 0.02, "rate {rate} mean {mean}");
    // Busy time integrates busy avg × parallelism; NaN busy leaves it absent.
    assert_eq!(c.accumulated_busy_ms.provenance, Provenance::Absent);
    let calc = cumulative_series(&by_name(&w, "PythonCalc").samples);
    assert_eq!(calc.accumulated_busy_ms.provenance, Provenance::Integrated);
}

// ---- shapes and spellings ----

#[test]
fn per_subtask_rows_are_aggregated_per_vertex() {
    let w = read_str(
        "timestamp,job,vertex,vertex_name,subtask,parallelism,metric,value\n\
         1795368508000,j,v1,Map,0,3,busyTimeMsPerSecond,100\n\
         1795368508000,j,v1,Map,1,3,busyTimeMsPerSecond,700\n\
         1795368508000,j,v1,Map,2,3,busyTimeMsPerSecond,400\n\
         1795368508000,j,v1,Map,0,3,numRecordsInPerSecond,10\n\
         1795368508000,j,v1,Map,1,3,numRecordsInPerSecond,20\n\
         1795368508000,j,v1,Map,2,3,numRecordsInPerSecond,NaN\n\
         1795368508000,j,v1,Map,0,3,backPressuredTimeMsPerSecond,0\n\
         1795368508000,j,v1,Map,1,3,backPressuredTimeMsPerSecond,300\n\
         1795368508000,j,v1,Map,0,3,Source__k.pendingRecords,5\n\
         1795368508000,j,v1,Map,1,3,Source__k.pendingRecords,7\n\
         1795368508000,j,v1,Map,0,3,Source__k.currentFetchEventTimeLag,50\n\
         1795368508000,j,v1,Map,1,3,Source__k.currentFetchEventTimeLag,80\n",
    )
    .unwrap();
    let v = &w.vertices[0];
    assert_eq!(
        (v.key.as_str(), v.name.as_deref(), v.parallelism),
        ("v1", Some("Map"), Some(3))
    );
    let s = &v.samples[0];
    assert_eq!(s.busy_max, Some(700.0));
    assert_eq!(s.busy_avg, Some(400.0));
    assert_eq!(s.records_in_per_s, Some(30.0));
    assert_eq!(s.backpressured_avg, Some(150.0));
    assert_eq!(s.pending_records, Some(12.0));
    assert_eq!(s.fetch_lag_max, Some(80.0));
    assert_eq!(w.stats.skipped_not_reported, 1);
}

#[test]
fn wide_per_subtask_rows_match_long() {
    let long = read_str(
        "time,task_id,subtask_index,metric,value\n\
         2026-11-22T10:00:00Z,v,0,busyTimeMsPerSecond,100\n\
         2026-11-22T10:00:00Z,v,1,busyTimeMsPerSecond,300\n\
         2026-11-22T10:00:00Z,v,0,numRecordsOutPerSecond,1\n\
         2026-11-22T10:00:00Z,v,1,numRecordsOutPerSecond,2\n",
    )
    .unwrap();
    let wide = read_str(
        "time,task_id,subtask_index,busyTimeMsPerSecond,numRecordsOutPerSecond\n\
         2026-11-22T11:00:00+01:00,v,0,100,1\n\
         2026-11-22T11:00:00+01:00,v,1,300,2\n",
    )
    .unwrap();
    assert_eq!(long.vertices, wide.vertices);
    let s = &wide.vertices[0].samples[0];
    assert_eq!(s.t_ms, 1_795_341_600_000);
    assert_eq!(
        (s.busy_max, s.busy_avg, s.records_out_per_s),
        (Some(300.0), Some(200.0), Some(3.0))
    );
}

#[test]
fn rfc3339_and_epoch_seconds_timestamps() {
    let csv = |ts: [&str; 2]| {
        format!(
            "timestamp,vertex,metric,value\n{},v,busyTimeMsPerSecond,1\n{},v,busyTimeMsPerSecond,2\n",
            ts[0], ts[1]
        )
    };
    let ms = read_str(&csv(["1795341600000", "1795341610000"])).unwrap();
    let secs = read_str(&csv(["1795341600", "1795341610"])).unwrap();
    let rfc = read_str(&csv(["2026-11-22T10:00:00Z", "2026-11-22T12:00:10+02:00"])).unwrap();
    let frac = read_str(&csv(["1795341600.000", "1795341610.0"])).unwrap();
    assert_eq!(ms.vertices, secs.vertices);
    assert_eq!(ms.vertices, rfc.vertices);
    assert_eq!(ms.vertices, frac.vertices);
    let ts: Vec<i64> = ms.vertices[0].samples.iter().map(|s| s.t_ms).collect();
    assert_eq!(ts, vec![1_795_341_600_000, 1_795_341_610_000]);
}

#[test]
fn duplicates_keep_the_last_value_and_warn() {
    let w = read_str(
        "timestamp,vertex,subtask,metric,value\n\
         1795341600000,v,0,busyTimeMsPerSecond,100\n\
         1795341600000,v,1,busyTimeMsPerSecond,200\n\
         1795341600000,v,0,busyTimeMsPerSecond,500\n\
         1795341600000,v,0,flink_taskmanager_job_task_busyTimeMsPerSecond,600\n",
    )
    .unwrap();
    let s = &w.vertices[0].samples[0];
    assert_eq!((s.busy_max, s.busy_avg), (Some(600.0), Some(400.0)));
    assert_eq!(w.stats.duplicates, 2);
    assert!(
        w.warnings
            .iter()
            .map(planscale::render::metrics::read_warning)
            .any(|m| m.starts_with("2 duplicate values") && m.contains("last one")),
        "{:?}",
        w.warnings
    );
}

#[test]
fn unknown_metrics_are_counted_and_listed() {
    let w = read_str(
        "timestamp,vertex,metric,value\n\
         1795341600000,v,busyTimeMsPerSecond.max,100\n\
         1795341600000,v,numRecordsInPerSecond.avg,5\n\
         1795341600000,v,Shuffle.Netty.Input.Buffers.inPoolUsage.avg,0.5\n\
         1795341600000,v,mailboxQueueSize,oops\n",
    )
    .unwrap();
    assert_eq!(w.stats.unknown_metrics, 2);
    assert_eq!(w.stats.unused_aggregations, 1);
    assert_eq!(
        w.stats.unknown_metric_names,
        vec![
            "Shuffle.Netty.Input.Buffers.inPoolUsage.avg",
            "mailboxQueueSize"
        ]
    );
    assert!(w.notes.iter().any(|n| n.contains("`mailboxQueueSize`")));
}

#[test]
fn several_jobs_need_job_selection() {
    let csv = "timestamp_ms,job_id,vertex_id,metric,value\n\
               1795341600000,aaa,v,busyTimeMsPerSecond,1\n\
               1795341600000,bbb,v,busyTimeMsPerSecond,2\n";
    let e = read_str(csv).unwrap_err();
    assert!(e.to_string().contains("2 jobs (aaa, bbb"), "{e}");
    let w = read_metrics_from(
        "input.csv",
        csv.as_bytes(),
        &ReadOptions {
            job: Some("bbb".into()),
            ..whole_file()
        },
    )
    .unwrap();
    assert_eq!(w.vertices[0].samples[0].busy_max, Some(2.0));
}

// ---- unusable input ----

#[test]
fn missing_required_column_is_named() {
    let f = temp_csv("timestamp,metric,value\n1795341600000,busyTimeMsPerSecond,1\n");
    let path = f.path().to_str().unwrap();
    let e = read_metrics(path, &whole_file()).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with(&format!("{path}:1:1: missing the vertex column")),
        "{text}"
    );
    assert!(text.contains("vertex, vertex_id, task_id"), "{text}");
}

#[test]
fn non_numeric_value_names_file_line_and_column() {
    let f = temp_csv(
        "timestamp_ms,vertex_id,vertex_name,metric,value\n\
         1795341600000,v,\"Source: a, b\",busyTimeMsPerSecond,1\n\
         1795341604000,v,\"Source: a, b\",busyTimeMsPerSecond,12ms\n",
    );
    let path = f.path().to_str().unwrap();
    let e = read_metrics(path, &whole_file()).unwrap_err();
    assert_eq!(e.file, path);
    assert_eq!(e.line, Some(3));
    // 1795341604000,v,"Source: a, b",busyTimeMsPerSecond, is 51 characters.
    assert_eq!(e.column, Some(52));
    assert!(e.message.contains("`12ms` is not a number"), "{e}");
    assert!(e.message.contains("busyTimeMsPerSecond"), "{e}");

    let e =
        read_str("timestamp,vertex,busyTimeMsPerSecond\n1795341600000,v,1\n1795341600000,v,x\n")
            .unwrap_err();
    assert_eq!((e.line, e.column), (Some(3), Some(17)), "{e}");
    let e = read_str("timestamp,vertex,metric,value\nnoon,v,busyTimeMsPerSecond,1\n").unwrap_err();
    assert_eq!((e.line, e.column), (Some(2), Some(1)), "{e}");
    assert!(e.message.contains("`noon` is not a timestamp"), "{e}");
    let e = read_str(
        "timestamp,vertex,subtask,metric,value\n1795341600000,v,first,busyTimeMsPerSecond,1\n",
    )
    .unwrap_err();
    assert!(e.message.contains("not a subtask index"), "{e}");
    let e = read_str(
        "timestamp,vertex,parallelism,metric,value\n1795341600000,v,0,busyTimeMsPerSecond,1\n",
    )
    .unwrap_err();
    assert!(e.message.contains("not a parallelism"), "{e}");
    let e = read_str("timestamp,vertex,metric,value\n1795341600000,,busyTimeMsPerSecond,1\n")
        .unwrap_err();
    assert!(e.message.contains("every row needs a vertex"), "{e}");
}

#[test]
fn empty_and_header_only_files() {
    let f = temp_csv("");
    let e = read_metrics(f.path().to_str().unwrap(), &whole_file()).unwrap_err();
    assert!(e.message.contains("empty"), "{e}");
    let e = read_str("\n\n").unwrap_err();
    assert!(e.message.contains("empty"), "{e}");
    let e = read_str("timestamp,vertex,metric,value\n").unwrap_err();
    assert!(e.message.contains("header row but no data rows"), "{e}");
    let e = read_str("timestamp,vertex,metric,value\n1795341600000,v,mailboxQueueSize,1\n")
        .unwrap_err();
    assert!(
        e.message
            .contains("the one row has no metric planscale uses"),
        "{e}"
    );
    assert!(e.message.contains("mailboxQueueSize"), "{e}");
}

#[test]
fn missing_files_and_directories() {
    let e = read_metrics("fixtures/metrics/nope.csv", &whole_file()).unwrap_err();
    assert_eq!(e.to_string(), "fixtures/metrics/nope.csv: no such file");
    let e = read_metrics("fixtures/metrics", &whole_file()).unwrap_err();
    assert!(e.message.contains("directory"), "{e}");
}

#[test]
fn invalid_utf8_is_not_a_panic() {
    let mut bytes =
        b"timestamp,vertex,metric,value\n1795341600000,v\xff,busyTimeMsPerSecond,1\n".to_vec();
    let w = read_metrics_from("x.csv", bytes.as_slice(), &whole_file()).unwrap();
    assert_eq!(w.vertices[0].key, "v\u{fffd}");
    bytes.extend_from_slice(b"1795341600000,v,busyTimeMsPerSecond,\xff\n");
    let e = read_metrics_from("x.csv", bytes.as_slice(), &whole_file()).unwrap_err();
    assert_eq!(e.line, Some(3));
}
