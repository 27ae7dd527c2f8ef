//! Output of `tune`: the front and the choice as a table or JSON, the files it writes (a Flink
//! config.yaml fragment, a FlinkDeployment merge patch, `simulate` policy files of the chosen
//! settings and schedule), the plot, and its warnings. The figures of a policy are written with
//! the same fields and rounding as `simulate --format json`, so the two can be compared.

use comfy_table::{presets, Cell, CellAlignment, Table};
use serde_json::{json, Map, Value};

use crate::render::simulate::secs;
use crate::render::{number, short, VERSION};
use crate::sim::engine::Summary;
use crate::sim::policy::scheduled::{self, Period};
use crate::tune::{meets, Evaluated, Figures, Label, TuneOutcome, Tuner};

/// What `simulate` needs to confirm the result, for the text's last lines.
#[derive(Debug, Clone, Default)]
pub struct Confirm {
    /// The flags that read the recording again (`--metrics CSV`, or `--prometheus URL` with the
    /// range it resolved to).
    pub source: String,
    /// `--graph G` or `--plan P`.
    pub topology: String,
    pub policy: Option<String>,
    pub schedule: Option<String>,
    /// The other flags, each `--flag value`.
    pub flags: Vec<String>,
}

/// The note on the restart time when it was measured from the recording, in `simulate`'s words.
pub fn note(o: &TuneOutcome) -> Option<String> {
    crate::render::simulate::restart_words(&o.restart, o.duration_ms).0
}

/// The warnings of the recording and the replay, in `simulate`'s words.
pub fn said(t: &Tuner, o: &TuneOutcome) -> Vec<String> {
    let rec = &t.request().simulate.recorded;
    let mut w: Vec<String> = rec
        .metric_warnings
        .iter()
        .map(crate::render::metrics::read_warning)
        .collect();
    w.extend(
        rec.recording_warnings
            .iter()
            .map(crate::render::simulate::recording_warning),
    );
    let (_, restart) = crate::render::simulate::restart_words(&o.restart, o.duration_ms);
    w.extend(restart);
    w.extend(
        rec.model
            .unlimited()
            .iter()
            .map(|v| crate::render::simulate::unlimited_capacity(v)),
    );
    if !o.skipped.is_empty() {
        w.push(format!(
            "{} candidate{} skipped: {} (with the current settings)",
            o.skipped.len(),
            if o.skipped.len() == 1 {
                " was"
            } else {
                "s were"
            },
            o.skipped[0].1.message
        ));
    }
    if !o.feasible {
        w.push(format!(
            "no candidate keeps the pending p95 at most {}{}: the closest is shown; widen --space, raise --budget or the target",
            secs(o.pending_p95_ms as f64),
            o.max_rescales_per_day
                .map_or(String::new(), |c| format!(" with at most {} rescales a day", short(c)))
        ));
    }
    w
}

/// The short key of a full autoscaler key.
fn short_key(k: &str) -> &str {
    k.strip_prefix("job.autoscaler.").unwrap_or(k)
}

/// The settings of `e` that differ from the current settings' values, `key=value`.
fn changes(o: &TuneOutcome, e: &Evaluated) -> String {
    let current = o
        .evaluated
        .iter()
        .find(|x| x.label == Label::Current)
        .or_else(|| o.evaluated.iter().find(|x| x.label == Label::Defaults));
    let parts: Vec<String> = e
        .settings
        .iter()
        .filter(|kv| current.is_none_or(|c| !c.settings.contains(kv)))
        .map(|(k, v)| format!("{}={v}", short_key(k)))
        .collect();
    if parts.is_empty() {
        "(the current settings)".into()
    } else {
        parts.join(" ")
    }
}

fn marks(o: &TuneOutcome, i: usize) -> String {
    let e = &o.evaluated[i];
    let mut m = Vec::new();
    if i == o.choice {
        m.push("chosen");
    }
    match e.label {
        Label::Defaults if !o.evaluated.iter().any(|x| x.label == Label::Current) => {
            m.push("defaults = current")
        }
        Label::Defaults => m.push("defaults"),
        Label::Current => m.push("current"),
        Label::Sampled => {}
    }
    m.join(", ")
}

fn right(x: String) -> Cell {
    Cell::new(x).set_alignment(CellAlignment::Right)
}

