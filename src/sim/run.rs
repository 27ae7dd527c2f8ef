//! The `simulate` operation, without its flags: typed requests in, a typed outcome out.
//!
//! Three calls, in the order a caller makes them, each able to fail before the next reads
//! anything: [`policies`] says which policies run with which settings; [`record`] streams the
//! metric file once into a job model and a demand trace, refusing a step that is not positive
//! and a span of more than [`MAX_STEPS`] steps; [`simulate`] chooses the restart time
//! (`restart`) and replays the trace under every policy (`replay`), handing the progress and,
//! when asked, every step to the caller's [`Observer`]. Nothing here writes a file or a word for
//! the user: the outcome is data, which `render::simulate` words. The same requests give the
//! same outcome (no clocks, no randomness), and memory does not grow with the recording.

use crate::error::InputError;
use crate::graph::vertices::JobVertex;
use crate::metrics;
use crate::recommend::vertices::match_metric_vertex;
use crate::resources::CostModel;
use crate::scaler::Version;
use crate::settings::{self, InEffect, Origin, Setting, SettingError, SettingWarning};
use crate::sim::engine::{Params, Summary};
use crate::sim::model::{self, JobModel};
use crate::sim::policy::{self, flink, Context, PolicyKind, PolicySpec};
use crate::sim::recording::{Recorder, RecordingWarning};
use crate::sim::replay::{self, Note, Observer, ReplayError};
use crate::sim::restart::Restart;
use crate::sim::specs::{self, PolicyFile};
use crate::sim::trace::{self, Trace};

/// Steps a replay may have: a timestamp off by years would otherwise mean hours of replay.
pub const MAX_STEPS: i64 = 50_000_000;

/// How often the Flink autoscaler samples and decides when the request does not say: the
/// operator's reconcile interval.
pub const DEFAULT_INTERVAL_MS: i64 = 60_000;

/// What the caller offers every policy that leaves it unset, each with where the offer came
/// from (the source the policies' options in effect name).
#[derive(Debug, Clone, Default)]
pub struct FillIns {
    /// Data pending time goal (ms): AutoScale's default goal, and the goal whose excess every
    /// summary counts.
    pub expected_pending_ms: Option<(i64, Origin)>,
    /// CU ceiling: the platform models' budget and the Flink autoscaler's quota.
    pub max_cu: Option<(f64, Origin)>,
    /// CU floor of the platform models.
    pub min_cu: Option<(f64, Origin)>,
}

impl FillIns {
    /// The settings the offers stand for, in a fixed order.
    fn settings(&self) -> Vec<Setting> {
        let mut out = Vec::new();
        if let Some((ms, origin)) = &self.expected_pending_ms {
            out.push(Setting::new(
                "planscale.alibaba.expected-pending-time",
                format!("{ms}ms"),
                origin.clone(),
            ));
        }
        if let Some((cu, origin)) = &self.max_cu {
            for key in [
                "planscale.alibaba.max-cu",
                "flink.dli.job.cu.max",
                flink::QUOTA_CU_KEY,
            ] {
                out.push(Setting::new(key, cu.to_string(), origin.clone()));
            }
        }
        if let Some((cu, origin)) = &self.min_cu {
            out.push(Setting::new(
                "flink.dli.job.cu.min",
                cu.to_string(),
                origin.clone(),
            ));
        }
        out
    }
}

/// Which policies to run, and with which settings (`specs` has the precedence).
#[derive(Debug, Clone)]
pub struct PolicyRequest {
    /// The release of the Flink autoscaler to reproduce.
    pub version: Version,
    /// Shared settings from a configuration file, in file order.
    pub config: Vec<Setting>,
    /// Shared settings given one by one; they win over `config`.
    pub defines: Vec<Setting>,
    /// Policy files as read; without any, one Flink autoscaler runs on the shared settings.
    pub files: Vec<PolicyFile>,
    pub fill_ins: FillIns,
}

/// The policies a simulation runs, and what they share.
#[derive(Debug, Clone)]
pub struct PolicySet {
    /// The baseline first, then the policies in the order given.
    pub specs: Vec<PolicySpec>,
    /// Unknown, misplaced and ineffective keys.
    pub warnings: Vec<SettingWarning>,
    pub version: Version,
    /// The data pending time goal (ms), when one was offered.
    pub expected_pending_ms: Option<i64>,
    /// `job.autoscaler.restart.time` as the shared settings give it (its default when unset),
    /// and where it was set explicitly.
    pub restart_time_ms: i64,
    pub restart_set_in: Option<Origin>,
}

