//! `planscale simulate`: flags to the requests of `sim::run`, its outcome to `render::simulate`.

use std::io::{IsTerminal, Write};
use std::path::Path;

use clap::Args;
use indicatif::ProgressBar;

use crate::cli::job::LoadedJob;
use crate::cli::replay::duration;
use crate::cli::scaling::{print_warnings, LoadedSettings, ScalingArgs};
use crate::cli::OutputFormat;
use planscale::error::UsageError;
use planscale::io::{cannot_write, refuse_same_files, write_atomic, AtomicFile, Named};
use planscale::metrics;
use planscale::render::plot::{encode as encode_plot, PlotBuilder, PlotFormat};
use planscale::render::simulate::{self as render, Said};
use planscale::resources::CostModel;
use planscale::settings::{self, Origin, SettingError, SettingWarning};
use planscale::sim::policy::PolicySpec;
use planscale::sim::replay::Observer;
use planscale::sim::run::{
    self, FillIns, PolicyRequest, PolicySet, RecordRequest, Recorded, SimulateError,
    SimulateRequest,
};
use planscale::sim::specs::PolicyFile;
use planscale::sim::timeline::Step;

#[derive(Debug, Args)]
#[command(
    group = clap::ArgGroup::new("topology").required(true).args(["plan", "graph"]),
    after_help = "Replays the demand recorded in CSV through a model of the job (per-subtask capacity \
learned from the same metrics) under each policy, and under the recorded starting parallelism \
(`static`, always first). A policy file is Flink-style YAML: `planscale.policy` names its kind \
(flink-autoscaler, alibaba-autoscale, dli-dynamic-scaling, reactive, static, recorded) and the \
other keys are the platform's own. Without --policy, one flink-autoscaler policy is built from -D \
and --config. The closed platforms' policies are models (docs/policies.md; examples in examples/policies/) and labelled so. \
--prometheus replays the job's history from a Prometheus-compatible server instead of a CSV, as `planscale fetch` \
would write it: the job is --job, --job-name, else the graph's job id; the range --since or --from/--to; \
--step is then the query's step too (default 1m)."
)]
pub(crate) struct SimulateArgs {
    #[command(flatten)]
    pub source: crate::cli::replay::ReplaySource,
    #[command(flatten)]
    pub topology: crate::cli::job::JobArgs,
    /// Policy file (repeatable); its name is the file stem
    #[arg(long, value_name = "FILE")]
    pub policy: Vec<String>,
    #[command(flatten)]
    pub scaling: ScalingArgs,
    /// Data pending time goal: reported as seconds over it; AutoScale's default goal
    #[arg(long, value_name = "DUR")]
    pub expected_pending_time: Option<String>,
    /// CU ceiling: the platform models' budget where their policy sets none, and the Flink
    /// autoscaler's quota (a rescale growing the job beyond it is not executed)
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = crate::cli::cu_bound)]
    pub max_cu: Option<f64>,
    /// CU floor for the platform models without their own
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = crate::cli::cu_bound)]
    pub min_cu: Option<f64>,
    /// How often the Flink autoscaler samples and decides (default 60s, the operator's reconcile interval)
    #[arg(long, value_name = "DUR")]
    pub interval: Option<String>,
    /// Downtime of one rescale (default job.autoscaler.restart.time)
    #[arg(long, value_name = "DUR")]
    pub restart_time: Option<String>,
    /// Simulation step (default: the metrics' own sample interval; with --prometheus, the query's step, 1m)
    #[arg(long, value_name = "DUR")]
    pub step: Option<String>,
    /// Learn per-subtask capacity only from samples up to this time (to validate against what followed)
    #[arg(long, value_name = "TIMESTAMP")]
    pub learn_until: Option<String>,
    /// The job to read when the CSV holds several (default: the graph's own job id)
    #[arg(long, value_name = "ID")]
    pub job: Option<String>,
    /// Write a plot (.svg, or .png rasterised): demand vs capacity, parallelism, pending time
    #[arg(long, value_name = "FILE")]
    pub plot: Option<String>,
    /// Write the per-step state as CSV
    #[arg(long, value_name = "FILE.csv")]
    pub timeline: Option<String>,
    /// text: one row per policy; json: the summaries, events, settings and convergence
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// Flags to requests, in the order their errors surface: the files, the policies, the job, the
/// recording, the replay's own flags; then the replay and its outputs.
pub(crate) fn run(a: SimulateArgs) -> anyhow::Result<u8> {
    check_files(&a)?;
    a.source.check()?;
    let loaded = a.scaling.load()?;
    let mut flag_warnings = Vec::new();
    let ept_ms = duration(
        "--expected-pending-time",
        &a.expected_pending_time,
        &mut flag_warnings,
    )?;
    let policies = policies(&a, loaded, ept_ms)?;
    let mut warnings = policies.warnings.clone();
    warnings.extend(flag_warnings);
    let job = crate::cli::job::load(&a.topology)?;
    let (recorded, cost) = record(&a, job, &mut warnings)?;
    let request = SimulateRequest {
        policies,
        recorded,
        cost,
        restart_ms: duration("--restart-time", &a.restart_time, &mut warnings)?,
        interval_ms: interval(&a, &mut warnings)?,
    };
    let bar = progress_bar(&a, &request);
    print_warnings(&warnings);
    let mut outputs = Outputs::open(&a, &request, bar)?;
    let outcome = run::simulate(&request, &mut outputs).map_err(simulate_error)?;
    let said = render::said(&outcome);
    outputs.finish(&a, &said)?;
    let out = match a.format {
        OutputFormat::Text => render::text(&outcome),
        OutputFormat::Json => render::json(&outcome, &said.warnings),
    };
    write_atomic(Path::new("-"), out.as_bytes())?;
    Ok(0)
}

