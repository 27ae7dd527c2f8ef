//! `scheduled`: a time-of-day resource plan, as Alibaba Realtime Compute, Ververica Autopilot and
//! Huawei MRS let users write by hand, optionally with the Flink autoscaler on top.
//!
//! The schedule is a list of periods, each a start (time of day, UTC) and a parallelism per
//! vertex; a period lasts until the next one starts, and the last one wraps around midnight to the
//! first. Alone, the policy holds the current period's parallelism: it rescales whenever the job
//! runs at anything else (so at the first step, when the recorded start differs, and at every
//! period start). With `planscale.schedule.autoscaler: true` the schedule is the base and the
//! Flink autoscaler (every `job.autoscaler.*` key of the policy) acts on top: at each period start
//! the job is set to the period's parallelism (one rescale, when it differs, which restarts the
//! autoscaler's metric window as any restart does), and within the period the autoscaler may move
//! it as it would from any parallelism. Deterministic: the period is a function of the step's time.

use crate::settings::SettingError;
use crate::sim::engine::{Observation, Policy, PolicyNote};
use crate::sim::policy::{flink::FlinkAutoscaler, Context, PolicySpec};

/// The periods: a list of `HH:MM id:p,id:p,...` items (a YAML list, or `;`-separated).
pub const PERIODS_KEY: &str = "planscale.schedule.periods";
/// Whether the Flink autoscaler acts on top of the schedule.
pub const AUTOSCALER_KEY: &str = "planscale.schedule.autoscaler";

pub const DAY_MS: i64 = 86_400_000;

/// One period of a schedule: from `start_ms` (ms after midnight UTC), this parallelism per vertex
/// (indexed like `JobModel::vertices`).
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    pub start_ms: i64,
    pub parallelism: Vec<i64>,
}

/// `HH:MM` of a time of day in ms.
pub fn time_of_day(ms: i64) -> String {
    let m = ms.rem_euclid(DAY_MS) / 60_000;
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// The value of [`PERIODS_KEY`] for `periods`, one item per period, vertices by id (the spelling
/// of `pipeline.jobvertex-parallelism-overrides`).
pub fn period_items(periods: &[Period], vertex_ids: &[String]) -> Vec<String> {
    periods
        .iter()
        .map(|p| {
            let pairs: Vec<String> = vertex_ids
                .iter()
                .zip(&p.parallelism)
                .map(|(id, x)| format!("{id}:{x}"))
                .collect();
            format!("{} {}", time_of_day(p.start_ms), pairs.join(","))
        })
        .collect()
}

/// The index of the period `t_ms` falls in: the last that started at or before its time of day,
/// else (before the first start) the last period, which wraps around midnight.
pub fn period_at(periods: &[Period], t_ms: i64) -> usize {
    let tod = t_ms.rem_euclid(DAY_MS);
    match periods.partition_point(|p| p.start_ms <= tod) {
        0 => periods.len().saturating_sub(1),
        k => k - 1,
    }
}

/// Reads the schedule of `spec` against the job's vertices; a vertex a period does not name keeps
/// the parallelism the job starts with.
pub fn parse(spec: &PolicySpec, ctx: &Context<'_>) -> Result<Vec<Period>, SettingError> {
    let Some(text) = spec.get(PERIODS_KEY) else {
        return Err(spec.error(
            PERIODS_KEY,
            "a scheduled policy needs its periods: a list of `HH:MM vertex-id:parallelism,...`"
                .into(),
        ));
    };
    let bad = |m: String| spec.error(PERIODS_KEY, m);
    let mut out: Vec<Period> = Vec::new();
    for item in split_items(text) {
        let (time, pairs) = item
            .split_once(char::is_whitespace)
            .map_or((item.as_str(), ""), |(a, b)| (a, b.trim()));
        let start_ms = parse_time(time).ok_or_else(|| {
            bad(format!(
                "period `{item}`: `{time}` is not a time of day HH:MM (00:00 .. 23:59)"
            ))
        })?;
        if let Some(prev) = out.last() {
            if start_ms <= prev.start_ms {
                return Err(bad(format!(
                    "period `{item}` starts at or before the period before it ({}): list the periods in time order",
                    time_of_day(prev.start_ms)
                )));
            }
        }
        let mut parallelism = ctx.initial.to_vec();
        for pair in pairs.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, p) = pair.rsplit_once(':').ok_or_else(|| {
                bad(format!(
                    "period `{item}`: `{pair}` is not vertex-id:parallelism"
                ))
            })?;
            let v = ctx
                .model
                .vertices
                .iter()
                .position(|m| m.vertex.id.eq_ignore_ascii_case(id.trim()))
                .ok_or_else(|| {
                    bad(format!(
                        "period `{item}`: no vertex {} in the job",
                        id.trim()
                    ))
                })?;
            let max = ctx.model.vertices[v].vertex.max_parallelism.max(1);
            let p: i64 = p
                .trim()
                .parse()
                .ok()
                .filter(|p| (1..=max).contains(p))
                .ok_or_else(|| {
                    bad(format!(
                        "period `{item}`: parallelism `{}` of vertex {} is not a whole number in 1..={max} (its max parallelism)",
                        p.trim(),
                        id.trim()
                    ))
                })?;
            parallelism[v] = p;
        }
        out.push(Period {
            start_ms,
            parallelism,
        });
    }
    if out.is_empty() {
        return Err(bad("the schedule has no period".into()));
    }
    Ok(out)
}