/// Resolves the policies of `request`. A setting out of range, in the shared settings or in a
/// policy, is an error here, before any recording is read.
pub fn policies(request: PolicyRequest) -> Result<PolicySet, SettingError> {
    let fill_ins = request.fill_ins.settings();
    let specs::Policies { specs, warnings } =
        specs::policies(&request.config, &request.defines, request.files, &fill_ins)?;
    let shared: Vec<Setting> = request
        .config
        .iter()
        .chain(&request.defines)
        .cloned()
        .collect();
    let base = settings::resolve_autoscaler(request.version, &shared)?;
    let restart_set_in = base
        .in_effect
        .iter()
        .find(|o| o.key.ends_with("restart.time"))
        .map(|o| o.origin.clone())
        .filter(|o| *o != Origin::Default);
    Ok(PolicySet {
        specs,
        warnings,
        version: request.version,
        expected_pending_ms: request.fill_ins.expected_pending_ms.map(|(ms, _)| ms),
        restart_time_ms: base.opts.restart_time.0,
        restart_set_in,
    })
}

/// The recording to replay and the job it is of.
#[derive(Debug, Clone)]
pub struct RecordRequest<'a> {
    /// The metric CSV, long or wide (`-` is standard input).
    pub metrics: &'a str,
    /// The job whose rows to read, when the file holds several.
    pub job: Option<String>,
    /// The job's vertices, in topological order.
    pub vertices: Vec<JobVertex>,
    /// Learn per-subtask capacity only from samples up to this time (epoch ms).
    pub learn_until_ms: Option<i64>,
    /// The simulation step (ms); the recording's own sample interval when not given.
    pub step_ms: Option<i64>,
}

#[derive(Debug)]
pub enum RecordError {
    /// The step asked for is zero or negative.
    StepNotPositive(i64),
    /// The metric file cannot be read as the job's recording.
    Metrics(InputError),
    /// The recording's demand could not be kept (its spool file; the message says why).
    Spool(String),
    /// The recording spans more than [`MAX_STEPS`] steps: likely a wrong timestamp.
    TooManySteps {
        start_ms: i64,
        end_ms: i64,
        steps: i64,
        step_ms: i64,
    },
}

/// A recording ready to replay: the job model learned from it and its demand on the step grid.
#[derive(Debug)]
pub struct Recorded {
    pub model: JobModel,
    pub trace: Trace,
    /// The simulation step (ms): the request's, or the recording's own sample interval.
    pub step_ms: i64,
    /// The restart time the recording shows (median) and how many restarts it saw.
    pub measured_restart: Option<(i64, usize)>,
    /// What the metric reader noticed, in its words.
    pub metric_warnings: Vec<crate::metrics::ReadWarning>,
    /// What the recorder noticed.
    pub recording_warnings: Vec<RecordingWarning>,
}

/// Reads the recording of `request` once, learns the job model from it and lays its demand on
/// the step grid.
pub fn record(request: RecordRequest<'_>) -> Result<Recorded, RecordError> {
    record_with(request, |request, recorder| {
        metrics::stream_metrics(request.metrics, request.job.clone(), recorder)
    })
}

/// [`record`] from a reader already open (a fetched recording in a temporary file, in time
/// order); `request.metrics` is the name messages give it.
pub fn record_from<R: std::io::Read>(
    request: RecordRequest<'_>,
    input: R,
) -> Result<Recorded, RecordError> {
    record_with(request, |request, recorder| {
        metrics::stream_metrics_from(request.metrics, input, request.job.clone(), recorder)
    })
}

