//! The settings `tune` searches: which autoscaler options, which values of each, and the
//! candidates drawn from them.
//!
//! A dimension is one option of the operator's `AutoScalerOptions` (full key, as `-D` takes it)
//! and a short list of values, read with Flink's grammar and kept as numbers (durations in ms),
//! so a candidate is an index per dimension and its settings are formatted one way only. The
//! band `target.utilization.boundary` is searched as upstream defines it (the half-width around
//! the target) but written as `utilization.min`/`utilization.max` (the boundary is deprecated
//! since 1.15): the candidate's settings are exactly what is written and what is replayed.
//!
//! Candidates: the whole grid in index order when it fits the budget; else the defaults, the
//! current settings, then the points of a Halton sequence (bases 2, 3, 5, ...) mapped onto the
//! grid, skipping repeats: a fixed low-discrepancy sample, the same on every run.

use crate::error::InputError;
use crate::scaler::AutoscalerOptions;
use crate::settings::{Origin, Setting};
use crate::value::{parse_double, parse_duration};

/// How a dimension's values are read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A number (utilization, factor).
    Number,
    /// A duration, kept in ms.
    Duration,
}

/// A searchable option: its short key (after `job.autoscaler.`), how it reads, its allowed
/// range (inclusive bounds; `lo_open` excludes the lower one) and the default search values.
struct Tunable {
    short: &'static str,
    kind: ValueKind,
    lo: f64,
    lo_open: bool,
    hi: f64,
    defaults: &'static [&'static str],
}

pub const BOUNDARY: &str = "target.utilization.boundary";
pub const TARGET: &str = "utilization.target";
/// The key of a `--space` file that says whether the options it does not name are searched.
pub const OTHERS_KEY: &str = "planscale.tune.others";

const TUNABLES: &[Tunable] = &[
    Tunable {
        short: TARGET,
        kind: ValueKind::Number,
        lo: 0.0,
        lo_open: true,
        hi: 1.0,
        defaults: &["0.5", "0.6", "0.7", "0.8", "0.9"],
    },
    Tunable {
        short: BOUNDARY,
        kind: ValueKind::Number,
        lo: 0.0,
        lo_open: false,
        hi: 1.0,
        defaults: &["0.1", "0.2", "0.3"],
    },
    Tunable {
        short: "metrics.window",
        kind: ValueKind::Duration,
        lo: 0.0,
        lo_open: true,
        hi: f64::INFINITY,
        defaults: &["5 min", "10 min", "15 min", "30 min"],
    },
    Tunable {
        short: "stabilization.interval",
        kind: ValueKind::Duration,
        lo: 0.0,
        lo_open: false,
        hi: f64::INFINITY,
        defaults: &["1 min", "5 min"],
    },
    Tunable {
        short: "scale-down.interval",
        kind: ValueKind::Duration,
        lo: 0.0,
        lo_open: false,
        hi: f64::INFINITY,
        defaults: &["30 min", "1 h", "2 h", "4 h"],
    },
    Tunable {
        short: "catch-up.duration",
        kind: ValueKind::Duration,
        lo: 0.0,
        lo_open: false,
        hi: f64::INFINITY,
        defaults: &["5 min", "15 min", "30 min"],
    },
    Tunable {
        short: "scale-up.max-factor",
        kind: ValueKind::Number,
        lo: 0.0,
        lo_open: false,
        hi: f64::INFINITY,
        defaults: &["2", "100000"],
    },
    Tunable {
        short: "scale-down.max-factor",
        kind: ValueKind::Number,
        lo: 0.0,
        lo_open: false,
        hi: f64::INFINITY,
        defaults: &["0.3", "0.6", "1"],
    },
];

/// The short keys `tune` can search, in the order of every output.
pub fn tunable_keys() -> Vec<&'static str> {
    TUNABLES.iter().map(|t| t.short).collect()
}

/// One searched option and its values (ms for durations), in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct Dim {
    /// The short key (`metrics.window`).
    pub short: &'static str,
    pub kind: ValueKind,
    pub values: Vec<f64>,
}