/// The items of a list value as `settings::file` flattens YAML lists (`;`-joined, items holding
/// `;` quoted with `'`).
fn split_items(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if quoted && chars.peek() == Some(&'\'') => {
                cur.push('\'');
                chars.next();
            }
            '\'' => quoted = !quoted,
            ';' if !quoted => items.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    items.push(cur);
    items
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_time(s: &str) -> Option<i64> {
    let (h, m) = s.split_once(':')?;
    let digits = |x: &str| !x.is_empty() && x.len() <= 2 && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some((h * 60 + m) * 60_000)
}

pub struct Scheduled {
    name: String,
    periods: Vec<Period>,
    /// The period whose start was last applied (with the autoscaler on top).
    current: Option<usize>,
    autoscaler: Option<FlinkAutoscaler>,
}

impl Scheduled {
    pub fn new(spec: &PolicySpec, ctx: &Context<'_>) -> Result<Self, SettingError> {
        let periods = parse(spec, ctx)?;
        let autoscaler = if spec.bool(AUTOSCALER_KEY, false)? {
            Some(super::flink_autoscaler(spec, ctx)?)
        } else {
            None
        };
        Ok(Scheduled {
            name: spec.name.clone(),
            periods,
            current: None,
            autoscaler,
        })
    }
}

impl Policy for Scheduled {
    fn name(&self) -> &str {
        &self.name
    }

    fn decide(&mut self, obs: &Observation<'_>) -> Option<(Vec<i64>, String)> {
        let k = period_at(&self.periods, obs.t_ms);
        let plan = &self.periods[k];
        let why = || format!("the schedule's period from {}", time_of_day(plan.start_ms));
        let Some(auto) = self.autoscaler.as_mut() else {
            return (plan.parallelism.as_slice() != obs.parallelism)
                .then(|| (plan.parallelism.clone(), why()));
        };
        // The autoscaler sees every step (its counters and window), whatever the schedule does.
        let decision = auto.decide(obs);
        if self.current != Some(k) {
            self.current = Some(k);
            if plan.parallelism.as_slice() != obs.parallelism {
                return Some((plan.parallelism.clone(), why()));
            }
        }
        decision
    }

    fn restarted(&mut self, t_ms: i64) {
        if let Some(a) = self.autoscaler.as_mut() {
            a.restarted(t_ms);
        }
    }

    fn notes(&self) -> Vec<PolicyNote> {
        self.autoscaler
            .as_ref()
            .map_or_else(Vec::new, |a| a.notes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn periods(starts: &[i64]) -> Vec<Period> {
        starts
            .iter()
            .map(|s| Period {
                start_ms: s * 60_000,
                parallelism: vec![1],
            })
            .collect()
    }

    #[test]
    fn a_time_falls_in_the_last_period_started_and_before_the_first_in_the_last() {
        let p = periods(&[360, 1080]); // 06:00, 18:00
        assert_eq!(period_at(&p, 0), 1);
        assert_eq!(period_at(&p, 6 * 3_600_000), 0);
        assert_eq!(period_at(&p, 12 * 3_600_000), 0);
        assert_eq!(period_at(&p, 20 * 3_600_000 + 3 * DAY_MS), 1);
        assert_eq!(period_at(&p, -1), 1);
    }

    #[test]
    fn times_and_items_read_back() {
        assert_eq!(parse_time("06:30"), Some(390 * 60_000));
        assert_eq!(parse_time("24:00"), None);
        assert_eq!(parse_time("6:5"), Some(365 * 60_000));
        assert_eq!(parse_time("x:00"), None);
        assert_eq!(time_of_day(390 * 60_000 + DAY_MS), "06:30");
        assert_eq!(
            split_items("00:00 a:1,b:2; 'x;y' ;;"),
            ["00:00 a:1,b:2", "x;y"]
        );
        let items = period_items(
            &[Period {
                start_ms: 0,
                parallelism: vec![1, 3],
            }],
            &["a".into(), "b".into()],
        );
        assert_eq!(items, ["00:00 a:1,b:3"]);
    }
}
