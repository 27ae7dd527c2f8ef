//! Conformance harness: runs the Flink autoscaler peer vectors through `planscale::scaler`.
//!
//! The vectors file is named by `PLANSCALE_PEER_CASES` (default
//! `fixtures/peer-cases/flink-autoscaler-cases.json`, relative to the crate). Its schema and the
//! comparison rules are in `fixtures/peer-cases/README.md`: options are `defaults`, then
//! `defaults_by_version`, then the case `config` (then an alternative's `config_remove`/`config`);
//! integers compare exactly, floats after rounding to 3 decimals, and every field of `expected`
//! (derived ones included) is binding — a field this harness does not know fails the case rather
//! than passing unchecked. A case (or alternative) runs once per version planscale claims (1.15.0,
//! main) among its `versions`, and once per extra ship-strategy list it declares; it passes only
//! if every run does. Nothing here knows individual cases: only kinds and field names.

use std::collections::BTreeMap;
use std::path::PathBuf;

use planscale::scaler::numeric::{round_decimal, DecimalRounding};
use planscale::scaler::options::Kind;
use planscale::scaler::*;
use planscale::settings;
use serde_json::{Map, Value};

/// Kinds the README marks as not reproducible offline, with the reason. None at present.
const SKIPPED_KINDS: &[(&str, &str)] = &[];

/// The vertex id used for single-vertex kinds whose vectors do not name one.
const VERTEX: &str = "vertex-under-test";

const ALIGNMENT_KEYS: [&str; 2] = [
    "job.autoscaler.scaling.key-group.partitions.adjust.mode",
    "job.autoscaler.scaling.parallelism-alignment.mode",
];

type Obj = Map<String, Value>;

#[test]
fn peer_cases() {
    // The upstream vectors, then planscale's own for 1.16.0 (FLINK-40389, released after the
    // upstream vectors' snapshot); PLANSCALE_PEER_CASES names other files (`:`-separated).
    let paths: Vec<PathBuf> = match std::env::var_os("PLANSCALE_PEER_CASES") {
        Some(v) => std::env::split_paths(&v).collect(),
        None => vec![
            PathBuf::from("fixtures/peer-cases/flink-autoscaler-cases.json"),
            PathBuf::from("fixtures/peer-cases/flink-autoscaler-1.16.0-cases.json"),
        ],
    };
    let (mut passed, mut failed, mut skipped, mut unclaimed) = (0, 0, 0, 0);
    for path in paths {
        let (p, f, s, u) = run_file(path);
        passed += p;
        failed += f;
        skipped += s;
        unclaimed += u;
    }
    if unclaimed > 0 {
        println!(
            "peer cases: {unclaimed} alternative(s) for versions planscale does not claim \
             (only 1.15.0, 1.16.0 and main are claimed) were not run"
        );
    }
    println!("peer cases: {passed} passed, {failed} failed, {skipped} skipped");
    assert_eq!(
        failed, 0,
        "{failed} peer case(s) failed; see the FAIL lines above"
    );
}

