//! `planscale tune`: flags to a `tune::TuneRequest`, its outcome to `render::tune` and the files
//! it writes. The metric source is one function ([`record`]), so another source (Prometheus)
//! plugs in there.

use std::io::IsTerminal;
use std::path::Path;

use clap::Args;

use crate::cli::job::LoadedJob;
use crate::cli::replay::duration;
use crate::cli::scaling::{print_warnings, LoadedSettings, ScalingArgs};
use crate::cli::OutputFormat;
use planscale::error::UsageError;
use planscale::io::{refuse_same_files, write_atomic, Named};
use planscale::render::plot::{encode as encode_plot, PlotBuilder, PlotFormat};
use planscale::render::tune as render;
use planscale::resources::CostModel;
use planscale::settings::{self, Origin, SettingError, SettingWarning};
use planscale::sim::policy::PolicySpec;
use planscale::sim::replay::Observer;
use planscale::sim::run::{
    self, FillIns, PolicyRequest, PolicySet, RecordRequest, Recorded, SimulateRequest,
};
use planscale::sim::timeline::Step;
use planscale::tune::schedule::MAX_PERIODS;
use planscale::tune::space::Space;
use planscale::tune::{Progress, TuneError, TuneRequest, Tuner, DEFAULT_BUDGET};

#[derive(Debug, Args)]
#[command(
    group = clap::ArgGroup::new("topology").required(true).args(["plan", "graph"]),
    after_help = "Replays the recording under candidate Flink autoscaler settings (and, with \
--schedule, daily schedules) through the engine simulate uses, and picks the one of least \
CU-hours whose pending p95 (95th percentile of the per-step data pending time) is at most \
--pending-p95 and whose rescales per day are at most --max-rescales-per-day. Exit 1 when no \
candidate meets them (the closest is shown). docs/tune.md has the search space and the objective."
)]
pub(crate) struct TuneArgs {
    #[command(flatten)]
    pub source: crate::cli::replay::ReplaySource,
    #[command(flatten)]
    pub topology: crate::cli::job::JobArgs,
    #[command(flatten)]
    pub scaling: ScalingArgs,
    /// Target for the 95th percentile of data pending time
    #[arg(long, value_name = "DUR")]
    pub pending_p95: String,
    /// Most rescales per day a candidate may make
    #[arg(long, value_name = "N")]
    pub max_rescales_per_day: Option<f64>,
    /// Search space (YAML: option → list of values, or {min, max, steps})
    #[arg(long, value_name = "FILE")]
    pub space: Option<String>,
    /// Most settings candidates replayed (the defaults and the current settings included)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BUDGET)]
    pub budget: usize,
    /// Also derive a daily schedule (time-of-day periods) and compare it
    #[arg(long)]
    pub schedule: bool,
    /// Most periods of the schedule (1..=20); implies --schedule
    #[arg(long, value_name = "N")]
    pub periods: Option<usize>,
    /// How often the Flink autoscaler samples and decides (default 60s)
    #[arg(long, value_name = "DUR")]
    pub interval: Option<String>,
    /// Downtime of one rescale (default job.autoscaler.restart.time, else measured)
    #[arg(long, value_name = "DUR")]
    pub restart_time: Option<String>,
    /// Simulation step (default: the metrics' own sample interval)
    #[arg(long, value_name = "DUR")]
    pub step: Option<String>,
    /// The job to read when the CSV holds several (default: the graph's own job id)
    #[arg(long, value_name = "ID")]
    pub job: Option<String>,
    /// Write the chosen settings as a Flink config.yaml fragment
    #[arg(short = 'o', long, value_name = "FILE")]
    pub write_config: Option<String>,
    /// Write the chosen settings as a merge patch of the FlinkDeployment given with --config
    #[arg(long, value_name = "FILE")]
    pub write_patch: Option<String>,
    /// Write the chosen settings as a simulate policy file
    #[arg(long, value_name = "FILE")]
    pub write_policy: Option<String>,
    /// Write the chosen schedule as a simulate policy file (kind scheduled)
    #[arg(long, value_name = "FILE")]
    pub write_schedule: Option<String>,
    /// Write a plot (.svg or .png): the front, and the chosen policy's timeline beside the defaults'
    #[arg(long, value_name = "FILE")]
    pub plot: Option<String>,
    /// text: the front, the choice and how sure; json: the same as data
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// Flags to the request (every refusal before the recording is read), the search, the outputs.
pub(crate) fn run(a: TuneArgs) -> anyhow::Result<u8> {
    check_files(&a)?;
    let periods = periods(&a)?;
    let mut warnings = Vec::new();
    let goal_ms =
        duration("--pending-p95", &Some(a.pending_p95.clone()), &mut warnings)?.unwrap_or(0);
    if goal_ms < 0 {
        return Err(usage(format!(
            "--pending-p95 {}: must not be negative",
            a.pending_p95
        )));
    }
    if let Some(c) = a
        .max_rescales_per_day
        .filter(|c| !c.is_finite() || *c < 0.0)
    {
        return Err(usage(format!(
            "--max-rescales-per-day {c}: out of range: allowed a number ≥ 0"
        )));
    }
    if a.budget < 2 {
        return Err(usage(format!(
            "--budget {}: out of range: allowed 2 or more (the defaults and the current settings)",
            a.budget
        )));
    }
    let space = match &a.space {
        Some(path) => {
            let (s, _) = settings::read_config_file(path)?;
            Space::from_file_settings(&s)?
        }
        None => Space::default_space(),
    };
    let loaded = a.scaling.load()?;
    let patch_target = patch_target(&a, &loaded)?;
    let policies = policies(&loaded, goal_ms)?;
    warnings.extend(policies.warnings.iter().cloned());
    let job = crate::cli::job::load(&a.topology)?;
    let graph = a.topology.graph.clone().or(a.topology.plan.clone());
    let (recorded, cost, again) = record(&a, job, &mut warnings)?;
    let restart_ms = duration("--restart-time", &a.restart_time, &mut warnings)?;
    let interval_ms = duration("--interval", &a.interval, &mut warnings)?;
    if interval_ms.is_some_and(|ms| ms <= 0) {
        return Err(usage("--interval must be positive"));
    }
    let request = TuneRequest {
        simulate: SimulateRequest {
            policies,
            recorded,
            cost,
            restart_ms,
            interval_ms,
        },
        pending_p95_ms: goal_ms,
        max_rescales_per_day: a.max_rescales_per_day,
        space,
        budget: a.budget,
        schedule_periods: periods,
    };
    print_warnings(&warnings);
    let bar = progress_bar();
    let ticks = bar.clone();
    let tuner = Tuner::new(request)
        .map_err(tune_error)?
        .with_progress(move |p| match p {
            Progress::Total(n) => {
                ticks.set_length(n);
                // As simulate: a bar only for replays long enough to wait for.
                if n > 200_000 && std::io::stderr().is_terminal() {
                    ticks.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                }
            }
            Progress::Done(n) => ticks.inc(n),
        });
    let outcome = tuner.run();
    bar.finish_and_clear();
    let outcome = outcome.map_err(tune_error)?;
    let said = render::said(&tuner, &outcome);
    if let Some(n) = render::note(&outcome) {
        eprintln!("note: {n}");
    }
    for w in &said {
        eprintln!("warning: {w}");
    }
    let confirm = render::Confirm {
        source: again,
        topology: match (&a.topology.graph, &a.topology.plan) {
            (Some(g), _) => format!("--graph {g}"),
            (None, Some(p)) => format!("--plan {p}"),
            _ => graph.unwrap_or_default(),
        },
        policy: a.write_policy.clone(),
        schedule: a.write_schedule.clone(),
        flags: confirm_flags(&a),
    };
    if let Some(path) = &a.write_config {
        write_atomic(
            Path::new(path),
            render::config_fragment(&outcome, a.source.name()).as_bytes(),
        )?;
    }
    if let (Some(path), Some((kind, name, ns))) = (&a.write_patch, &patch_target) {
        let patch = render::flinkdeployment_patch(&outcome, kind, name, ns.as_deref());
        write_atomic(Path::new(path), patch.as_bytes())?;
    }
    if let Some(path) = &a.write_policy {
        write_atomic(
            Path::new(path),
            render::policy_file(&outcome, a.source.name()).as_bytes(),
        )?;
    }
    if let Some(path) = &a.write_schedule {
        let Some(text) = render::schedule_file(&outcome, a.source.name()) else {
            return Err(usage("--write-schedule needs --schedule"));
        };
        write_atomic(Path::new(path), text.as_bytes())?;
    }
    if let Some(path) = &a.plot {
        let svg = plot(&tuner, &outcome)?;
        write_atomic(Path::new(path), &encode_plot(Path::new(path), &svg)?)?;
    }
    let out = match a.format {
        OutputFormat::Text => render::text(&outcome, &confirm),
        OutputFormat::Json => render::json(&outcome, &said),
    };
    write_atomic(Path::new("-"), out.as_bytes())?;
    Ok(if outcome.feasible { 0 } else { 1 })
}

/// `--periods`, within Alibaba's limit; `None` without `--schedule`.
fn periods(a: &TuneArgs) -> anyhow::Result<Option<usize>> {
    match a.periods {
        Some(n) if !(1..=MAX_PERIODS).contains(&n) => Err(usage(format!(
            "--periods {n}: out of range: allowed 1..={MAX_PERIODS} (the most periods of a scheduled plan in Alibaba Realtime Compute)"
        ))),
        Some(n) => Ok(Some(n)),
        None if a.schedule => Ok(Some(4)),
        None => Ok(None),
    }
}

/// The flags `simulate` needs to replay as tune did.
fn confirm_flags(a: &TuneArgs) -> Vec<String> {
    let mut out = Vec::new();
    for (flag, v) in [
        ("--restart-time", &a.restart_time),
        ("--step", &a.step),
        ("--interval", &a.interval),
        ("--job", &a.job),
        ("--config", &a.scaling.settings.config),
    ] {
        if let Some(v) = v {
            out.push(format!("{flag} {v}"));
        }
    }
    for d in &a.scaling.settings.defines {
        out.push(format!("-D {d}"));
    }
    out.push(format!("--expected-pending-time {}", a.pending_p95));
    out
}

fn check_files(a: &TuneArgs) -> anyhow::Result<()> {
    a.source.check()?;
    let mut files = a.source.inputs();
    files.extend(a.topology.inputs());
    files.extend(a.scaling.inputs());
    files.extend(a.space.as_deref().map(|p| Named::input("--space", p)));
    for (flag, p) in [
        ("--write-config", &a.write_config),
        ("--write-patch", &a.write_patch),
        ("--write-policy", &a.write_policy),
        ("--write-schedule", &a.write_schedule),
        ("--plot", &a.plot),
    ] {
        files.extend(p.as_deref().map(|p| Named::output(flag, p)));
    }
    refuse_same_files(&files)?;
    if let Some(path) = &a.plot {
        PlotFormat::for_path(Path::new(path))?;
    }
    if a.write_schedule.is_some() && !a.schedule && a.periods.is_none() {
        return Err(usage("--write-schedule needs --schedule"));
    }
    Ok(())
}

/// The resource `--write-patch` patches: the FlinkDeployment or FlinkSessionJob of `--config`.
fn patch_target(
    a: &TuneArgs,
    loaded: &LoadedSettings,
) -> anyhow::Result<Option<(String, String, Option<String>)>> {
    if a.write_patch.is_none() {
        return Ok(None);
    }
    loaded
        .config_doc
        .as_ref()
        .and_then(|d| d.resource.as_ref())
        .and_then(|r| Some((r.kind.clone(), r.name.clone()?, r.namespace.clone())))
        .map(Some)
        .ok_or_else(|| {
            usage(
                "--write-patch patches the FlinkDeployment or FlinkSessionJob given with \
                 --config (with its metadata.name)",
            )
        })
}

/// The baseline and the current settings' autoscaler, with the target as the expected pending
/// time (so the replay counts the seconds over it, as `simulate --expected-pending-time`).
fn policies(loaded: &LoadedSettings, goal_ms: i64) -> anyhow::Result<PolicySet> {
    run::policies(PolicyRequest {
        version: loaded.version,
        config: loaded.config.clone(),
        defines: loaded.defines.clone(),
        files: vec![],
        fill_ins: FillIns {
            expected_pending_ms: Some((goal_ms, Origin::Flag("--pending-p95"))),
            max_cu: None,
            min_cu: None,
        },
    })
    .map_err(SettingError::into_error)
}

/// The recording: the one place tune reads metrics from.
fn record(
    a: &TuneArgs,
    job: LoadedJob,
    warnings: &mut Vec<SettingWarning>,
) -> anyhow::Result<(Recorded, CostModel, String)> {
    let metric_job = job.identity.metric_job(a.job.as_deref())?;
    let step_ms = duration("--step", &a.step, warnings)?;
    let LoadedJob {
        vertices,
        cost,
        identity,
        ..
    } = job;
    let request = RecordRequest {
        metrics: "",
        job: metric_job,
        vertices,
        learn_until_ms: None,
        step_ms,
    };
    let read = a.source.record(
        request,
        a.job.as_deref(),
        identity.job_id.as_deref(),
        a.step.as_deref(),
    )?;
    let recorded = read
        .recorded
        .map_err(|e| a.source.record_error(a.job.as_deref(), &identity, e))?;
    Ok((recorded, cost, read.again))
}

fn tune_error(e: TuneError) -> anyhow::Error {
    match e {
        TuneError::IntervalNotPositive(_) => usage("--interval must be positive"),
        TuneError::Setting(e) => e.into_error(),
        TuneError::Spool(e) => anyhow::anyhow!(planscale::render::simulate::spool_read_error(&e)),
    }
}

/// Feeds every step of the replayed policies to the plot.
struct Plotting(PlotBuilder);

impl Observer for Plotting {
    fn wants_steps(&self) -> bool {
        true
    }
    fn step(&mut self, run: usize, _policy: &PolicySpec, s: &Step) {
        self.0.push(run, s);
    }
}

/// The plot: the front, then the timelines of the defaults, the choice (and the schedules).
fn plot(tuner: &Tuner, o: &planscale::tune::TuneOutcome) -> anyhow::Result<String> {
    let specs = tuner.timeline_specs(o);
    let r = &tuner.request().simulate;
    let meta = planscale::render::simulate::plot_meta_of(
        r,
        specs.iter().map(|s| s.name.clone()).collect(),
        Some(o.pending_p95_ms),
    );
    let mut p = Plotting(PlotBuilder::new(meta));
    tuner.replay(&specs, &mut p).map_err(tune_error)?;
    Ok(render::plot(o, &p.0.svg()))
}

/// The search's progress: drawn once the search's length is known to be worth a bar, on a
/// terminal only, and cleared when it ends.
fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::hidden();
    bar.set_style(
        indicatif::ProgressStyle::with_template("tune [{bar:30}] {percent}% ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}