fn figures_cells(f: &Figures, goal: f64, cap: Option<f64>) -> Vec<Cell> {
    vec![
        right(short(f.cu_hours)),
        right(secs(f.pending_p95_ms)),
        right(f.rescales.to_string()),
        right(short(f.rescales_per_day)),
        Cell::new(if meets(f, goal, cap) { "yes" } else { "no" }),
    ]
}

/// The text: the front, the choice against the defaults and the current settings, how sure,
/// the schedule, and the `simulate` run that confirms it.
pub fn text(o: &TuneOutcome, c: &Confirm) -> String {
    let goal = o.pending_p95_ms as f64;
    let cap = o.max_rescales_per_day;
    let mut out = format!(
        "tune: {} candidates of {} in the space, each replayed over {} at {} steps (restart {}, decisions every {}); target: pending p95 ≤ {}{}\n",
        o.evaluated.len() + o.skipped.len(),
        o.grid_size,
        secs(o.duration_ms as f64),
        secs(o.step_ms as f64),
        secs(o.restart.ms as f64),
        secs(o.interval_ms as f64),
        secs(goal),
        cap.map_or(String::new(), |c| format!(", ≤ {} rescales/day", short(c)))
    );
    out.push_str("\nPareto front (CU-hours, pending p95, rescales/day):\n");
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "",
        "CU-hours",
        "pending p95",
        "rescales",
        "per day",
        "meets",
        "settings (changed from current)",
    ]);
    for &i in &o.front {
        let e = &o.evaluated[i];
        let mut row = vec![Cell::new(marks(o, i))];
        row.extend(figures_cells(&e.figures, goal, cap));
        row.push(Cell::new(changes(o, e)));
        t.add_row(row);
    }
    crate::render::fit(&mut t);
    out.push_str(&format!("{t}\n"));

    out.push_str("\nThe choice against the defaults and the current settings:\n");
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "policy",
        "CU-hours",
        "pending p95",
        "rescales",
        "per day",
        "meets",
    ]);
    let static_f = Figures::of(&o.baseline, o.duration_ms);
    let mut rows: Vec<(String, Figures)> = vec![("static (no autoscaler)".into(), static_f)];
    if let Some(d) = o.evaluated.iter().find(|e| e.label == Label::Defaults) {
        rows.push(("defaults".into(), d.figures));
    }
    if let Some(cur) = o.evaluated.iter().find(|e| e.label == Label::Current) {
        rows.push(("current".into(), cur.figures));
    }
    rows.push(("tuned (chosen)".into(), o.chosen().figures));
    if let Some(s) = &o.schedule {
        rows.push((
            format!("schedule ({} periods)", s.chosen.periods.len()),
            s.chosen.figures,
        ));
        rows.push(("schedule + tuned autoscaler".into(), s.combined.figures));
    }
    for (name, f) in rows {
        let mut row = vec![Cell::new(name)];
        row.extend(figures_cells(&f, goal, cap));
        t.add_row(row);
    }
    crate::render::fit(&mut t);
    out.push_str(&format!("{t}\n"));

    out.push_str("\nChosen settings:\n");
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec!["option", "default", "current", "chosen"]);
    let find = |l: Label| o.evaluated.iter().find(|e| e.label == l);
    let defaults = find(Label::Defaults);
    let current = find(Label::Current).or(defaults);
    for (k, v) in &o.chosen().settings {
        let of = |e: Option<&Evaluated>| {
            e.and_then(|e| e.settings.iter().find(|(x, _)| x == k))
                .map_or("-".to_string(), |(_, v)| v.clone())
        };
        t.add_row(vec![
            Cell::new(k),
            Cell::new(of(defaults)),
            Cell::new(of(current)),
            Cell::new(v),
        ]);
    }
    crate::render::fit(&mut t);
    out.push_str(&format!("{t}\n"));

    out.push('\n');
    out.push_str(&confidence_text(o));
    if let Some(s) = &o.schedule {
        out.push_str(&format!(
            "\nSchedule: {} schedules of up to {} periods replayed; chosen ({} periods, sized for {}% of capacity at each period's busiest 15 min{}):\n",
            s.tried,
            s.max_periods,
            s.chosen.periods.len(),
            short(s.chosen.headroom * 100.0),
            if s.feasible { "" } else { "; none meets the target, the closest is shown" }
        ));
        for p in &s.chosen.periods {
            let pairs: Vec<String> = p.parallelism.iter().map(|x| x.to_string()).collect();
            out.push_str(&format!(
                "  from {}  parallelism {}\n",
                scheduled::time_of_day(p.start_ms),
                pairs.join(" ")
            ));
        }
        out.push_str(&format!("  best of the three: {}\n", best_of_three(o)));
    }
    if c.policy.is_some() || c.schedule.is_some() {
        let mut cmd = format!("planscale simulate {} {}", c.source, c.topology);
        for p in c.policy.iter().chain(&c.schedule) {
            cmd.push_str(&format!(" --policy {p}"));
        }
        for f in &c.flags {
            cmd.push(' ');
            cmd.push_str(f);
        }
        out.push_str(&format!("\nConfirm: {cmd}\n"));
    }
    out
}