fn run_file(path: PathBuf) -> (usize, usize, usize, usize) {
    let path = if path.is_absolute() {
        path
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    let suite = Suite::new(&doc);
    let cases = doc
        .get("cases")
        .and_then(Value::as_array)
        .expect("`cases` must be an array");

    let (mut passed, mut failed, mut skipped, mut unclaimed) = (0, 0, 0, 0);
    for case in cases {
        let name = case
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("<unnamed>");
        let kind = case
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("<no kind>");
        if let Some((_, why)) = SKIPPED_KINDS.iter().find(|(k, _)| *k == kind) {
            println!("SKIP {name} [{kind}]: {why}");
            skipped += 1;
            continue;
        }
        for unit in units(case) {
            let versions = claimed_versions(&unit.versions);
            if versions.is_empty() {
                unclaimed += 1;
                continue;
            }
            let mut problems = Vec::new();
            for version in versions {
                for strategies in strategy_variants(case) {
                    let run = Run {
                        suite: &suite,
                        case,
                        version,
                        config: &unit.config,
                        expected: &unit.expected,
                        strategies: strategies.as_ref(),
                    };
                    if let Err(diffs) = run.check(kind) {
                        let variant = match &strategies {
                            Some(s) => format!(", ship strategies {s:?}"),
                            None => String::new(),
                        };
                        problems.push(format!(
                            "[{}{}] {}",
                            version.label(),
                            variant,
                            diffs.join("; ")
                        ));
                    }
                }
            }
            if problems.is_empty() {
                passed += 1;
            } else {
                failed += 1;
                println!(
                    "FAIL {name}{} [{kind}]: {}",
                    unit.label,
                    problems.join(" | ")
                );
            }
        }
    }
    (passed, failed, skipped, unclaimed)
}

/// The file-level defaults.
struct Suite {
    defaults: Obj,
    by_version: Vec<(Version, Obj)>,
}

impl Suite {
    fn new(doc: &Value) -> Suite {
        let defaults = doc
            .get("defaults")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let by_version = doc
            .get("defaults_by_version")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(label, v)| Some((Version::parse(label)?, v.as_object()?.clone())))
                    .collect()
            })
            .unwrap_or_default();
        Suite {
            defaults,
            by_version,
        }
    }

    /// defaults → defaults_by_version → explicit. A default alignment key does not count as set:
    /// when the explicit config names either alignment key, the other one is dropped unless it is
    /// explicit too (otherwise main's default `BALANCED` would override a pinned legacy mode).
    fn options(&self, version: Version, explicit: &Obj) -> Result<AutoscalerOptions, String> {
        let mut map = self.defaults.clone();
        for (v, m) in &self.by_version {
            if *v == version {
                map.extend(m.clone());
            }
        }
        if ALIGNMENT_KEYS.iter().any(|k| explicit.contains_key(*k)) {
            for k in ALIGNMENT_KEYS {
                if !explicit.contains_key(k) {
                    map.remove(k);
                }
            }
        }
        map.extend(explicit.clone());
        // The vectors write durations as seconds; Flink reads a bare number as milliseconds.
        let strings: Vec<(String, String)> = map
            .iter()
            .filter_map(|(k, v)| {
                let text = match (settings::autoscaler_kind(k), v.as_f64()) {
                    (Some(Kind::Duration), Some(secs)) => format!("{} ms", (secs * 1000.0).round()),
                    _ => config_string(v)?,
                };
                Some((k.clone(), text))
            })
            .collect();
        AutoscalerOptions::from_map(version, strings).map_err(|e| format!("config: {e}"))
    }
}

fn config_string(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(config_string)
                .collect::<Vec<_>>()
                .join(";"),
        ),
        Value::Object(_) => Some(v.to_string()),
    }
}

/// A case or one of its alternatives.
struct Unit {
    label: String,
    versions: Vec<String>,
    config: Obj,
    expected: Value,
}