impl Dim {
    /// The full key, as `-D` and a config.yaml take it.
    pub fn key(&self) -> String {
        format!("job.autoscaler.{}", self.short)
    }

    /// A value as Flink reads it back: durations in the largest whole unit.
    pub fn format(&self, x: f64) -> String {
        match self.kind {
            ValueKind::Number => format_number(x),
            ValueKind::Duration => format_duration(x as i64),
        }
    }
}

pub fn format_number(x: f64) -> String {
    let r = (x * 1e6).round() / 1e6;
    format!("{r}")
}

pub fn format_duration(ms: i64) -> String {
    if ms != 0 && ms % 3_600_000 == 0 {
        format!("{} h", ms / 3_600_000)
    } else if ms % 60_000 == 0 {
        format!("{} min", ms / 60_000)
    } else if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

/// What `tune` searches: the dimensions, in [`TUNABLES`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct Space {
    pub dims: Vec<Dim>,
}

/// A point of the space: one value per dimension (not an index: the defaults and the current
/// settings need not be on the grid).
pub type Point = Vec<f64>;

fn tunable(short: &str) -> Option<&'static Tunable> {
    let short = if short == "target.utilization" {
        TARGET
    } else {
        short
    };
    TUNABLES.iter().find(|t| t.short == short)
}

fn read_value(t: &Tunable, text: &str) -> Result<f64, String> {
    let x = match t.kind {
        ValueKind::Number => parse_double(text)?,
        ValueKind::Duration => parse_duration(text)?.0 as f64,
    };
    let lo_ok = if t.lo_open { x > t.lo } else { x >= t.lo };
    if !x.is_finite() || !lo_ok || x > t.hi {
        let lo = if t.lo_open { "(" } else { "[" };
        let hi = if t.hi.is_finite() {
            format!("{}]", t.hi)
        } else {
            "∞)".into()
        };
        return Err(format!(
            "`{text}` is out of range: allowed {lo}{}, {hi}",
            t.lo
        ));
    }
    Ok(x)
}

impl Space {
    /// The default space (docs/tune.md lists it).
    pub fn default_space() -> Space {
        let dims = TUNABLES
            .iter()
            .map(|t| Dim {
                short: t.short,
                kind: t.kind,
                values: t
                    .defaults
                    .iter()
                    .map(|v| read_value(t, v).unwrap_or(f64::NAN))
                    .collect(),
            })
            .collect();
        Space { dims }
    }