/// Which of the tuned autoscaler, the schedule and both meets the target at least CU-hours.
fn best_of_three(o: &TuneOutcome) -> &'static str {
    let goal = o.pending_p95_ms as f64;
    let cap = o.max_rescales_per_day;
    let Some(s) = &o.schedule else {
        return "tuned autoscaler";
    };
    let options = [
        ("tuned autoscaler", o.chosen().figures),
        ("schedule", s.chosen.figures),
        ("schedule + tuned autoscaler", s.combined.figures),
    ];
    let ok: Vec<&(&str, Figures)> = options
        .iter()
        .filter(|(_, f)| meets(f, goal, cap))
        .collect();
    let pool: Vec<&(&str, Figures)> = if ok.is_empty() {
        options.iter().collect()
    } else {
        ok
    };
    pool.iter()
        .min_by(|a, b| a.1.cu_hours.total_cmp(&b.1.cu_hours))
        .map_or("tuned autoscaler", |x| x.0)
}

fn confidence_text(o: &TuneOutcome) -> String {
    let c = o.chosen();
    let mut out = String::from("How sure: ");
    match o.runner_up {
        Some(r) => {
            let ru = &o.evaluated[r];
            let d = (ru.figures.cu_hours / c.figures.cu_hours - 1.0) * 100.0;
            out.push_str(&format!(
                "the runner-up costs {}% more CU-hours ({}); ",
                short(d),
                changes(o, ru)
            ));
        }
        None => out.push_str("no other candidate meets the target; "),
    }
    out.push_str(&format!(
        "{} other candidate{} within {}% of the choice's CU-hours; ",
        o.near,
        if o.near == 1 { " is" } else { "s are" },
        short(crate::tune::NEAR * 100.0)
    ));
    match o.halves {
        Some([a, b]) => {
            let same = |x: usize| o.evaluated[x].settings == c.settings;
            out.push_str(&format!(
                "by the figures of the first half of the replays alone the choice would be {}, by the second half's {}.\n",
                if same(a) {
                    "the same".to_string()
                } else {
                    changes(o, &o.evaluated[a])
                },
                if same(b) {
                    "the same".to_string()
                } else {
                    changes(o, &o.evaluated[b])
                },
            ));
        }
        None => out.push_str("the recording is too short to split in halves.\n"),
    }
    out
}

fn settings_json(s: &[(String, String)]) -> Value {
    let mut m = Map::new();
    for (k, v) in s {
        m.insert(k.clone(), json!(v));
    }
    Value::Object(m)
}

/// A policy's figures with the fields and rounding of `simulate --format json`.
pub fn summary_json(s: &Summary, vertex_ids: &[String]) -> Value {
    let mut fp = Map::new();
    for (id, x) in vertex_ids.iter().zip(&s.final_parallelism) {
        fp.insert(id.clone(), json!(x));
    }
    json!({
        "rescales": s.rescales,
        "cu_hours": number(s.cu_hours),
        "peak_cu": number(s.peak_cu),
        "pending_time_ms": {"p50": number(s.pending_p50_ms), "p95": number(s.pending_p95_ms), "max": number(s.pending_max_ms)},
        "seconds_over_expected": s.seconds_over_expected.map(number),
        "records_processed": number(s.records_processed.round()),
        "records_pending_at_end": number(s.records_pending_at_end.round()),
        "final_parallelism": Value::Object(fp),
        "least_cu_hours": number(s.least_cu_hours),
        "over_provisioned_cu_hours": number(s.over_provisioned_cu_hours),
    })
}