/// Refuses two flags naming one file, and a plot whose extension names no format, before
/// anything is read.
fn check_files(a: &SimulateArgs) -> anyhow::Result<()> {
    let mut files = a.source.inputs();
    files.extend(a.topology.inputs());
    files.extend(a.scaling.inputs());
    files.extend(a.policy.iter().map(|p| Named::input("--policy", p)));
    files.extend(a.plot.as_deref().map(|p| Named::output("--plot", p)));
    files.extend(
        a.timeline
            .as_deref()
            .map(|p| Named::output("--timeline", p)),
    );
    refuse_same_files(&files)?;
    if let Some(path) = &a.plot {
        PlotFormat::for_path(Path::new(path))?;
    }
    Ok(())
}

/// The policies: `--policy` files over the shared settings, and the flags that fill in what the
/// files leave open.
fn policies(
    a: &SimulateArgs,
    loaded: LoadedSettings,
    ept_ms: Option<i64>,
) -> anyhow::Result<PolicySet> {
    let mut files = Vec::new();
    for path in &a.policy {
        let (settings, _) = settings::read_config_file(path)?;
        files.push(PolicyFile {
            path: path.clone(),
            settings,
        });
    }
    run::policies(PolicyRequest {
        version: loaded.version,
        config: loaded.config,
        defines: loaded.defines,
        files,
        fill_ins: FillIns {
            expected_pending_ms: ept_ms.map(|ms| (ms, Origin::Flag("--expected-pending-time"))),
            max_cu: a.max_cu.map(|cu| (cu, Origin::Flag("--max-cu"))),
            min_cu: a.min_cu.map(|cu| (cu, Origin::Flag("--min-cu"))),
        },
    })
    .map_err(SettingError::into_error)
}

/// The recording of `--metrics` for the job, read as `--job`, `--learn-until` and `--step` say;
/// and what the job costs.
fn record(
    a: &SimulateArgs,
    job: LoadedJob,
    warnings: &mut Vec<SettingWarning>,
) -> anyhow::Result<(Recorded, CostModel)> {
    let metric_job = job.identity.metric_job(a.job.as_deref())?;
    let learn_until_ms = match &a.learn_until {
        Some(t) => Some(
            metrics::time::parse_timestamp(t)
                .map_err(|e| usage(format!("--learn-until {t}: {e}")))?,
        ),
        None => None,
    };
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
        learn_until_ms,
        step_ms,
    };
    let recorded = a.source.record(
        request,
        a.job.as_deref(),
        identity.job_id.as_deref(),
        a.step.as_deref(),
    )?;
    let recorded = recorded
        .recorded
        .map_err(|e| a.source.record_error(a.job.as_deref(), &identity, e))?;
    Ok((recorded, cost))
}