fn units(case: &Value) -> Vec<Unit> {
    let config = case
        .get("config")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let expected = case.get("expected").cloned().unwrap_or(Value::Null);
    let mut out = vec![Unit {
        label: String::new(),
        versions: strings(case.get("versions")),
        config: config.clone(),
        expected: expected.clone(),
    }];
    for (i, alt) in case
        .get("alternatives")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let mut c = config.clone();
        for key in strings(alt.get("config_remove")) {
            c.remove(&key);
        }
        if let Some(extra) = alt.get("config").and_then(Value::as_object) {
            c.extend(extra.clone());
        }
        // An alternative lists the fields that differ; the rest of the case's expectation holds.
        let mut e = expected.clone();
        match (e.as_object_mut(), alt.get("expected")) {
            (Some(base), Some(Value::Object(over))) => base.extend(over.clone()),
            (_, Some(over)) => e = over.clone(),
            _ => {}
        }
        out.push(Unit {
            label: format!(" (alternative {})", i + 1),
            versions: strings(alt.get("versions")),
            config: c,
            expected: e,
        });
    }
    out
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The claimed versions among labels like `1.15.0`, `main@6e9caeb4` or ranges `1.12.0-1.15.0`.
fn claimed_versions(labels: &[String]) -> Vec<Version> {
    let mut out = Vec::new();
    for label in labels {
        let v = Version::parse(label).or_else(|| {
            let (lo, hi) = label.split_once('-')?;
            let (lo, hi) = (semver(lo)?, semver(hi)?);
            (lo <= (1, 15, 0) && (1, 15, 0) <= hi).then_some(Version::V1_15)
        });
        if let Some(v) = v {
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

fn semver(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.trim().split('.').map(|p| p.parse::<u32>().ok());
    Some((it.next()??, it.next()??, it.next().flatten().unwrap_or(0)))
}

/// `None` = the case's own input; then each `also_holds_for_ship_strategies` list.
fn strategy_variants(case: &Value) -> Vec<Option<Vec<String>>> {
    let mut out = vec![None];
    for list in case
        .get("also_holds_for_ship_strategies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push(Some(strings(Some(list))));
    }
    out
}

/// One run of one unit under one version.
struct Run<'a> {
    suite: &'a Suite,
    case: &'a Value,
    version: Version,
    config: &'a Obj,
    expected: &'a Value,
    strategies: Option<&'a Vec<String>>,
}

type Outcome = Result<(), Vec<String>>;

impl Run<'_> {
    fn check(&self, kind: &str) -> Outcome {
        let opts = self
            .suite
            .options(self.version, self.config)
            .map_err(|e| vec![e])?;
        let input = self.case.get("input").unwrap_or(&Value::Null);
        let mut cmp = Cmp::new(self.expected);
        match kind {
            "thresholds" => self.thresholds(&opts, input, &mut cmp),
            "restart_time" => {
                let tracked: Vec<f64> = field(input, "tracked_restart_durations_s")?
                    .as_array()
                    .ok_or_else(|| vec!["input: tracked_restart_durations_s is not a list".into()])?
                    .iter()
                    .map(|v| num(v).unwrap_or(f64::NAN))
                    .collect();
                cmp.num("restart_time_s", restart_time(&opts, &tracked));
                Ok(())
            }
            "scaling_coefficient" => {
                let history = history(input)?;
                cmp.num(
                    "coefficient",
                    scaling_coefficient(
                        &history,
                        opts.observed_scalability_min_observations,
                        opts.observed_scalability_coefficient_min,
                    ),
                );
                Ok(())
            }
            "true_processing_rate" => {
                let samples: Vec<f64> = field(input, "observed_tpr_samples")?
                    .as_array()
                    .map(|a| a.iter().map(|v| num(v).unwrap_or(f64::NAN)).collect())
                    .unwrap_or_default();
                let observed = average_of(samples, opts.observed_tpr_min_observations);
                let (tpr, _) = true_processing_rate(
                    number(input, "busy_time_ms_per_s")?,
                    number(input, "input_rate")?,
                    observed,
                    opts.observed_tpr_switch_threshold,
                );
                cmp.num("true_processing_rate", tpr);
                Ok(())
            }
            "observed_tpr_sample" => {
                let v = observed_tpr_sample(
                    &opts,
                    number(input, "lag")?,
                    number(input, "source_records_in_per_second")?,
                    number(input, "backpressured_time_ms_per_s_avg")?,
                    number(input, "previous_observed_tpr_average")?,
                );
                cmp.num("observed_tpr", v);
                Ok(())
            }
            "observed_tpr_backpressure" => {
                let v = observed_tpr_with_backpressure(
                    number(input, "records_in_per_second")?,
                    number(input, "backpressured_time_ms_per_s")?,
                );
                cmp.num("observed_tpr", v);
                Ok(())
            }
            "load_sample" => {
                let agg = field(input, "busy_time_ms_per_s_aggregates")?;
                let metrics = busy_metrics_sample(
                    Aggregates {
                        min: number(agg, "min")?,
                        max: number(agg, "max")?,
                        avg: number(agg, "avg")?,
                    },
                    number(input, "accumulated_busy_time")?,
                    opts.busy_time_aggregator,
                );
                for (metric, value) in metrics {
                    cmp.num(metric.name(), value);
                }
                Ok(())
            }
            "busy_time" => {
                let window = window(input)?;
                let id = single_vertex(&window)?;
                cmp.num(
                    "busy_time_ms_per_s",
                    busy_time_ms_per_s(
                        &window,
                        &id,
                        integer(input, "parallelism")?,
                        opts.busy_time_aggregator,
                    ),
                );
                Ok(())
            }
            "tpr_input_rate" => {
                let window = window(input)?;
                let id = single_vertex(&window)?;
                cmp.num(
                    "input_rate",
                    tpr_input_rate(&window, &id, opts.busy_time_aggregator, opts.version),
                );
                Ok(())
            }
            "rate" => {
                let window = window(input)?;
                cmp.list("rates", |entry| {
                    let vertex = text(entry, "vertex")?;
                    let metric = metric_name(text(entry, "metric")?)?;
                    Ok(("per_second", window.rate(&vertex, metric)))
                });
                Ok(())
            }
            "edge_output_ratio" => {
                let topology = topology(input)?;
                let window = window(input)?;
                cmp.list("ratios", |entry| {
                    let from = text(entry, "from")?;
                    let to = text(entry, "to")?;
                    Ok(("ratio", edge_output_ratio(&topology, &window, &from, &to)))
                });
                Ok(())
            }
            "backlog_detection" => {
                let topology = topology(input)?;
                let window = window(input)?;
                cmp.boolean(
                    "processing_backlog",
                    is_processing_backlog(&opts, &topology, &window),
                );
                Ok(())
            }
            "evaluate" => {
                let evaluation = self.evaluation(&opts, input)?;
                cmp.boolean("processing_backlog", evaluation.processing_backlog);
                cmp.evaluated("vertices", &evaluation);
                Ok(())
            }
            "scenario" => {
                let evaluation = self.evaluation(&opts, input)?;
                let now = window(input)?.latest_t_ms().unwrap_or(0);
                let restart = restart_or_configured(input, &opts)?;
                let decision = decide_job_for_evaluation(
                    &opts,
                    &evaluation,
                    restart,
                    &mut ScalerState::default(),
                    now,
                );
                cmp.boolean("processing_backlog", evaluation.processing_backlog);
                cmp.evaluated("evaluated", &evaluation);
                cmp.scaled("scaled_vertices", &decision.scaled_vertices);
                cmp.boolean("rescale", decision.rescale);
                Ok(())
            }
            "job_summary" => {
                let restart = number(input, "restart_time_s")?;
                let backlog = boolean(input, "processing_backlog")?;
                let vertices = field(input, "vertices")?
                    .as_array()
                    .ok_or_else(|| vec!["input: vertices is not a list".to_string()])?
                    .iter()
                    .map(|v| {
                        Ok(JobVertexInput {
                            id: text(v, "id")?,
                            input: self.vertex_input(v, Some(restart), Some(backlog))?,
                        })
                    })
                    .collect::<Result<Vec<_>, Vec<String>>>()?;
                let decision = decide_job(&opts, &vertices, None, &mut ScalerState::default(), 0);
                cmp.scaled("scaled_vertices", &decision.scaled_vertices);
                cmp.boolean("rescale", decision.rescale);
                Ok(())
            }
            "vertex_parallelism" => {
                let vin = self.vertex_input(input, None, None)?;
                let history = match input.get("history") {
                    Some(_) => history(input)?,
                    None => Vec::new(),
                };
                let mut delayed = DelayedScaleDown::default();
                let d = decide_vertex(&opts, VERTEX, &vin, &history, &mut delayed, 0);
                cmp.vertex_decision(&d, &delayed);
                Ok(())
            }
            "vertex_sequence" => self.sequence(&mut cmp),
            "scale" => {
                let strategies = self.ship_strategies(input)?;
                let result = scale(
                    &ScaleInput {
                        current_parallelism: integer(input, "current_parallelism")?,
                        input_ship_strategies: &strategies,
                        num_source_partitions: integer(input, "num_source_partitions")?,
                        max_parallelism: integer(input, "max_parallelism")?,
                        scale_factor: number(input, "scale_factor")?,
                        parallelism_lower_limit: integer(input, "parallelism_lower_limit")?,
                        parallelism_upper_limit: integer(input, "parallelism_upper_limit")?,
                        cap_at_partitions: self.version.caps_source_parallelism(),
                    },
                    opts.alignment_mode(),
                );
                match result {
                    Ok(o) => cmp.num("new_parallelism", o.new_parallelism as f64),
                    Err(ScaleError::InvalidArgument { .. }) => {
                        cmp.text("error", "invalid-argument")
                    }
                }
                Ok(())
            }
            "alignment" => {
                let strategies = self.ship_strategies(input)?;
                let o = align(
                    &AlignInput {
                        current_parallelism: integer(input, "current_parallelism")?,
                        target: integer(input, "clamped_target")?,
                        num_source_partitions: integer(input, "num_source_partitions")?,
                        max_parallelism: integer(input, "max_parallelism")?,
                        parallelism_lower_limit: integer(input, "parallelism_lower_limit")?,
                        parallelism_upper_limit: integer(input, "parallelism_upper_limit")?,
                        cap_at_partitions: self.version.caps_source_parallelism(),
                        input_ship_strategies: &strategies,
                    },
                    opts.alignment_mode(),
                );
                cmp.num("new_parallelism", o.new_parallelism as f64);
                cmp.optional_boolean("applicable", o.applicable);
                Ok(())
            }
            "delayed_scale_down" => self.delayed(&mut cmp),
            other => Err(vec![format!("kind `{other}` is not implemented")]),
        }?;
        cmp.finish()
    }

    fn thresholds(&self, opts: &AutoscalerOptions, input: &Value, cmp: &mut Cmp) -> Outcome {
        let t = rate_thresholds(
            opts,
            number(input, "target_data_rate")?,
            number(input, "catch_up_data_rate")?,
            number(input, "restart_time_s")?,
            boolean(input, "processing_backlog")?,
        );
        cmp.num("scale_up_rate_threshold", t.scale_up);
        cmp.num("scale_down_rate_threshold", t.scale_down);
        Ok(())
    }

    fn evaluation(
        &self,
        opts: &AutoscalerOptions,
        input: &Value,
    ) -> Result<Evaluation, Vec<String>> {
        let topology = topology(input)?;
        let window = window(input)?;
        evaluate(
            opts,
            &topology,
            &window,
            restart_or_configured(input, opts)?,
        )
        .map_err(|e| vec![format!("evaluate failed: {e}")])
    }

    fn ship_strategies(&self, input: &Value) -> Result<Vec<ShipStrategy>, Vec<String>> {
        let names = match self.strategies {
            Some(list) => list.clone(),
            None => strings(Some(field(input, "input_ship_strategies")?)),
        };
        Ok(names.iter().map(|s| ShipStrategy::parse(s)).collect())
    }

    fn vertex_input(
        &self,
        v: &Value,
        restart: Option<f64>,
        backlog: Option<bool>,
    ) -> Result<VertexInput, Vec<String>> {
        Ok(VertexInput {
            current_parallelism: integer(v, "current_parallelism")?,
            max_parallelism: integer(v, "max_parallelism")?,
            num_source_partitions: integer(v, "num_source_partitions")?,
            input_ship_strategies: self.ship_strategies(v)?,
            true_processing_rate: number(v, "true_processing_rate")?,
            target_data_rate: number(v, "target_data_rate")?,
            catch_up_data_rate: number(v, "catch_up_data_rate")?,
            restart_time_s: match restart {
                Some(r) => r,
                None => number(v, "restart_time_s")?,
            },
            processing_backlog: match backlog {
                Some(b) => b,
                None => boolean(v, "processing_backlog")?,
            },
        })
    }

    fn sequence(&self, cmp: &mut Cmp) -> Outcome {
        let mut state = ScalerState::default();
        for r in self
            .case
            .get("initial_delayed_scale_down")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            state.delayed.trigger(
                VERTEX,
                seconds_to_ms(number(r, "t_s")?),
                integer(r, "parallelism")?,
                boolean(r, "outside_utilization_bound")?,
            );
        }
        let steps = self
            .case
            .get("steps")
            .and_then(Value::as_array)
            .ok_or_else(|| vec!["case: steps is not a list".to_string()])?;
        let mut diffs = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            let mut config = self.config.clone();
            if let Some(extra) = step.get("config").and_then(Value::as_object) {
                config.extend(extra.clone());
            }
            let opts = self
                .suite
                .options(self.version, &config)
                .map_err(|e| vec![e])?;
            let now = seconds_to_ms(number(step, "t_s")?);
            let input = field(step, "input")?;
            let vin = self.vertex_input(input, None, None)?;
            let history = state.history.trimmed(&opts, VERTEX, now).to_vec();
            let d = decide_vertex(&opts, VERTEX, &vin, &history, &mut state.delayed, now);
            let expected = step.get("expected").cloned().unwrap_or(Value::Null);
            let mut step_cmp = Cmp::new(&expected);
            step_cmp.vertex_decision(&d, &state.delayed);
            if let Err(step_diffs) = step_cmp.finish() {
                diffs.push(format!("step {}: {}", i + 1, step_diffs.join(", ")));
            }
            if step.get("append_to_history").and_then(Value::as_bool) == Some(true) && d.is_change()
            {
                state.history.add(
                    VERTEX,
                    ScalingRecord {
                        t_ms: now,
                        current_parallelism: d.current_parallelism,
                        new_parallelism: d.new_parallelism,
                        true_processing_rate: d.true_processing_rate,
                        expected_processing_rate: d.expected_processing_rate.unwrap_or(f64::NAN),
                    },
                );
            }
        }
        cmp.expected = &Value::Null;
        if diffs.is_empty() {
            Ok(())
        } else {
            Err(diffs)
        }
    }

    fn delayed(&self, cmp: &mut Cmp) -> Outcome {
        let input = self.case.get("input").unwrap_or(&Value::Null);
        let lookup = |key: &str| self.case.get(key).or_else(|| input.get(key));
        let mut delayed = DelayedScaleDown::default();
        let mut trigger = |t: &Value| -> Outcome {
            delayed.trigger(
                VERTEX,
                seconds_to_ms(number(t, "t_s")?),
                integer(t, "parallelism")?,
                boolean(t, "outside_utilization_bound")?,
            );
            Ok(())
        };
        for t in lookup("triggers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            trigger(t)?;
        }
        let mut diffs = Vec::new();
        let mut query = |delayed: &mut DelayedScaleDown, q: &Value, label: String| -> Outcome {
            let start = seconds_to_ms(number(q, "window_start_s")?);
            let actual = delayed.get_mut(VERTEX).and_then(|v| v.max_since(start));
            let expected = q.get("expected").cloned().unwrap_or(Value::Null);
            let mut c = Cmp::new(&expected);
            match actual {
                Some(r) => {
                    c.num("trigger_t_s", r.t_ms as f64 / 1000.0);
                    c.num("parallelism", r.parallelism as f64);
                    c.boolean("outside_utilization_bound", r.outside_utilization_bound);
                }
                None if expected.is_null() => {}
                None => c.diffs.push("no recommendation in the window".into()),
            }
            if let Err(d) = c.finish() {
                diffs.push(format!("{label}: {}", d.join(", ")));
            }
            Ok(())
        };
        for (i, q) in lookup("queries")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            query(&mut delayed, q, format!("query {}", i + 1))?;
        }
        for (i, s) in lookup("steps")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let t = field(s, "trigger")?;
            delayed.trigger(
                VERTEX,
                seconds_to_ms(number(t, "t_s")?),
                integer(t, "parallelism")?,
                boolean(t, "outside_utilization_bound")?,
            );
            query(&mut delayed, s, format!("step {}", i + 1))?;
        }
        cmp.expected = &Value::Null;
        if diffs.is_empty() {
            Ok(())
        } else {
            Err(diffs)
        }
    }
}