fn record_with(
    request: RecordRequest<'_>,
    read: impl FnOnce(&RecordRequest<'_>, &mut Recorder) -> Result<metrics::MetricWindow, InputError>,
) -> Result<Recorded, RecordError> {
    if let Some(step) = request.step_ms.filter(|s| *s <= 0) {
        return Err(RecordError::StepNotPositive(step));
    }
    let mut recorder = Recorder::new(&request.vertices, request.learn_until_ms);
    let read = read(&request, &mut recorder).map_err(RecordError::Metrics)?;
    let mut recording = recorder.finish().map_err(RecordError::Spool)?;
    let step_ms = request
        .step_ms
        .unwrap_or_else(|| recording.native_step_ms());
    if let Some((start_ms, end_ms)) = recording.span() {
        let steps = (end_ms - start_ms) / step_ms + 1;
        if steps > MAX_STEPS {
            return Err(RecordError::TooManySteps {
                start_ms,
                end_ms,
                steps,
                step_ms,
            });
        }
    }
    // The sources' partitions, counted by the reader as upstream counts them.
    let mut partitions = vec![0; request.vertices.len()];
    for series in &read.vertices {
        if let Some(i) = match_metric_vertex(&series.key, series.name.as_deref(), &request.vertices)
        {
            if request.vertices[i].is_source() {
                partitions[i] = series.num_source_partitions;
            }
        }
    }
    let mut metric_warnings = read.warnings;
    crate::recommend::vertices::graph_names(&mut metric_warnings, &request.vertices);
    let mut model = model::learn(request.vertices, &mut recording);
    for (v, n) in model.vertices.iter_mut().zip(partitions) {
        v.num_source_partitions = n;
    }
    let measured_restart = recording.measured_restart_ms();
    let trace = trace::build(&model, &mut recording, step_ms);
    Ok(Recorded {
        model,
        trace,
        step_ms,
        measured_restart,
        metric_warnings,
        recording_warnings: std::mem::take(&mut recording.warnings),
    })
}

/// One simulation: the policies, the recording, and what the replay should assume.
#[derive(Debug)]
pub struct SimulateRequest {
    pub policies: PolicySet,
    pub recorded: Recorded,
    /// What the job costs at a parallelism per vertex.
    pub cost: CostModel,
    /// The downtime of one rescale (ms), when the caller knows it: it wins over the option and
    /// over what the recording shows.
    pub restart_ms: Option<i64>,
    /// How often the Flink autoscaler samples and decides (ms); [`DEFAULT_INTERVAL_MS`] when not
    /// given.
    pub interval_ms: Option<i64>,
}

impl SimulateRequest {
    /// The steps the replay takes in all (each policy replays the whole trace): what
    /// [`Observer::progress`] counts towards.
    pub fn total_steps(&self) -> u64 {
        (self.recorded.trace.len() * self.policies.specs.len()) as u64
    }

    /// The simulated time: the trace's steps times the step.
    pub fn duration_ms(&self) -> i64 {
        self.recorded.trace.len() as i64 * self.recorded.step_ms
    }

    /// The restart time the replay uses: the request's, else the explicit option, else the
    /// recording's, else the option's default.
    pub fn restart(&self) -> Restart {
        let p = &self.policies;
        Restart::choose(
            self.restart_ms,
            p.restart_set_in.clone().map(|o| (p.restart_time_ms, o)),
            self.recorded.measured_restart,
            p.restart_time_ms,
        )
    }
}

#[derive(Debug)]
pub enum SimulateError {
    /// The decision interval asked for is zero or negative.
    IntervalNotPositive(i64),
    /// A policy's setting is unreadable or out of range.
    Setting(SettingError),
    /// The recording's demand could not be read back from its spool file.
    Spool(std::io::Error),
}

/// One policy's result.
#[derive(Debug, Clone)]
pub struct PolicyOutcome {
    pub name: String,
    pub kind: PolicyKind,
    /// A closed platform's policy is a model, and every output says so.
    pub model: bool,
    pub summary: Summary,
    /// What the policy wants said after its run, in the order it came.
    pub notes: Vec<Note>,
    /// The settings the policy ran with, and where each came from.
    pub options: Vec<InEffect>,
}

/// What a simulation found, as data.
#[derive(Debug, Clone)]
pub struct SimulateOutcome {
    pub step_ms: i64,
    pub duration_ms: i64,
    /// The restart time the replay used, and where it came from.
    pub restart: Restart,
    /// The data pending time goal (ms), when one was set.
    pub expected_pending_ms: Option<i64>,
    /// The job's vertex ids, in the order of every per-vertex vector of the outcome.
    pub vertex_ids: Vec<String>,
    /// What the metric reader noticed, in its words.
    pub metric_warnings: Vec<crate::metrics::ReadWarning>,
    /// What the recorder noticed.
    pub recording_warnings: Vec<RecordingWarning>,
    /// Names of the vertices (sources aside) that never worked measurably in the recording:
    /// the model takes their capacity as unlimited.
    pub unlimited: Vec<String>,
    /// One per policy, in the order of the request's specs.
    pub runs: Vec<PolicyOutcome>,
}

/// Replays the request's trace under each of its policies, one after the other, each from the
/// recorded starting parallelism. `observer` sees the progress, and every step when it wants
/// them, as they are simulated: no run is kept.
pub fn simulate(
    request: &SimulateRequest,
    observer: &mut impl Observer,
) -> Result<SimulateOutcome, SimulateError> {
    let interval_ms = request.interval_ms.unwrap_or(DEFAULT_INTERVAL_MS);
    if interval_ms <= 0 {
        return Err(SimulateError::IntervalNotPositive(interval_ms));
    }
    let PolicySet { specs, version, .. } = &request.policies;
    let Recorded { model, trace, .. } = &request.recorded;
    let restart = request.restart();
    let params = Params {
        restart_ms: restart.ms,
        cost: request.cost.clone(),
        expected_pending_s: request
            .policies
            .expected_pending_ms
            .map(|m| m as f64 / 1000.0),
        keep_steps: false,
    };
    let initial: Vec<i64> = trace.recorded_at(0).to_vec();
    let ctx = Context {
        model,
        trace,
        initial: &initial,
        cost: &request.cost,
        version: *version,
        interval_ms,
        restart_ms: restart.ms,
    };
    let runs =
        replay::replay(specs, &ctx, model, trace, &params, observer).map_err(|e| match e {
            ReplayError::Setting(e) => SimulateError::Setting(e),
            ReplayError::Spool(e) => SimulateError::Spool(e),
        })?;
    Ok(outcome(request, restart, runs))
}

/// The outcome of `request`'s replay: its runs labelled, with what the recording showed.
fn outcome(request: &SimulateRequest, restart: Restart, runs: Vec<replay::Run>) -> SimulateOutcome {
    let PolicySet { specs, version, .. } = &request.policies;
    let vertices = &request.recorded.model.vertices;
    let runs = specs
        .iter()
        .zip(runs)
        .map(|(spec, run)| PolicyOutcome {
            name: spec.name.clone(),
            kind: spec.kind,
            model: spec.is_model(),
            summary: run.summary,
            notes: run.notes,
            options: policy::options_in_effect(spec, *version),
        })
        .collect();
    SimulateOutcome {
        step_ms: request.recorded.step_ms,
        duration_ms: request.duration_ms(),
        restart,
        expected_pending_ms: request.policies.expected_pending_ms,
        vertex_ids: vertices.iter().map(|v| v.vertex.id.clone()).collect(),
        metric_warnings: request.recorded.metric_warnings.clone(),
        recording_warnings: request.recorded.recording_warnings.clone(),
        unlimited: request.recorded.model.unlimited(),
        runs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::engine::PolicyNote;
    use crate::sim::restart::RestartSource;
    use crate::sim::timeline::Step;
    use std::fmt::Write as _;

    // A source feeding one worker vertex of 4 subtasks that handle 500 rec/s each.
    const SRC: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const WORK: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const T0: i64 = 1_795_000_000_000;

    fn vertex(id: &str, name: &str, parallelism: i64, inputs: &[&str]) -> JobVertex {
        JobVertex {
            id: id.into(),
            has_job_vertex_id: true,
            name: name.into(),
            operator_names: vec![name.into()],
            operators: vec![0],
            node_ids: vec![id.into()],
            parallelism,
            max_parallelism: 128,
            inputs: inputs
                .iter()
                .map(|i| (i.to_string(), "REBALANCE".to_string()))
                .collect(),
        }
    }

    fn vertices() -> Vec<JobVertex> {
        vec![
            vertex(SRC, "Source: events", 1, &[]),
            vertex(WORK, "Work", 4, &[SRC]),
        ]
    }

    /// A long-format recording at 10 s samples of `demand(t_s)`, in a temporary directory.
    fn recording(hours: f64, demand: impl Fn(f64) -> f64) -> (tempfile::TempDir, String) {
        let mut s = String::from("timestamp_ms,vertex_id,vertex_name,parallelism,metric,value\n");
        for i in 0..((hours * 360.0) as i64) {
            let t = T0 + i * 10_000;
            let d = demand(i as f64 * 10.0);
            let processed = d.min(2000.0);
            let busy = (processed / 2000.0 * 1000.0).max(1.0);
            let _ = writeln!(
                s,
                "{t},{SRC},Source: events,1,numRecordsOutPerSecond.sum,{d}"
            );
            let _ = writeln!(s, "{t},{WORK},Work,4,numRecordsInPerSecond.sum,{processed}");
            let _ = writeln!(
                s,
                "{t},{WORK},Work,4,numRecordsOutPerSecond.sum,{processed}"
            );
            let _ = writeln!(s, "{t},{WORK},Work,4,busyTimeMsPerSecond.max,{busy}");
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("metrics.csv");
        std::fs::write(&path, s).expect("the recording written");
        (dir, path.to_string_lossy().into_owned())
    }

    /// 1,000 rec/s for an hour, then 3,000 rec/s for three: 4 workers (2,000 rec/s) are too few.
    fn step_up(t: f64) -> f64 {
        if t < 3600.0 {
            1000.0
        } else {
            3000.0
        }
    }

    fn policy_request(defines: &[(&str, &str)], fill_ins: FillIns) -> PolicyRequest {
        PolicyRequest {
            version: Version::V1_16,
            config: vec![],
            defines: defines
                .iter()
                .map(|(k, v)| Setting::new(*k, *v, Origin::Define))
                .collect(),
            files: vec![],
            fill_ins,
        }
    }

    fn recorded(path: &str, step_ms: Option<i64>) -> Recorded {
        record(RecordRequest {
            metrics: path,
            job: None,
            vertices: vertices(),
            learn_until_ms: None,
            step_ms,
        })
        .expect("the recording reads")
    }

    fn request(path: &str, fill_ins: FillIns, restart_ms: Option<i64>) -> SimulateRequest {
        SimulateRequest {
            policies: policies(policy_request(&[], fill_ins)).expect("the policies resolve"),
            recorded: recorded(path, None),
            cost: CostModel::per_vertex(vec![0.25, 0.25]),
            restart_ms,
            interval_ms: None,
        }
    }

    /// Counts what it is shown.
    #[derive(Default)]
    struct Counter {
        watch: bool,
        steps: Vec<(usize, String, i64)>,
        progress: u64,
    }

    impl Observer for Counter {
        fn wants_steps(&self) -> bool {
            self.watch
        }
        fn step(&mut self, run: usize, policy: &PolicySpec, step: &Step) {
            self.steps.push((run, policy.name.clone(), step.t_ms));
        }
        fn progress(&mut self, steps: u64) {
            self.progress += steps;
        }
    }

    #[test]
    fn a_sources_partitions_reach_the_model_as_upstream_counts_them() {
        let (dir, path) = recording(0.5, |_| 1000.0);
        let mut text = std::fs::read_to_string(&path).unwrap();
        for p in 0..6 {
            let _ = writeln!(
                text,
                "{T0},{SRC},Source: events,1,Source__events.KafkaSourceReader.topic.orders.partition.{p}.currentOffset,{}",
                1000 * p
            );
        }
        let with = dir.path().join("kafka.csv");
        std::fs::write(&with, text).unwrap();
        let r = recorded(with.to_str().unwrap(), None);
        let parts: Vec<i64> = r
            .model
            .vertices
            .iter()
            .map(|v| v.num_source_partitions)
            .collect();
        assert_eq!(parts, [6, 0]);
        // Without the metric, none (and the policy's topology says 0, as upstream's would).
        let r = recorded(&path, None);
        assert!(r
            .model
            .vertices
            .iter()
            .all(|v| v.num_source_partitions == 0));
    }

    #[test]
    fn without_files_the_baseline_and_one_autoscaler_run_with_the_fill_ins() {
        let fill_ins = FillIns {
            expected_pending_ms: Some((60_000, Origin::Flag("--goal"))),
            max_cu: Some((3.0, Origin::Flag("--ceiling"))),
            min_cu: None,
        };
        let set = policies(policy_request(&[], fill_ins)).unwrap();
        let names: Vec<&str> = set.specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["static", "autoscaler"]);
        let quota = set.specs[1].setting(flink::QUOTA_CU_KEY).unwrap();
        assert_eq!(
            (quota.value.as_str(), &quota.origin),
            ("3", &Origin::Flag("--ceiling"))
        );
        let goal = set.specs[1]
            .setting("planscale.alibaba.expected-pending-time")
            .unwrap();
        assert_eq!(goal.value, "60000ms");
        assert_eq!(set.expected_pending_ms, Some(60_000));
        assert_eq!((set.restart_time_ms, set.restart_set_in), (300_000, None));
    }

    #[test]
    fn an_explicit_restart_option_is_kept_with_where_it_was_set() {
        let set = policies(policy_request(
            &[("job.autoscaler.restart.time", "1m")],
            FillIns::default(),
        ))
        .unwrap();
        assert_eq!(set.restart_time_ms, 60_000);
        assert_eq!(set.restart_set_in, Some(Origin::Define));
        let bad = policies(policy_request(
            &[("job.autoscaler.restart.time", "soon")],
            FillIns::default(),
        ))
        .unwrap_err();
        assert_eq!(bad.key, "job.autoscaler.restart.time");
        assert_eq!(bad.origin, Origin::Define);
    }

    #[test]
    fn a_step_that_is_not_positive_is_refused_before_the_file_is_read() {
        let e = record(RecordRequest {
            metrics: "/nonexistent/metrics.csv",
            job: None,
            vertices: vertices(),
            learn_until_ms: None,
            step_ms: Some(0),
        })
        .unwrap_err();
        assert!(matches!(e, RecordError::StepNotPositive(0)), "{e:?}");
        let e = record(RecordRequest {
            metrics: "/nonexistent/metrics.csv",
            job: None,
            vertices: vertices(),
            learn_until_ms: None,
            step_ms: None,
        })
        .unwrap_err();
        assert!(matches!(e, RecordError::Metrics(_)), "{e:?}");
    }

    #[test]
    fn the_demand_is_laid_on_the_recordings_step_or_the_one_asked_for() {
        let (_dir, path) = recording(1.0, |_| 1000.0);
        let native = recorded(&path, None);
        assert_eq!((native.step_ms, native.trace.len()), (10_000, 360));
        assert_eq!(native.trace.start_ms, T0);
        assert_eq!(native.measured_restart, None);
        let coarse = recorded(&path, Some(20_000));
        assert_eq!((coarse.step_ms, coarse.trace.len()), (20_000, 180));
    }

    #[test]
    fn a_recording_decades_long_is_refused_not_replayed() {
        let (dir, path) = recording(1.0, |_| 1000.0);
        let late = T0 + 60 * 365 * 86_400_000;
        let mut text = std::fs::read_to_string(&path).unwrap();
        let _ = writeln!(
            text,
            "{late},{SRC},Source: events,1,numRecordsOutPerSecond.sum,5"
        );
        std::fs::write(&path, text).unwrap();
        let e = record(RecordRequest {
            metrics: &path,
            job: None,
            vertices: vertices(),
            learn_until_ms: None,
            step_ms: None,
        })
        .unwrap_err();
        match e {
            RecordError::TooManySteps {
                start_ms,
                end_ms,
                steps,
                step_ms,
            } => {
                assert_eq!((start_ms, end_ms, step_ms), (T0, late, 10_000));
                assert_eq!(steps, (late - T0) / 10_000 + 1);
                assert!(steps > MAX_STEPS);
            }
            e => panic!("{e:?}"),
        }
        drop(dir);
    }

    #[test]
    fn a_step_up_in_demand_scales_the_autoscaler_and_not_the_baseline() {
        let (_dir, path) = recording(4.0, step_up);
        let r = request(&path, FillIns::default(), Some(60_000));
        let o = simulate(&r, &mut ()).unwrap();
        assert_eq!(
            o.restart,
            Restart {
                ms: 60_000,
                source: RestartSource::Flag
            }
        );
        assert_eq!((o.step_ms, o.duration_ms), (10_000, 1440 * 10_000));
        assert_eq!(o.vertex_ids, [SRC, WORK]);
        assert!(o.unlimited.is_empty(), "{:?}", o.unlimited);
        let [baseline, auto] = &o.runs[..] else {
            panic!("{:?}", o.runs)
        };
        assert_eq!(
            (baseline.kind, baseline.summary.rescales),
            (PolicyKind::Static, 0)
        );
        assert_eq!(baseline.summary.final_parallelism, [1, 4]);
        assert_eq!(auto.kind, PolicyKind::FlinkAutoscaler);
        assert!(!auto.model);
        assert!(auto.summary.rescales >= 1);
        assert!(auto.summary.final_parallelism[1] >= 6, "{:?}", auto.summary);
        assert!(auto.summary.records_pending_at_end < baseline.summary.records_pending_at_end);
        assert!(auto
            .options
            .iter()
            .any(|i| i.key == "job.autoscaler.restart.time"));
        // The same request gives the same outcome.
        let again = simulate(&r, &mut ()).unwrap();
        assert_eq!(again.runs[1].summary, auto.summary);
    }

    #[test]
    fn a_ceiling_offered_to_every_policy_is_the_autoscalers_quota() {
        let (_dir, path) = recording(4.0, step_up);
        let fill_ins = FillIns {
            max_cu: Some((1.25, Origin::Flag("--ceiling"))),
            ..FillIns::default()
        };
        let o = simulate(&request(&path, fill_ins, Some(60_000)), &mut ()).unwrap();
        let auto = &o.runs[1];
        assert_eq!(auto.summary.rescales, 0, "{:?}", auto.summary.events);
        assert!(
            matches!(
                auto.notes[..],
                [Note::Policy(PolicyNote::QuotaVetoed { quota, .. })] if quota == 1.25
            ),
            "{:?}",
            auto.notes
        );
    }

    #[test]
    fn the_observer_sees_every_step_only_when_it_asks_and_the_progress_always() {
        let (_dir, path) = recording(4.0, step_up);
        let mut r = request(&path, FillIns::default(), None);
        r.recorded = recorded(&path, Some(1_000));
        let steps = r.recorded.trace.len();
        assert_eq!(steps, 14_391);
        let mut watching = Counter {
            watch: true,
            ..Counter::default()
        };
        simulate(&r, &mut watching).unwrap();
        assert_eq!(watching.steps.len(), 2 * steps);
        assert_eq!(watching.steps[0], (0, "static".into(), T0));
        assert_eq!(
            watching.steps[steps],
            (1, "autoscaler".into(), T0),
            "the second run starts over"
        );
        assert_eq!(watching.steps[steps - 1].2, T0 + (steps as i64 - 1) * 1_000);
        // Every 4,096 steps of each run.
        assert_eq!(watching.progress, 2 * 3 * 4096);
        assert!(r.total_steps() >= watching.progress);
        let mut blind = Counter::default();
        simulate(&r, &mut blind).unwrap();
        assert!(blind.steps.is_empty());
        assert_eq!(blind.progress, watching.progress);
    }

    #[test]
    fn a_non_positive_interval_is_refused_before_anything_is_replayed() {
        let (_dir, path) = recording(1.0, |_| 1000.0);
        let mut r = request(&path, FillIns::default(), None);
        r.interval_ms = Some(0);
        let mut watching = Counter {
            watch: true,
            ..Counter::default()
        };
        let e = simulate(&r, &mut watching).unwrap_err();
        assert!(matches!(e, SimulateError::IntervalNotPositive(0)), "{e:?}");
        assert!(watching.steps.is_empty());
    }

    #[test]
    fn the_restart_is_the_requests_else_the_options_else_the_default() {
        let (_dir, path) = recording(1.0, |_| 1000.0);
        let mut r = request(&path, FillIns::default(), Some(5_000));
        assert_eq!(r.restart().source, RestartSource::Flag);
        r.restart_ms = None;
        assert_eq!(
            r.restart(),
            Restart {
                ms: 300_000,
                source: RestartSource::Default
            }
        );
        r.policies = policies(policy_request(
            &[("job.autoscaler.restart.time", "1m")],
            FillIns::default(),
        ))
        .unwrap();
        assert_eq!(
            r.restart(),
            Restart {
                ms: 60_000,
                source: RestartSource::Option(Origin::Define)
            }
        );
    }

    #[test]
    fn a_policy_that_watches_longer_than_the_recording_could_not_act() {
        let (_dir, path) = recording(0.05, |_| 1000.0);
        let o = simulate(&request(&path, FillIns::default(), None), &mut ()).unwrap();
        assert!(o.runs[0].notes.is_empty());
        assert!(
            matches!(o.runs[1].notes[..], [Note::CouldNotAct(_)]),
            "{:?}",
            o.runs[1].notes
        );
        // 18 samples of 10 s: shorter than the default restart too.
        assert!(o.restart.outlasts(o.duration_ms));
    }
}