    /// The space of a `--space` file's settings (as `settings::read_config_file` flattens it):
    /// `key: [v, ...]` (a list) or `key: {min: a, max: b, steps: n}` per option; keys with or
    /// without `job.autoscaler.`. Options the file names replace the default values; with
    /// `only`, options it does not name are not searched (they stay as the current settings
    /// have them).
    pub fn from_settings(settings: &[Setting], only: bool) -> Result<Space, InputError> {
        let mut space = Space::default_space();
        let mut named: Vec<&'static str> = Vec::new();
        let mut ranges: Vec<(&'static str, RangeParts)> = Vec::new();
        for s in settings {
            let key = s.key.trim();
            let short = key.strip_prefix("job.autoscaler.").unwrap_or(key);
            let err = |m: String| origin_error(&s.origin, m);
            if let Some(t) = tunable(short) {
                let values = split_list(&s.value)
                    .iter()
                    .map(|v| read_value(t, v).map_err(|m| err(format!("{key}: {m}"))))
                    .collect::<Result<Vec<f64>, _>>()?;
                if values.is_empty() {
                    return Err(err(format!("{key}: no values to search")));
                }
                set_values(&mut space, t.short, values);
                named.push(t.short);
                continue;
            }
            let part = ["min", "max", "steps"]
                .iter()
                .position(|p| short.ends_with(&format!(".{p}")));
            let t = part.and_then(|i| {
                let base = &short[..short.len() - ["min", "max", "steps"][i].len() - 1];
                tunable(base).map(|t| (i, t))
            });
            let Some((i, t)) = t else {
                return Err(err(format!(
                    "{key} is not an option tune searches; one of {}",
                    tunable_keys()
                        .iter()
                        .map(|k| format!("job.autoscaler.{k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            let slot = match ranges.iter().position(|(k, _)| *k == t.short) {
                Some(p) => p,
                None => {
                    ranges.push((t.short, [None, None, None]));
                    ranges.len() - 1
                }
            };
            ranges[slot].1[i] = Some((s.value.clone(), s.origin.clone()));
        }
        for (short, [min, max, steps]) in ranges {
            let t = tunable(short).ok_or_else(|| InputError::new("--space", short))?;
            let any = min.as_ref().or(max.as_ref()).or(steps.as_ref());
            let origin = any.map_or(Origin::Default, |(_, o)| o.clone());
            let need = |x: &Option<(String, Origin)>, what: &str| {
                x.clone().ok_or_else(|| {
                    origin_error(
                        &origin,
                        format!("job.autoscaler.{short}: a range needs min, max and steps ({what} is missing)"),
                    )
                })
            };
            let (lo, lo_o) = need(&min, "min")?;
            let (hi, hi_o) = need(&max, "max")?;
            let (n, n_o) = need(&steps, "steps")?;
            let lo = read_value(t, &lo)
                .map_err(|m| origin_error(&lo_o, format!("job.autoscaler.{short}.min: {m}")))?;
            let hi = read_value(t, &hi)
                .map_err(|m| origin_error(&hi_o, format!("job.autoscaler.{short}.max: {m}")))?;
            let n: usize = n
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=50).contains(n))
                .ok_or_else(|| {
                    origin_error(
                        &n_o,
                        format!(
                            "job.autoscaler.{short}.steps: `{}` is not a whole number in 1..=50",
                            n.trim()
                        ),
                    )
                })?;
            if hi < lo {
                return Err(origin_error(
                    &hi_o,
                    format!("job.autoscaler.{short}.max is below its min"),
                ));
            }
            let values: Vec<f64> = (0..n)
                .map(|i| {
                    let x = if n == 1 {
                        lo
                    } else {
                        lo + (hi - lo) * i as f64 / (n - 1) as f64
                    };
                    match t.kind {
                        ValueKind::Duration => x.round(),
                        ValueKind::Number => (x * 1e6).round() / 1e6,
                    }
                })
                .collect();
            set_values(&mut space, short, values);
            named.push(short);
        }
        if only {
            space.dims.retain(|d| named.contains(&d.short));
        }
        Ok(space)
    }

    /// The space of a `--space` file: [`Space::from_settings`], with `planscale.tune.others:
    /// fixed` meaning that options the file does not name are not searched (`default`, the
    /// default: they are searched over their default values).
    pub fn from_file_settings(settings: &[Setting]) -> Result<Space, InputError> {
        let mut only = false;
        let mut rest = Vec::new();
        for s in settings {
            if s.key.trim() == OTHERS_KEY {
                only = match s.value.trim() {
                    "fixed" => true,
                    "default" => false,
                    v => {
                        return Err(origin_error(
                            &s.origin,
                            format!("{OTHERS_KEY}: `{v}` is not one of default, fixed"),
                        ))
                    }
                };
            } else {
                rest.push(s.clone());
            }
        }
        Space::from_settings(&rest, only)
    }

    /// Candidates in the whole grid.
    pub fn grid_size(&self) -> u128 {
        self.dims.iter().map(|d| d.values.len() as u128).product()
    }

    /// Up to `budget` points: `fixed` first (the defaults, the current settings), then the whole
    /// grid in index order when it fits, else Halton points on the grid; never a point twice.
    pub fn candidates(&self, fixed: &[Point], budget: usize) -> Vec<Point> {
        let mut out: Vec<Point> = Vec::new();
        let push = |out: &mut Vec<Point>, p: Point| {
            if out.len() < budget.max(fixed.len()) && !out.contains(&p) {
                out.push(p);
            }
        };
        for p in fixed {
            push(&mut out, p.clone());
        }
        let size = self.grid_size();
        if size <= (budget.saturating_sub(out.len())) as u128 || size <= budget as u128 {
            let mut idx = vec![0usize; self.dims.len()];
            for _ in 0..size {
                push(&mut out, self.point(&idx));
                // Mixed-radix increment, the last dimension fastest.
                for d in (0..idx.len()).rev() {
                    idx[d] += 1;
                    if idx[d] < self.dims[d].values.len() {
                        break;
                    }
                    idx[d] = 0;
                }
            }
            return out;
        }
        let primes = [2u64, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
        let mut i: u64 = 1;
        let limit = budget as u64 * 64 + 1024;
        while out.len() < budget && i < limit {
            let idx: Vec<usize> = self
                .dims
                .iter()
                .enumerate()
                .map(|(d, dim)| {
                    let h = halton(i, primes[d % primes.len()]);
                    ((h * dim.values.len() as f64) as usize).min(dim.values.len() - 1)
                })
                .collect();
            push(&mut out, self.point(&idx));
            i += 1;
        }
        out
    }

    fn point(&self, idx: &[usize]) -> Point {
        self.dims
            .iter()
            .zip(idx)
            .map(|(d, i)| d.values[*i])
            .collect()
    }

    /// The point of `opts` (the value each dimension's option has there).
    pub fn point_of(&self, opts: &AutoscalerOptions) -> Point {
        self.dims
            .iter()
            .map(|d| match d.short {
                TARGET => opts.utilization_target,
                // The band's half-width as upstream derives min/max from it (max side).
                BOUNDARY => {
                    let hi = opts.utilization_max.map(|m| m - opts.utilization_target);
                    let lo = opts.utilization_min.map(|m| opts.utilization_target - m);
                    match (lo, hi) {
                        (Some(l), Some(h)) => l.max(h),
                        (Some(x), None) | (None, Some(x)) => x,
                        (None, None) => opts.utilization_boundary,
                    }
                }
                "metrics.window" => opts.metrics_window.0 as f64,
                "stabilization.interval" => opts.stabilization_interval.0 as f64,
                "scale-down.interval" => opts.scale_down_interval.0 as f64,
                "catch-up.duration" => opts.catch_up_duration.0 as f64,
                "scale-up.max-factor" => opts.scale_up_max_factor,
                "scale-down.max-factor" => opts.scale_down_max_factor,
                _ => f64::NAN,
            })
            .collect()
    }

    /// The settings a point stands for, full keys, in dimension order: what is replayed and
    /// what is written. `target` is the utilization target in effect when the point does not
    /// search it (for the band).
    pub fn settings(&self, p: &Point, target: f64) -> Vec<(String, String)> {
        let target = self
            .dims
            .iter()
            .position(|d| d.short == TARGET)
            .map_or(target, |i| p[i]);
        let mut out = Vec::new();
        for (d, x) in self.dims.iter().zip(p) {
            if d.short == BOUNDARY {
                let lo = (target - x).max(0.0);
                let hi = (target + x).min(1.0);
                out.push(("job.autoscaler.utilization.min".into(), format_number(lo)));
                out.push(("job.autoscaler.utilization.max".into(), format_number(hi)));
            } else {
                out.push((d.key(), d.format(*x)));
            }
        }
        out
    }
}

/// A range's `min`, `max` and `steps` as given, each with where.
type RangeParts = [Option<(String, Origin)>; 3];

fn set_values(space: &mut Space, short: &str, values: Vec<f64>) {
    if let Some(d) = space.dims.iter_mut().find(|d| d.short == short) {
        d.values = values;
    }
}

/// A `;`-joined list value (YAML list) or a single value.
fn split_list(v: &str) -> Vec<String> {
    v.split(';')
        .map(|s| s.trim().trim_matches('\'').trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn origin_error(origin: &Origin, message: String) -> InputError {
    match origin {
        Origin::File { file, pos } => InputError::at(&**file, *pos, message),
        o => InputError::new(o.to_string(), message),
    }
}

/// The `i`th element of the Halton sequence in base `b`, in [0, 1).
fn halton(mut i: u64, b: u64) -> f64 {
    let (mut f, mut r) = (1.0, 0.0);
    while i > 0 {
        f /= b as f64;
        r += f * (i % b) as f64;
        i /= b;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(k: &str, v: &str) -> Setting {
        Setting::new(k, v, Origin::Define)
    }

    #[test]
    fn the_default_space_reads_and_holds_upstreams_defaults() {
        let sp = Space::default_space();
        assert_eq!(sp.dims.len(), TUNABLES.len());
        assert!(sp
            .dims
            .iter()
            .all(|d| d.values.iter().all(|v| v.is_finite())));
        let defaults = sp.point_of(&AutoscalerOptions::default());
        for (d, x) in sp.dims.iter().zip(&defaults) {
            assert!(d.values.contains(x), "{} default {x} not searched", d.short);
        }
        assert_eq!(sp.grid_size(), 5 * 3 * 4 * 2 * 4 * 3 * 2 * 3);
    }

    #[test]
    fn a_space_file_replaces_values_lists_and_ranges() {
        let sp = Space::from_settings(
            &[
                s("job.autoscaler.metrics.window", "2 min;20 min"),
                s("utilization.target.min", "0.5"),
                s("utilization.target.max", "0.9"),
                s("utilization.target.steps", "3"),
            ],
            true,
        )
        .unwrap();
        assert_eq!(sp.dims.len(), 2);
        assert_eq!(sp.dims[0].values, [0.5, 0.7, 0.9]);
        assert_eq!(sp.dims[1].values, [120_000.0, 1_200_000.0]);
        let e = Space::from_settings(&[s("job.autoscaler.pipeline", "1")], false).unwrap_err();
        assert!(e.message.contains("not an option tune searches"), "{e}");
        let e = Space::from_settings(&[s("utilization.target", "1.5")], false).unwrap_err();
        assert!(e.message.contains("out of range"), "{e}");
        let e = Space::from_settings(&[s("metrics.window.min", "1 min")], false).unwrap_err();
        assert!(e.message.contains("max is missing"), "{e}");
    }

    #[test]
    fn candidates_are_deterministic_distinct_and_start_with_the_fixed_points() {
        let sp = Space::default_space();
        let d = sp.point_of(&AutoscalerOptions::default());
        let a = sp.candidates(std::slice::from_ref(&d), 50);
        assert_eq!(a.len(), 50);
        assert_eq!(a[0], d);
        assert_eq!(a, sp.candidates(std::slice::from_ref(&d), 50));
        for (i, p) in a.iter().enumerate() {
            assert!(!a[..i].contains(p));
        }
        let small = Space::from_settings(&[s("metrics.window", "1 min;2 min")], true).unwrap();
        assert_eq!(small.candidates(&[], 10).len(), 2);
    }

    #[test]
    fn the_band_is_written_as_min_and_max_around_the_target() {
        let sp = Space::from_settings(&[s("utilization.target", "0.8"), s(BOUNDARY, "0.3")], true)
            .unwrap();
        let set = sp.settings(&vec![0.8, 0.3], 0.7);
        assert_eq!(
            set,
            [
                (
                    "job.autoscaler.utilization.target".to_string(),
                    "0.8".to_string()
                ),
                ("job.autoscaler.utilization.min".into(), "0.5".into()),
                ("job.autoscaler.utilization.max".into(), "1".into()),
            ]
        );
        assert_eq!(format_duration(5_400_000), "90 min");
        assert_eq!(format_duration(7_200_000), "2 h");
        assert_eq!(format_duration(0), "0 min");
        assert_eq!(format_duration(1500), "1500 ms");
    }
}