/// The input's `restart_time_s`, or the configured restart time (§7.6) when the vector omits it.
fn restart_or_configured(input: &Value, opts: &AutoscalerOptions) -> Result<f64, Vec<String>> {
    match input.get("restart_time_s") {
        Some(_) => number(input, "restart_time_s"),
        None => Ok(restart_time(opts, &[])),
    }
}

fn seconds_to_ms(s: f64) -> i64 {
    (s * 1000.0).round() as i64
}

/// Compares actual values against `expected`, remembering which fields were checked.
struct Cmp<'a> {
    expected: &'a Value,
    checked: Vec<String>,
    diffs: Vec<String>,
}

impl<'a> Cmp<'a> {
    fn new(expected: &'a Value) -> Cmp<'a> {
        Cmp {
            expected,
            checked: Vec::new(),
            diffs: Vec::new(),
        }
    }

    fn get(&mut self, key: &str) -> Option<&'a Value> {
        self.checked.push(key.to_string());
        self.expected.get(key)
    }

    /// A number that must be present in `expected`.
    fn num(&mut self, key: &str, actual: f64) {
        match self.get(key) {
            Some(v) => self.compare_num(key, v, actual),
            None => self
                .diffs
                .push(format!("{key}: missing from expected (actual {actual})")),
        }
    }

