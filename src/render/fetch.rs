//! Words of `planscale fetch` (and of `recommend --prometheus`, which fetches first): what was
//! found and written, retries as they happen, and the errors as one line naming the server.
//!
//! Nothing here names a flag: the command line adds the hints that do.

use crate::error::InputError;
use crate::metrics::time::format_rfc3339;
use crate::prometheus::client::Retrying;
use crate::prometheus::fetch::{FetchError, FetchOutcome, JobSelector, KnownJob, Plan, Run};
use crate::units::count;
use crate::value::DurationMs;

/// Jobs listed in an error at most.
const MAX_JOBS_LISTED: usize = 20;

fn range(from_ms: i64, to_ms: i64) -> String {
    format!("{} .. {}", format_rfc3339(from_ms), format_rfc3339(to_ms))
}

fn job(j: &KnownJob) -> String {
    if j.name.is_empty() {
        j.id.clone()
    } else {
        format!("{} ({})", j.id, j.name)
    }
}

fn jobs(list: &[KnownJob]) -> String {
    let mut out: Vec<String> = list.iter().take(MAX_JOBS_LISTED).map(job).collect();
    if list.len() > MAX_JOBS_LISTED {
        out.push(format!("and {} more", list.len() - MAX_JOBS_LISTED));
    }
    out.join(", ")
}

/// Runs of a name with when each had values.
fn runs(r: &[Run]) -> String {
    let list: Vec<String> = r
        .iter()
        .map(|r| format!("{} ({})", r.job.id, range(r.first_ms, r.last_ms)))
        .collect();
    list.join(", ")
}

/// The note when `--job-name` ran as several jobs, one after another: the fetch is of the
/// latest, and no other run's rows are in the output.
pub fn other_runs(plan: &Plan) -> Option<String> {
    let name = &plan.job.name;
    (!plan.other_runs.is_empty()).then(|| {
        format!(
            "note: `{name}` ran as {} in this range, one after another (a resubmitted job gets \
             a new id); only the latest, {}, is read: earlier {}: {} (--job ID reads one of them)\n",
            count(plan.other_runs.len() + 1, "job", "jobs"),
            plan.job.id,
            if plan.other_runs.len() == 1 { "run" } else { "runs" },
            runs(&plan.other_runs),
        )
    })
}

/// The line printed once the job is found: what will be asked for.
pub fn found(plan: &Plan) -> String {
    format!(
        "job {}: {} series, {} of {} ({}), in {}\n",
        job(&plan.job),
        plan.series,
        count(plan.steps as usize, "step", "steps"),
        DurationMs(plan.step_ms),
        range(plan.start_ms, plan.end_ms),
        count(plan.windows as usize, "query window", "query windows"),
    )
}

/// A request tried again.
pub fn retrying(r: &Retrying) -> String {
    format!(
        "warning: {}; trying again in {} (attempt {} of {})\n",
        r.error,
        DurationMs(r.wait.as_millis() as i64),
        r.attempt,
        r.attempts
    )
}

/// The summary after the file is written.
pub fn summary(o: &FetchOutcome, output: &str) -> String {
    let mut s = format!(
        "wrote {} ({}, {} .. {}) of job {} to {output} in {}\n",
        count(o.rows as usize, "row", "rows"),
        count(o.vertices, "vertex", "vertices"),
        format_rfc3339(o.first_ms),
        format_rfc3339(o.last_ms),
        job(&o.plan.job),
        count(o.requests as usize, "request", "requests"),
    );
    if o.overlapping > 0 {
        s.push_str(&format!(
            "note: {} values of series that overlap others of the same vertex, subtask and \
             metric (another tm_id or attempt, a second scrape job) were left out; the series \
             that goes on longer was kept\n",
            o.overlapping
        ));
    }
    if o.unplaced_series > 0 {
        s.push_str(&format!(
            "warning: {} series without a task_id or subtask_index label were left out\n",
            o.unplaced_series
        ));
    }
    s
}

/// A failed fetch as an input error naming the server (or the output).
pub fn error(e: FetchError) -> anyhow::Error {
    match e {
        FetchError::EmptyRange {
            from_ms,
            to_ms,
            step_ms,
        } => anyhow::anyhow!(
            "{} holds no multiple of the step {}: nothing to fetch",
            range(from_ms, to_ms),
            DurationMs(step_ms)
        ),
        FetchError::Http(e) => e.into(),
        FetchError::NoFlinkMetrics {
            url,
            metric,
            from_ms,
            to_ms,
        } => InputError::new(
            url,
            format!(
                "no Flink task metrics ({metric}) in {}: the server does not keep what Flink's \
                 Prometheus reporter exports, or not for this time",
                range(from_ms, to_ms)
            ),
        )
        .into(),
        FetchError::UnknownJob {
            url,
            job: selector,
            from_ms,
            to_ms,
            known,
        } => {
            let what = match &selector {
                JobSelector::Id(id) => format!("job {id} has no series in"),
                JobSelector::Name(name) => format!("no job named `{name}` has series in"),
            };
            let mut err = InputError::new(url, format!("{what} {}", range(from_ms, to_ms)));
            if !known.is_empty() {
                err = err.hint(format!("jobs with series then: {}", jobs(&known)));
            }
            err.into()
        }
        FetchError::AmbiguousJobName { url, name, runs: r } => InputError::new(
            url,
            format!(
                "{} jobs named `{name}` ran at the same time in that range: {}; choose one with --job ID",
                r.len(),
                runs(&r)
            ),
        )
        .into(),
        FetchError::NoRows { url, plan } => InputError::new(
            url,
            format!(
                "job {} has {} series in {}, but no value at any multiple of {} inside it",
                job(&plan.job),
                plan.series,
                range(plan.start_ms, plan.end_ms),
                DurationMs(plan.step_ms)
            ),
        )
        .into(),
        FetchError::Output(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_jobs_list_the_known_ones() {
        let known: Vec<KnownJob> = (0..25)
            .map(|i| KnownJob {
                id: format!("{i:032x}"),
                name: if i == 0 {
                    "orders".into()
                } else {
                    String::new()
                },
            })
            .collect();
        let e = error(FetchError::UnknownJob {
            url: "http://127.0.0.1:9090".into(),
            job: JobSelector::Id("ab".into()),
            from_ms: 0,
            to_ms: 60_000,
            known,
        });
        let ie = e.downcast_ref::<InputError>().unwrap();
        assert_eq!(
            ie.to_string(),
            "http://127.0.0.1:9090: job ab has no series in 1970-01-01T00:00:00Z .. 1970-01-01T00:01:00Z"
        );
        assert!(ie.hints[0]
            .starts_with("jobs with series then: 00000000000000000000000000000000 (orders), 0000"));
        assert!(ie.hints[0].ends_with("and 5 more"), "{}", ie.hints[0]);
    }
}