fn figures_json(f: &Figures) -> Value {
    json!({
        "cu_hours": number(f.cu_hours),
        "pending_p95_ms": number(f.pending_p95_ms),
        "rescales": f.rescales,
        "rescales_per_day": number(f.rescales_per_day),
    })
}

fn periods_json(periods: &[Period], ids: &[String]) -> Value {
    Value::Array(
        periods
            .iter()
            .map(|p| {
                let mut m = Map::new();
                for (id, x) in ids.iter().zip(&p.parallelism) {
                    m.insert(id.clone(), json!(x));
                }
                json!({"start": scheduled::time_of_day(p.start_ms), "parallelism": Value::Object(m)})
            })
            .collect(),
    )
}

/// The JSON document (docs/outputs.md, `tune`).
pub fn json(o: &TuneOutcome, warnings: &[String]) -> String {
    let goal = o.pending_p95_ms as f64;
    let cap = o.max_rescales_per_day;
    let candidate = |i: usize| {
        let e = &o.evaluated[i];
        json!({
            "label": match e.label { Label::Defaults => "defaults", Label::Current => "current", Label::Sampled => "sampled" },
            "settings": settings_json(&e.settings),
            "figures": figures_json(&e.figures),
            "meets_target": meets(&e.figures, goal, cap),
        })
    };
    let policy = |e: &Evaluated| {
        let mut v = summary_json(&e.summary, &o.vertex_ids);
        if let Value::Object(m) = &mut v {
            m.insert("settings".into(), settings_json(&e.settings));
        }
        v
    };
    let find = |l: Label| o.evaluated.iter().find(|e| e.label == l);
    let schedule = o.schedule.as_ref().map(|s| {
        json!({
            "max_periods": s.max_periods,
            "tried": s.tried,
            "meets_target": s.feasible,
            "headroom": number(s.chosen.headroom),
            "periods": periods_json(&s.chosen.periods, &o.vertex_ids),
            "schedule": summary_json(&s.chosen.summary, &o.vertex_ids),
            "schedule_and_autoscaler": summary_json(&s.combined.summary, &o.vertex_ids),
            "best": best_of_three(o),
        })
    });
    let doc = json!({
        "planscale_version": VERSION,
        "step_ms": o.step_ms,
        "duration_ms": o.duration_ms,
        "restart_ms": o.restart.ms,
        "interval_ms": o.interval_ms,
        "target": {"pending_p95_ms": o.pending_p95_ms, "max_rescales_per_day": cap.map(number)},
        "space": o.space.dims.iter().map(|d| json!({
            "key": d.key(),
            "values": d.values.iter().map(|x| d.format(*x)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "grid_size": o.grid_size.to_string(),
        "candidates": (0..o.evaluated.len()).map(candidate).collect::<Vec<_>>(),
        "skipped": o.skipped.len(),
        "meets_target": o.feasible,
        "chosen": policy(o.chosen()),
        "defaults": find(Label::Defaults).map(policy),
        "current": find(Label::Current).or(find(Label::Defaults)).map(policy),
        "static": summary_json(&o.baseline, &o.vertex_ids),
        "front": o.front.iter().map(|&i| candidate(i)).collect::<Vec<_>>(),
        "confidence": {
            "runner_up": o.runner_up.map(candidate),
            "near_ties": o.near,
            "halves": o.halves.map(|[a, b]| json!({
                "first": settings_json(&o.evaluated[a].settings),
                "second": settings_json(&o.evaluated[b].settings),
                "agree": o.evaluated[a].settings == o.evaluated[b].settings,
                "agree_with_whole": o.evaluated[a].settings == o.chosen().settings
                    && o.evaluated[b].settings == o.chosen().settings,
            })),
        },
        "schedule": schedule,
        "warnings": warnings,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn header(o: &TuneOutcome, metrics: &str, what: &str) -> String {
    let c = o.chosen();
    format!(
        "# planscale tune on {metrics}: {what}\n# replayed: {} CU-hours, pending p95 {}, rescales {} ({} a day); target pending p95 <= {}\n",
        short(c.figures.cu_hours),
        secs(c.figures.pending_p95_ms),
        c.figures.rescales,
        short(c.figures.rescales_per_day),
        secs(o.pending_p95_ms as f64)
    )
}

/// A YAML scalar: quoted when plain YAML would read it otherwise.
fn yaml_scalar(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || " .-_".contains(c))
        && !v.starts_with([' ', '-'])
        && !v.ends_with(' ');
    if plain {
        v.to_string()
    } else {
        serde_json::to_string(v).unwrap_or_default()
    }
}

/// The chosen settings as a Flink `config.yaml` fragment (flat keys).
pub fn config_fragment(o: &TuneOutcome, metrics: &str) -> String {
    let mut s = header(o, metrics, "the Flink autoscaler settings chosen");
    s.push_str("job.autoscaler.enabled: true\n");
    for (k, v) in &o.chosen().settings {
        s.push_str(&format!("{k}: {}\n", yaml_scalar(v)));
    }
    s
}

/// A JSON merge patch setting the chosen settings in `spec.flinkConfiguration` (`kubectl patch
/// KIND NAME --type merge --patch-file FILE`), as `recommend --format flinkdeployment` writes one.
pub fn flinkdeployment_patch(
    o: &TuneOutcome,
    kind: &str,
    name: &str,
    namespace: Option<&str>,
) -> String {
    let mut conf = Map::new();
    conf.insert("job.autoscaler.enabled".into(), json!("true"));
    for (k, v) in &o.chosen().settings {
        conf.insert(k.clone(), json!(v));
    }
    crate::render::recommend::merge_patch(kind, name, namespace, conf)
}

/// The chosen settings as a `simulate --policy` file that replays them alone (the current
/// autoscaler settings included).
pub fn policy_file(o: &TuneOutcome, metrics: &str) -> String {
    let mut s = header(o, metrics, "the chosen settings as a simulate policy");
    s.push_str("planscale.policy: flink-autoscaler\n");
    for (k, v) in o.policy_settings(o.chosen()) {
        s.push_str(&format!("{k}: {}\n", yaml_scalar(&v)));
    }
    s
}

/// The chosen schedule as a `simulate --policy` file of kind `scheduled`; `None` without one.
pub fn schedule_file(o: &TuneOutcome, metrics: &str) -> Option<String> {
    let sc = o.schedule.as_ref()?;
    let f = &sc.chosen.figures;
    let mut s = format!(
        "# planscale tune on {metrics}: a daily schedule of {} periods (times of day in UTC)\n# replayed: {} CU-hours, pending p95 {}, rescales {}; target pending p95 <= {}\n# With `planscale.schedule.autoscaler: true` and the chosen job.autoscaler.* settings the\n# autoscaler acts on top of it (docs/policies.md).\n",
        sc.chosen.periods.len(),
        short(f.cu_hours),
        secs(f.pending_p95_ms),
        f.rescales,
        secs(o.pending_p95_ms as f64)
    );
    s.push_str("planscale.policy: scheduled\n");
    s.push_str(&format!("{}:\n", scheduled::PERIODS_KEY));
    for item in scheduled::period_items(&sc.chosen.periods, &o.vertex_ids) {
        s.push_str(&format!("  - \"{item}\"\n"));
    }
    Some(s)
}

/// The plot: the front (CU-hours against pending p95, the defaults, the current settings and the
/// choice marked) above the timelines of `timeline_svg`.
pub fn plot(o: &TuneOutcome, timeline_svg: &str) -> String {
    let goal = o.pending_p95_ms as f64 / 1000.0;
    let points: Vec<crate::render::plot::FrontPoint> = o
        .evaluated
        .iter()
        .enumerate()
        .map(|(i, e)| crate::render::plot::FrontPoint {
            cu_hours: e.figures.cu_hours,
            pending_p95_s: e.figures.pending_p95_ms / 1000.0,
            on_front: o.front.contains(&i),
            mark: if i == o.choice {
                Some("chosen")
            } else {
                match e.label {
                    Label::Defaults => Some("defaults"),
                    Label::Current => Some("current"),
                    Label::Sampled => None,
                }
            },
        })
        .collect();
    let front = crate::render::plot::front_svg(&points, goal);
    crate::render::plot::stack(&[front, timeline_svg.to_string()])
}