    fn compare_num(&mut self, key: &str, expected: &Value, actual: f64) {
        match num(expected) {
            Some(e) if same_number(e, actual) => {}
            Some(e) => self
                .diffs
                .push(format!("{key}: expected {e}, actual {actual}")),
            None => self.diffs.push(format!(
                "{key}: expected {expected} is not a number (actual {actual})"
            )),
        }
    }

    /// A number compared only when `expected` has it; a missing actual value then fails.
    fn optional_num(&mut self, key: &str, actual: Option<f64>) {
        if let Some(e) = self.get(key) {
            match actual {
                Some(a) => self.compare_num(key, e, a),
                None => self.diffs.push(format!("{key}: expected {e}, actual none")),
            }
        }
    }

    fn boolean(&mut self, key: &str, actual: bool) {
        match self.get(key).map(Value::as_bool) {
            Some(Some(e)) if e == actual => {}
            Some(e) => self
                .diffs
                .push(format!("{key}: expected {e:?}, actual {actual}")),
            None => self.diffs.push(format!("{key}: missing from expected")),
        }
    }

    fn optional_boolean(&mut self, key: &str, actual: bool) {
        if let Some(e) = self.get(key) {
            if e.as_bool() != Some(actual) {
                self.diffs
                    .push(format!("{key}: expected {e}, actual {actual}"));
            }
        }
    }

