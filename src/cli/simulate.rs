//! `planscale simulate`.

use std::io::{IsTerminal, Write};
use std::path::Path;

use clap::Args;

use crate::cli::scaling::{print_warnings, ScalingArgs};
use crate::cli::OutputFormat;
use planscale::error::{InputError, UsageError};
use planscale::io::{cannot_write, refuse_same_files, write_atomic, AtomicFile, Named};
use planscale::metrics;
use planscale::render::plot::{encode as encode_plot, PlotBuilder, PlotFormat, PlotMeta};
use planscale::render::simulate::{self as render, PolicyResult};
use planscale::settings::{self, Origin, Setting, SettingWarning};
use planscale::sim::engine::Params;
use planscale::sim::policy::{self, flink, Context};
use planscale::sim::recording::Recorder;
use planscale::sim::restart::Restart;
use planscale::sim::specs::{self, Policies, PolicyFile};
use planscale::sim::timeline::Step;
use planscale::sim::{model, replay, trace};

#[derive(Debug, Args)]
#[command(
    group = clap::ArgGroup::new("topology").required(true).args(["plan", "graph"]),
    after_help = "Replays the demand recorded in CSV through a model of the job (per-subtask capacity \
learned from the same metrics) under each policy, and under the recorded starting parallelism \
(`static`, always first). A policy file is Flink-style YAML: `planscale.policy` names its kind \
(flink-autoscaler, alibaba-autoscale, dli-dynamic-scaling, reactive, static, recorded) and the \
other keys are the platform's own. Without --policy, one flink-autoscaler policy is built from -D \
and --config. The closed platforms' policies are models (see README) and labelled so."
)]
pub(crate) struct SimulateArgs {
    /// Metric CSV (long or wide)
    #[arg(long, value_name = "CSV")]
    pub metrics: String,
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
    /// Simulation step (default: the metrics' own sample interval)
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

/// Steps a replay may have: a timestamp off by years would otherwise mean hours of replay.
const MAX_STEPS: i64 = 50_000_000;

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

fn duration(
    flag: &'static str,
    v: &Option<String>,
    warnings: &mut Vec<SettingWarning>,
) -> anyhow::Result<Option<i64>> {
    v.as_ref()
        .map(|s| settings::flag_duration(flag, s, warnings).map(|d| d.0))
        .transpose()
}

pub(crate) fn run(a: SimulateArgs) -> anyhow::Result<u8> {
    let mut files = vec![Named::input("--metrics", &a.metrics)];
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
    let loaded = a.scaling.load()?;
    let version = loaded.version;
    let mut warnings: Vec<SettingWarning> = Vec::new();
    let shared: Vec<Setting> = loaded
        .config
        .iter()
        .chain(&loaded.defines)
        .cloned()
        .collect();

    // Policies (sim::specs), with the flags that fill in what policy files leave open.
    let mut flag_warnings = Vec::new();
    let ept_ms = duration(
        "--expected-pending-time",
        &a.expected_pending_time,
        &mut flag_warnings,
    )?;
    let flag =
        |key: &str, value: String, flag: &'static str| Setting::new(key, value, Origin::Flag(flag));
    let mut fill_ins = Vec::new();
    if let Some(ms) = ept_ms {
        fill_ins.push(flag(
            "planscale.alibaba.expected-pending-time",
            format!("{ms}ms"),
            "--expected-pending-time",
        ));
    }
    if let Some(m) = a.max_cu {
        for key in [
            "planscale.alibaba.max-cu",
            "flink.dli.job.cu.max",
            flink::QUOTA_CU_KEY,
        ] {
            fill_ins.push(flag(key, m.to_string(), "--max-cu"));
        }
    }
    if let Some(m) = a.min_cu {
        fill_ins.push(flag("flink.dli.job.cu.min", m.to_string(), "--min-cu"));
    }
    let mut files = Vec::new();
    for path in &a.policy {
        let (settings, _) = settings::read_config_file(path)?;
        files.push(PolicyFile {
            path: path.clone(),
            settings,
        });
    }
    let Policies {
        specs,
        warnings: key_warnings,
    } = specs::policies(&loaded.config, &loaded.defines, files, &fill_ins)
        .map_err(settings::SettingError::into_error)?;
    warnings.extend(key_warnings);
    warnings.extend(flag_warnings);
    // The autoscaler's options as the shared settings give them (for the default restart time),
    // checked once here so a bad value is one error before anything runs.
    let base = settings::resolve_autoscaler(version, &shared)
        .map_err(settings::SettingError::into_error)?;
    let restart_setting = base
        .in_effect
        .iter()
        .find(|o| o.key.ends_with("restart.time"))
        .map(|o| o.origin.clone())
        .filter(|o| *o != Origin::Default);
    let base_opts = base.opts;

    // The job and its costs.
    let loaded_job = crate::cli::job::load(&a.topology)?;
    let metric_job = loaded_job.identity.metric_job(a.job.as_deref())?;

    // The whole recording is replayed: it streams past once, and only what the model and the
    // trace need is kept (sim::recording).
    let learn_until = match &a.learn_until {
        Some(t) => Some(
            metrics::time::parse_timestamp(t)
                .map_err(|e| usage(format!("--learn-until {t}: {e}")))?,
        ),
        None => None,
    };
    let step_flag = duration("--step", &a.step, &mut warnings)?;
    if step_flag.is_some_and(|s| s <= 0) {
        return Err(usage("--step must be positive"));
    }
    let crate::cli::job::LoadedJob {
        vertices,
        cost,
        identity,
        ..
    } = loaded_job;
    let mut recorder = Recorder::new(&vertices, learn_until);
    let read = metrics::stream_metrics(&a.metrics, metric_job, &mut recorder)
        .map_err(|e| identity.explain_job_error(a.job.as_deref(), e))?;
    let mut recording = recorder.finish().map_err(|e| anyhow::anyhow!(e))?;
    let step_ms = step_flag.unwrap_or_else(|| recording.native_step_ms());
    if let Some((start, end)) = recording.span() {
        let steps = (end - start) / step_ms + 1;
        if steps > MAX_STEPS {
            return Err(InputError::new(
                &a.metrics,
                format!(
                    "the recording spans {} .. {} ({} steps of {} ms), more than {MAX_STEPS} steps \
                     (16 years at 10 s); is a timestamp wrong? Otherwise pass a larger --step",
                    metrics::time::format_rfc3339(start),
                    metrics::time::format_rfc3339(end),
                    steps,
                    step_ms
                ),
            )
            .into());
        }
    }
    let model = model::learn(vertices, &mut recording);
    let measured_restart = recording.measured_restart_ms();
    let tr = trace::build(&model, &mut recording, step_ms);
    let initial: Vec<i64> = tr.recorded_at(0).to_vec();
    // The restart a rescale costs: the flag, else an explicit option, else what the recording's
    // own rescales took, else the option's default (restart.rs words it).
    let restart = Restart::choose(
        duration("--restart-time", &a.restart_time, &mut warnings)?,
        restart_setting.map(|o| (base_opts.restart_time.0, o)),
        measured_restart,
        base_opts.restart_time.0,
    );
    let restart_ms = restart.ms;
    let duration_ms = tr.len() as i64 * step_ms;
    let interval_ms = duration("--interval", &a.interval, &mut warnings)?.unwrap_or(60_000);
    if interval_ms <= 0 {
        return Err(usage("--interval must be positive"));
    }
    let params = Params {
        restart_ms,
        cost: cost.clone(),
        expected_pending_s: ept_ms.map(|m| m as f64 / 1000.0),
        keep_steps: false,
    };
    let ctx = Context {
        model: &model,
        trace: &tr,
        initial: &initial,
        cost: &cost,
        version,
        interval_ms,
        restart_ms,
    };

    let total_steps = (tr.len() * specs.len()) as u64;
    let bar = if total_steps > 200_000
        && std::io::stderr().is_terminal()
        && a.format == OutputFormat::Text
    {
        indicatif::ProgressBar::new(total_steps)
    } else {
        indicatif::ProgressBar::hidden()
    };
    print_warnings(&warnings);
    let mut warnings: Vec<String> = read.warnings.clone();
    warnings.extend(recording.warnings.iter().map(render::recording_warning));
    let (restart_note, restart_warning) = render::restart_words(&restart, duration_ms);
    warnings.extend(restart_warning);
    for m in &model.vertices {
        if m.capacity_per_subtask.is_none() && !m.vertex.is_source() {
            warnings.push(render::unlimited_capacity(&m.vertex.name));
        }
    }
    // --timeline and --plot see each step as it is simulated: the timeline's rows stream into
    // its temporary file, the plot reduces them to its pixel columns. Neither keeps the steps.
    let vertex_ids: Vec<String> = model.vertices.iter().map(|v| v.vertex.id.clone()).collect();
    let timeline_file = match &a.timeline {
        Some(path) => {
            let mut f = AtomicFile::create(Path::new(path))?;
            f.write_all(render::timeline_header(&vertex_ids).as_bytes())
                .map_err(|e| cannot_write(Path::new(path), e))?;
            Some(f)
        }
        None => None,
    };
    let plot = a.plot.as_ref().map(|_| {
        PlotBuilder::new(PlotMeta::before_replay(
            model
                .vertices
                .iter()
                .map(|v| v.vertex.name.clone())
                .collect(),
            specs.iter().map(|s| s.name.clone()).collect(),
            params.expected_pending_s,
            tr.start_ms,
            step_ms,
            tr.len(),
        ))
    });
    let mut outputs = Outputs {
        bar,
        timeline: timeline_file,
        row: String::new(),
        write_error: None,
        plot,
    };
    let runs =
        replay::replay(&specs, &ctx, &model, &tr, &params, &mut outputs).map_err(|e| match e {
            replay::ReplayError::Setting(e) => e.into_error(),
            replay::ReplayError::Spool(e) => anyhow::anyhow!(
                "cannot read the recording's demand back from its temporary file: {}",
                planscale::io::describe_io(&e)
            ),
        })?;
    let Outputs {
        bar,
        timeline: timeline_file,
        write_error,
        plot,
        ..
    } = outputs;
    if let (Some(e), Some(path)) = (write_error, &a.timeline) {
        return Err(cannot_write(Path::new(path), e));
    }
    let mut summaries = Vec::with_capacity(runs.len());
    for (spec, run) in specs.iter().zip(runs) {
        warnings.extend(
            run.notes
                .iter()
                .map(|n| render::note(&spec.name, n, duration_ms)),
        );
        summaries.push(run.summary);
    }
    bar.finish_and_clear();
    if let Some(n) = &restart_note {
        eprintln!("note: {n}");
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let options: Vec<Vec<settings::InEffect>> = specs
        .iter()
        .map(|s| policy::options_in_effect(s, version))
        .collect();
    let results: Vec<PolicyResult<'_>> = specs
        .iter()
        .zip(&summaries)
        .zip(&options)
        .map(|((s, summary), options)| PolicyResult {
            name: &s.name,
            kind: s.kind.name(),
            model: s.is_model(),
            summary,
            options,
        })
        .collect();
    if let Some(f) = timeline_file {
        f.commit()?;
    }
    if let (Some(b), Some(path)) = (plot, &a.plot) {
        write_atomic(Path::new(path), &encode_plot(Path::new(path), &b.svg())?)?;
    }
    let out = match a.format {
        OutputFormat::Text => render::text(&results, ept_ms.is_some()),
        OutputFormat::Json => render::json(
            &results,
            step_ms,
            duration_ms,
            &restart,
            &vertex_ids,
            &warnings,
        ),
    };
    write_atomic(Path::new("-"), out.as_bytes())?;
    Ok(0)
}

/// What watches the replay: the progress bar, and `--timeline` and `--plot`, which see each
/// step as it is simulated.
struct Outputs {
    bar: indicatif::ProgressBar,
    timeline: Option<AtomicFile>,
    row: String,
    /// The first failed write of the timeline: reported after the replay.
    write_error: Option<std::io::Error>,
    plot: Option<PlotBuilder>,
}

impl replay::Observer for Outputs {
    fn wants_steps(&self) -> bool {
        self.timeline.is_some() || self.plot.is_some()
    }

    fn step(&mut self, run: usize, policy: &policy::PolicySpec, s: &Step) {
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