/// `--interval`, refused here when not positive (before any warning is printed).
fn interval(a: &SimulateArgs, warnings: &mut Vec<SettingWarning>) -> anyhow::Result<Option<i64>> {
    let ms = duration("--interval", &a.interval, warnings)?;
    if ms.is_some_and(|ms| ms <= 0) {
        return Err(usage("--interval must be positive"));
    }
    Ok(ms)
}

fn simulate_error(e: SimulateError) -> anyhow::Error {
    match e {
        SimulateError::IntervalNotPositive(_) => usage("--interval must be positive"),
        SimulateError::Setting(e) => e.into_error(),
        SimulateError::Spool(e) => anyhow::anyhow!(render::spool_read_error(&e)),
    }
}

/// A progress bar for long replays of the text table, on a terminal; hidden otherwise.
fn progress_bar(a: &SimulateArgs, r: &SimulateRequest) -> ProgressBar {
    let total = r.total_steps();
    if total > 200_000 && std::io::stderr().is_terminal() && a.format == OutputFormat::Text {
        ProgressBar::new(total)
    } else {
        ProgressBar::hidden()
    }
}

/// What watches the replay: the progress bar, and `--timeline` and `--plot`, which see each
/// step as it is simulated (the timeline's rows stream into its temporary file, the plot reduces
/// them to its pixel columns; neither keeps the steps).
struct Outputs {
    bar: ProgressBar,
    timeline: Option<AtomicFile>,
    row: String,
    /// The first failed write of the timeline: reported after the replay.
    write_error: Option<std::io::Error>,
    plot: Option<PlotBuilder>,
}

impl Outputs {
    fn open(a: &SimulateArgs, r: &SimulateRequest, bar: ProgressBar) -> anyhow::Result<Outputs> {
        let timeline = match &a.timeline {
            Some(path) => {
                let ids: Vec<String> = (r.recorded.model.vertices.iter())
                    .map(|v| v.vertex.id.clone())
                    .collect();
                let mut f = AtomicFile::create(Path::new(path))?;
                f.write_all(render::timeline_header(&ids).as_bytes())
                    .map_err(|e| cannot_write(Path::new(path), e))?;
                Some(f)
            }
            None => None,
        };
        let plot = (a.plot.as_ref()).map(|_| PlotBuilder::new(render::plot_meta(r)));
        Ok(Outputs {
            bar,
            timeline,
            row: String::new(),
            write_error: None,
            plot,
        })
    }

    /// After the replay: a failed timeline write is the error; else the bar goes, the note and
    /// the warnings are printed, and the timeline and the plot are put in place.
    fn finish(self, a: &SimulateArgs, said: &Said) -> anyhow::Result<()> {
        if let (Some(e), Some(path)) = (self.write_error, &a.timeline) {
            return Err(cannot_write(Path::new(path), e));
        }
        self.bar.finish_and_clear();
        if let Some(n) = &said.note {
            eprintln!("note: {n}");
        }
        for w in &said.warnings {
            eprintln!("warning: {w}");
        }
        if let Some(f) = self.timeline {
            f.commit()?;
        }
        if let (Some(b), Some(path)) = (self.plot, &a.plot) {
            write_atomic(Path::new(path), &encode_plot(Path::new(path), &b.svg())?)?;
        }
        Ok(())
    }
}

impl Observer for Outputs {
    fn wants_steps(&self) -> bool {
        self.timeline.is_some() || self.plot.is_some()
    }

    fn step(&mut self, run: usize, policy: &PolicySpec, s: &Step) {
        if let Some(f) = self.timeline.as_mut() {
            self.row.clear();
            render::timeline_row(&mut self.row, &policy.name, s);
            if self.write_error.is_none() {
                if let Err(e) = f.write_all(self.row.as_bytes()) {
                    self.write_error = Some(e);
                }
            }
        }
        if let Some(b) = self.plot.as_mut() {
            b.push(run, s);
        }
    }

    fn progress(&mut self, steps: u64) {
        self.bar.inc(steps);
    }
}