    fn text(&mut self, key: &str, actual: &str) {
        match self.get(key).and_then(Value::as_str) {
            Some(e) if e == actual => {}
            e => self
                .diffs
                .push(format!("{key}: expected {e:?}, actual {actual}")),
        }
    }

    fn optional_text(&mut self, key: &str, actual: Option<&str>) {
        if let Some(e) = self.get(key) {
            if e.as_str() != actual {
                self.diffs
                    .push(format!("{key}: expected {e}, actual {actual:?}"));
            }
        }
    }

    /// A list of objects, each checked on its value field by `actual(entry)`.
    fn list(
        &mut self,
        key: &str,
        actual: impl Fn(&Value) -> Result<(&'static str, f64), Vec<String>>,
    ) {
        let Some(items) = self.get(key).and_then(Value::as_array) else {
            self.diffs.push(format!("{key}: expected a list"));
            return;
        };
        for (i, entry) in items.iter().enumerate() {
            match actual(entry) {
                Ok((field, value)) => match entry.get(field) {
                    Some(e) => self.compare_num(&format!("{key}[{i}].{field}"), e, value),
                    None => self.diffs.push(format!("{key}[{i}]: no `{field}`")),
                },
                Err(e) => self.diffs.push(format!("{key}[{i}]: {}", e.join(", "))),
            }
        }
    }

    /// Per-vertex evaluated metrics, `{ id: { METRIC: value } }`.
    fn evaluated(&mut self, key: &str, evaluation: &Evaluation) {
        let Some(vertices) = self.get(key).and_then(Value::as_object) else {
            self.diffs.push(format!("{key}: expected an object"));
            return;
        };
        for (id, metrics) in vertices {
            let Some(actual) = evaluation.vertex(id) else {
                self.diffs.push(format!("{key}.{id}: vertex not evaluated"));
                continue;
            };
            for (name, e) in metrics.as_object().into_iter().flatten() {
                let label = format!("{key}.{id}.{name}");
                match ScalingMetric::parse(name).map(|m| actual.metric(m)) {
                    Some(Some(a)) => self.compare_num(&label, e, a),
                    Some(None) => self
                        .diffs
                        .push(format!("{label}: expected {e}, actual none")),
                    None => self.diffs.push(format!("{label}: unknown metric")),
                }
            }
        }
    }

    /// `{ id: parallelism }`, compared as a whole.
    fn scaled(&mut self, key: &str, actual: &BTreeMap<String, i64>) {
        let Some(expected) = self.get(key).and_then(Value::as_object) else {
            self.diffs.push(format!("{key}: expected an object"));
            return;
        };
        let expected: BTreeMap<String, Option<i64>> = expected
            .iter()
            .map(|(k, v)| (k.clone(), v.as_i64()))
            .collect();
        let actual_opt: BTreeMap<String, Option<i64>> =
            actual.iter().map(|(k, v)| (k.clone(), Some(*v))).collect();
        if expected != actual_opt {
            self.diffs
                .push(format!("{key}: expected {expected:?}, actual {actual:?}"));
        }
    }

    /// The `vertex_parallelism` expectation (also used per sequence step).
    fn vertex_decision(&mut self, d: &VertexDecision, delayed: &DelayedScaleDown) {
        self.text("action", d.action.as_str());
        self.num("new_parallelism", d.new_parallelism as f64);
        if self.expected.get("outside_utilization_bound").is_some() {
            self.boolean("outside_utilization_bound", d.outside_utilization_bound);
        }
        self.optional_num("scale_up_rate_threshold", Some(d.thresholds.scale_up));
        self.optional_num("scale_down_rate_threshold", Some(d.thresholds.scale_down));
        self.optional_num("expected_processing_rate", d.expected_processing_rate);
        self.optional_text("reason", d.reason.tag());
        if self.expected.get("pending_delayed_scale_down").is_some() {
            self.boolean("pending_delayed_scale_down", delayed.is_pending(VERTEX));
        }
    }

    /// Fails on any difference, and on any expected field nobody looked at.
    fn finish(self) -> Outcome {
        let mut diffs = self.diffs;
        if let Some(obj) = self.expected.as_object() {
            for key in obj.keys() {
                if !self.checked.iter().any(|c| c == key) {
                    diffs.push(format!("{key}: field not checked by this harness"));
                }
            }
        }
        if diffs.is_empty() {
            Ok(())
        } else {
            Err(diffs)
        }
    }
}

fn same_number(expected: f64, actual: f64) -> bool {
    if expected.is_nan() || actual.is_nan() {
        return expected.is_nan() && actual.is_nan();
    }
    if expected.is_infinite() || actual.is_infinite() {
        return expected == actual;
    }
    let r = |x: f64| round_decimal(x, 3, DecimalRounding::HalfUp);
    r(expected) == r(actual)
}

/// A JSON number, or one of the strings `Infinity`, `-Infinity`, `NaN`.
fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "Infinity" | "+Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            "NaN" => Some(f64::NAN),
            _ => None,
        },
        _ => None,
    }
}

fn field<'v>(v: &'v Value, key: &str) -> Result<&'v Value, Vec<String>> {
    v.get(key)
        .ok_or_else(|| vec![format!("input: `{key}` is missing")])
}

fn number(v: &Value, key: &str) -> Result<f64, Vec<String>> {
    num(field(v, key)?).ok_or_else(|| vec![format!("input: `{key}` is not a number")])
}

fn integer(v: &Value, key: &str) -> Result<i64, Vec<String>> {
    let x = number(v, key)?;
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Ok(x as i64)
    } else {
        Err(vec![format!("input: `{key}` is not an integer")])
    }
}

fn boolean(v: &Value, key: &str) -> Result<bool, Vec<String>> {
    field(v, key)?
        .as_bool()
        .ok_or_else(|| vec![format!("input: `{key}` is not a boolean")])
}

fn text(v: &Value, key: &str) -> Result<String, Vec<String>> {
    field(v, key)?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| vec![format!("input: `{key}` is not a string")])
}

fn metric_name(name: String) -> Result<ScalingMetric, Vec<String>> {
    ScalingMetric::parse(&name).ok_or_else(|| vec![format!("unknown metric `{name}`")])
}

fn history(input: &Value) -> Result<Vec<ScalingRecord>, Vec<String>> {
    field(input, "history")?
        .as_array()
        .ok_or_else(|| vec!["input: history is not a list".to_string()])?
        .iter()
        .map(|r| {
            let current = integer(r, "current_parallelism")?;
            Ok(ScalingRecord {
                t_ms: 0,
                current_parallelism: current,
                new_parallelism: r
                    .get("new_parallelism")
                    .and_then(num)
                    .map_or(current, |v| v as i64),
                true_processing_rate: number(r, "true_processing_rate")?,
                expected_processing_rate: r
                    .get("expected_processing_rate")
                    .and_then(num)
                    .unwrap_or(f64::NAN),
            })
        })
        .collect()
}

fn topology(input: &Value) -> Result<Topology, Vec<String>> {
    let vertices = field(input, "topology")?
        .as_array()
        .ok_or_else(|| vec!["input: topology is not a list".to_string()])?
        .iter()
        .map(|v| {
            let inputs = v
                .get("inputs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|i| {
                    Ok(Input {
                        from: text(i, "from")?,
                        ship_strategy: ShipStrategy::parse(&text(i, "ship_strategy")?),
                    })
                })
                .collect::<Result<Vec<_>, Vec<String>>>()?;
            Ok(VertexInfo {
                id: text(v, "id")?,
                parallelism: integer(v, "parallelism")?,
                max_parallelism: integer(v, "max_parallelism")?,
                num_source_partitions: match v.get("num_source_partitions") {
                    Some(_) => integer(v, "num_source_partitions")?,
                    None => 0,
                },
                inputs,
            })
        })
        .collect::<Result<Vec<_>, Vec<String>>>()?;
    Topology::new(vertices).map_err(|e| vec![format!("topology: {e}")])
}

fn window(input: &Value) -> Result<MetricWindow, Vec<String>> {
    let samples = field(input, "metric_history")?
        .as_array()
        .ok_or_else(|| vec!["input: metric_history is not a list".to_string()])?
        .iter()
        .map(|s| {
            let mut sample = Sample::new(integer(s, "t_ms")?);
            for (id, metrics) in s
                .get("vertices")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let entry = sample.vertices.entry(id.clone()).or_default();
                for (name, value) in metrics.as_object().into_iter().flatten() {
                    let metric = metric_name(name.clone())?;
                    let value = num(value)
                        .ok_or_else(|| vec![format!("metric {id}.{name} is not a number")])?;
                    entry.insert(metric, value);
                }
            }
            for (name, value) in s
                .get("global")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let metric = metric_name(name.clone())?;
                let value =
                    num(value).ok_or_else(|| vec![format!("global {name} is not a number")])?;
                sample.global.insert(metric, value);
            }
            Ok(sample)
        })
        .collect::<Result<Vec<_>, Vec<String>>>()?;
    Ok(MetricWindow::new(samples))
}

/// The one vertex of a single-vertex metric history.
fn single_vertex(window: &MetricWindow) -> Result<String, Vec<String>> {
    let ids = window.vertex_ids();
    match ids.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(vec![format!(
            "expected one vertex in metric_history, found {ids:?}"
        )]),
    }
}
