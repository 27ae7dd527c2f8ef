//! Flink REST answers, read loosely (formats.md §4, §7.1) and straight into the structs planscale
//! keeps.
//!
//! Flink's answers differ between versions (1.x hand-written plan JSON without `inputs` on sources
//! and with object `optimizer_properties`, 2.x typed plans with empty `inputs` and string
//! `optimizer_properties`), numbers arrive as integers, floats (`68.0`) or strings, and gauges as
//! `"NaN"`. So every field is a [`Scalar`] that takes any JSON value, and each reader takes what it
//! needs.
//!
//! The readers are serde visitors over the body, not walks over a `serde_json::Value`: a `Value`
//! costs up to ~50 times its text (a 64 MiB `[[],[],...]` was 3.1 GB), while members planscale does
//! not read are skipped here without being kept, and list entries that are not objects are
//! dropped as they are read. What is kept is bounded too: one answer yields at most
//! [`MAX_ENTRIES`] list entries, so peak memory stays a small multiple of the body cap.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Entries (list elements, map members) one answer may yield. Real answers have a few thousand
/// at most (metric ids of a vertex with many Kafka partitions); this many cost a few tens of MB.
pub const MAX_ENTRIES: usize = 250_000;

thread_local! {
    /// Entries the answer being read may still yield; set by [`read`].
    static ENTRIES_LEFT: Cell<usize> = const { Cell::new(MAX_ENTRIES) };
}

fn take_entry<E: de::Error>() -> Result<(), E> {
    ENTRIES_LEFT.with(|left| match left.get() {
        0 => Err(E::custom(format!(
            "more than {MAX_ENTRIES} entries: not an answer of Flink's REST API"
        ))),
        n => {
            left.set(n - 1);
            Ok(())
        }
    })
}

/// Reads a JSON text (non-finite numbers already quoted) into `T` under a fresh entry budget.
pub fn read<T: for<'de> Deserialize<'de>>(json: &[u8]) -> Result<T, serde_json::Error> {
    ENTRIES_LEFT.with(|left| left.set(MAX_ENTRIES));
    serde_json::from_slice(json)
}

/// [`read`] with the error in words: `not JSON (...): `head`` when it is not JSON at all.
fn read_answer<T: for<'de> Deserialize<'de>>(json: &[u8]) -> Result<T, String> {
    read(json).map_err(|e| match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            super::not_json(json, &e)
        }
        _ => e.to_string(),
    })
}

/// Any JSON value, of which only scalars are kept: arrays and objects are skipped unread.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Scalar {
    /// The member is not there.
    #[default]
    Absent,
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
    /// An array or an object.
    Composite,
}

/// The visitor methods for a JSON scalar (boolean, number, string) where a container was
/// expected: every one of them gives `$value`, so a hostile answer is read, not an error.
macro_rules! scalars_are {
    ($value:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(b))
            }
            fn visit_i64<E>(self, x: i64) -> Result<Scalar, E> {
                Ok(Scalar::I64(x))
            }
            fn visit_u64<E>(self, x: u64) -> Result<Scalar, E> {
                Ok(i64::try_from(x).map_or(Scalar::U64(x), Scalar::I64))
            }
            fn visit_f64<E>(self, x: f64) -> Result<Scalar, E> {
                Ok(Scalar::F64(x))
            }
            fn visit_str<E>(self, s: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Scalar, E> {
                Ok(Scalar::Str(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Composite)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Composite)
            }
        }
        d.deserialize_any(V)
    }
}

/// Integers beyond this magnitude are not exact as a double, and not a parallelism or a bound.
const MAX_EXACT: f64 = 9.0e15;

impl Scalar {
    /// A string, or a number as text.
    pub fn text(&self) -> Option<String> {
        match self {
            Scalar::Str(s) => Some(s.clone()),
            Scalar::I64(x) => Some(x.to_string()),
            Scalar::U64(x) => Some(x.to_string()),
            Scalar::F64(x) => Some(serde_json::Number::from_f64(*x)?.to_string()),
            _ => None,
        }
    }

    /// A number as Flink writes it: a JSON number, or a string holding one, `NaN` or `±Infinity`.
    pub fn number(&self) -> Option<f64> {
        match self {
            Scalar::I64(x) => Some(*x as f64),
            Scalar::U64(x) => Some(*x as f64),
            Scalar::F64(x) => Some(*x),
            Scalar::Str(s) => number_text(s),
            _ => None,
        }
    }

    /// Whether the member is absent or `null`.
    pub fn is_missing(&self) -> bool {
        matches!(self, Scalar::Absent | Scalar::Null)
    }

    /// An integer (also from `2.0` or `"2"`): `Ok(None)` when it is not one, `Err` with the
    /// number as written when it is an integer too large for planscale (above 2^53, or 2^63 and
    /// beyond, which JSON allows and a double cannot hold exactly).
    pub fn integer(&self) -> Result<Option<i64>, String> {
        match self {
            Scalar::I64(x) if (x.unsigned_abs() as f64) < MAX_EXACT => Ok(Some(*x)),
            Scalar::I64(x) => Err(x.to_string()),
            Scalar::U64(x) => Err(x.to_string()),
            Scalar::Str(s) => {
                let t = s.trim();
                match t.parse::<i64>() {
                    Ok(x) if (x.unsigned_abs() as f64) < MAX_EXACT => Ok(Some(x)),
                    Ok(_) => Err(t.to_string()),
                    Err(_) => float_integer(number_text(t), t),
                }
            }
            Scalar::F64(x) => float_integer(Some(*x), &format!("{x}")),
            _ => Ok(None),
        }
    }
}

fn float_integer(x: Option<f64>, written: &str) -> Result<Option<i64>, String> {
    match x {
        Some(x) if x.is_finite() && x.fract() == 0.0 => {
            if x.abs() < MAX_EXACT {
                Ok(Some(x as i64))
            } else {
                Err(written.to_string())
            }
        }
        _ => Ok(None),
    }
}

fn number_text(s: &str) -> Option<f64> {
    let t = s.trim();
    match t {
        "NaN" | "nan" => Some(f64::NAN),
        "Infinity" | "+Infinity" | "inf" => Some(f64::INFINITY),
        "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
        _ => t.parse::<f64>().ok(),
    }
}

/// A number in a local JSON document (a recommendation file): a JSON number or a string holding
/// one, `NaN` or `±Infinity`.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => number_text(s),
        _ => None,
    }
}

/// An integer in a local JSON document, also from `2.0` or `"2"`.
pub fn integer(v: &Value) -> Option<i64> {
    let x = number(v)?;
    (x.is_finite() && x.fract() == 0.0 && x.abs() < MAX_EXACT).then_some(x as i64)
}

/// `"`key` N is out of range"` or `"no integer `key`"`, for an integer member that must be there.
fn required_integer(s: &Scalar, key: &str) -> Result<i64, String> {
    match s.integer() {
        Ok(Some(x)) => Ok(x),
        Ok(None) => Err(format!("no integer `{key}`")),
        Err(n) => Err(format!("`{key}` {n} is out of range")),
    }
}

/// A parallelism-like member that may be absent: `None` unless a positive integer that fits a
/// `u32`; a larger one is an error.
fn optional_positive(s: &Scalar, key: &str) -> Result<Option<u32>, String> {
    match s.integer() {
        Ok(Some(p)) if p > u32::MAX as i64 => Err(format!("`{key}` {p} is out of range")),
        Ok(Some(p)) if p >= 1 => Ok(Some(p as u32)),
        Ok(_) => Ok(None),
        Err(n) => Err(format!("`{key}` {n} is out of range")),
    }
}

/// A JSON array of which only the objects are kept (as `T`); anything else in it is skipped.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Objects<T> {
    /// Absent or `null`.
    #[default]
    Absent,
    /// A scalar or an object where an array belongs.
    NotArray,
    Items(Vec<T>),
}

impl<T> Objects<T> {
    fn items(self) -> Option<Vec<T>> {
        match self {
            Objects::Items(v) => Some(v),
            _ => None,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Objects<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Objects<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<Object<T>>()? {
                    if let Object(Some(t)) = item {
                        take_entry()?;
                        out.push(t);
                    }
                }
                Ok(Objects::Items(out))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Objects::Absent)
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Objects::Absent)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Objects::NotArray)
            }
            scalars_are!(Objects::NotArray);
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A value that is kept as `T` when it is an object and skipped unread otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct Object<T>(pub Option<T>);

impl<T> Default for Object<T> {
    fn default() -> Self {
        Object(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Object<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Object(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Object(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Object(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Object(None))
            }
            scalars_are!(Object(None));
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A JSON array of which the strings (and numbers, as text) are kept; anything else is skipped.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Texts(pub Vec<String>);

impl<'de> Deserialize<'de> for Texts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Texts;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Texts, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<Scalar>()? {
                    if let Some(t) = s.text() {
                        take_entry()?;
                        out.push(t);
                    }
                }
                Ok(Texts(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Texts, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Texts::default())
            }
            fn visit_unit<E>(self) -> Result<Texts, E> {
                Ok(Texts::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<Texts, E> {
                Ok(Texts::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Texts, E> {
                Ok(Texts::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Texts, E> {
                Ok(Texts::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Texts, E> {
                Ok(Texts::default())
            }
            fn visit_str<E>(self, s: &str) -> Result<Texts, E> {
                Ok(Texts(vec![s.to_string()]))
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON object read as `(key, T)` in its order; `None` when the value is not an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Members<T>(pub Option<Vec<(String, T)>>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Members<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Members<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, T>()? {
                    take_entry()?;
                    out.push((k, v));
                }
                Ok(Members(Some(out)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Members(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Members(None))
            }
            scalars_are!(Members(None));
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// One row of `GET /jobs/overview` (or `GET /jobs`).
#[derive(Debug, Clone, PartialEq)]
pub struct JobSummary {
    pub id: String,
    pub name: Option<String>,
    pub state: String,
}

#[derive(serde::Deserialize)]
struct RawJobs {
    #[serde(default)]
    jobs: Objects<RawJob>,
}

#[derive(serde::Deserialize)]
struct RawJob {
    #[serde(default)]
    jid: Scalar,
    #[serde(default)]
    id: Scalar,
    #[serde(default)]
    name: Scalar,
    #[serde(default)]
    state: Scalar,
    #[serde(default)]
    status: Scalar,
}

pub fn parse_jobs_overview(json: &[u8]) -> Result<Vec<JobSummary>, String> {
    let raw: RawJobs = read_answer(json)?;
    let jobs = raw.jobs.items().ok_or("no `jobs` array")?;
    let mut out = Vec::with_capacity(jobs.len());
    for j in jobs {
        let id = j
            .jid
            .text()
            .or_else(|| j.id.text())
            .ok_or("a job without `jid`")?;
        let state = j
            .state
            .text()
            .or_else(|| j.status.text())
            .unwrap_or_else(|| "UNKNOWN".into());
        out.push(JobSummary {
            id,
            name: j.name.text(),
            state,
        });
    }
    Ok(out)
}

/// `nodes[].inputs[]` of a job plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanInput {
    pub id: String,
    pub ship_strategy: Option<String>,
    pub exchange: Option<String>,
}

/// One job vertex of a job plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanNode {
    pub id: String,
    pub parallelism: Option<u32>,
    /// HTML-escaped as Flink writes it.
    pub description: String,
    pub inputs: Vec<PlanInput>,
}

/// `GET /jobs/:id/plan` (the `plan` member) or the `plan` of the job details.
#[derive(Debug, Clone, PartialEq)]
pub struct JobPlan {
    pub id: Option<String>,
    pub name: Option<String>,
    pub job_type: Option<String>,
    pub nodes: Vec<PlanNode>,
}

impl JobPlan {
    /// A vertex with no inputs (absent in 1.x, empty in 2.x) reads from outside the job.
    pub fn is_source(&self, vertex: &str) -> Option<bool> {
        self.nodes
            .iter()
            .find(|n| n.id == vertex)
            .map(|n| n.inputs.is_empty())
    }
}

#[derive(serde::Deserialize, Default)]
struct RawPlan {
    #[serde(default)]
    jid: Scalar,
    #[serde(default)]
    name: Scalar,
    #[serde(default, rename = "type")]
    job_type: Scalar,
    #[serde(default)]
    nodes: Objects<RawNode>,
}

#[derive(serde::Deserialize)]
struct RawNode {
    #[serde(default)]
    id: Scalar,
    #[serde(default)]
    parallelism: Scalar,
    #[serde(default)]
    description: Scalar,
    #[serde(default)]
    inputs: Objects<RawInput>,
}

#[derive(serde::Deserialize)]
struct RawInput {
    #[serde(default)]
    id: Scalar,
    #[serde(default)]
    ship_strategy: Scalar,
    #[serde(default)]
    exchange: Scalar,
}

/// `{"plan": Plan}` or a bare `Plan`.
#[derive(serde::Deserialize)]
struct RawPlanAnswer {
    #[serde(default)]
    plan: Object<RawPlan>,
    #[serde(default)]
    jid: Scalar,
    #[serde(default)]
    name: Scalar,
    #[serde(default, rename = "type")]
    job_type: Scalar,
    #[serde(default)]
    nodes: Objects<RawNode>,
}

/// Reads `{"plan": Plan}` or a bare `Plan`.
pub fn parse_plan(json: &[u8]) -> Result<JobPlan, String> {
    let raw: RawPlanAnswer = read_answer(json)?;
    let plan = match raw.plan.0 {
        Some(p) => p,
        None => RawPlan {
            jid: raw.jid,
            name: raw.name,
            job_type: raw.job_type,
            nodes: raw.nodes,
        },
    };
    plan_of(plan)
}

fn plan_of(plan: RawPlan) -> Result<JobPlan, String> {
    let nodes = plan.nodes.items().ok_or("no plan `nodes` array")?;
    let mut out = Vec::with_capacity(nodes.len());
    for n in nodes {
        let id = n.id.text().ok_or("a plan node without `id`")?;
        let inputs = match n.inputs {
            Objects::Absent => Vec::new(),
            Objects::Items(a) => a
                .into_iter()
                .filter_map(|i| {
                    Some(PlanInput {
                        id: i.id.text()?,
                        ship_strategy: i.ship_strategy.text(),
                        exchange: i.exchange.text(),
                    })
                })
                .collect(),
            Objects::NotArray => return Err(format!("plan node {id}: `inputs` is not an array")),
        };
        out.push(PlanNode {
            parallelism: optional_positive(&n.parallelism, "parallelism")
                .map_err(|e| format!("plan node {id}: {e}"))?,
            description: n.description.text().unwrap_or_default(),
            inputs,
            id,
        });
    }
    Ok(JobPlan {
        id: plan.jid.text(),
        name: plan.name.text(),
        job_type: plan.job_type.text(),
        nodes: out,
    })
}

/// `vertices[]` of the job details.
#[derive(Debug, Clone, PartialEq)]
pub struct JobVertex {
    pub id: String,
    pub name: String,
    pub parallelism: u32,
    pub max_parallelism: Option<u32>,
    /// Execution state of the vertex (`RUNNING`, `INITIALIZING`, ...).
    pub status: String,
}

/// `GET /jobs/:id`.
#[derive(Debug, Clone, PartialEq)]
pub struct JobDetails {
    pub id: String,
    pub name: String,
    pub state: String,
    /// `Adaptive`, `Default`, ... (Flink 1.19+ and 2.x).
    pub scheduler_type: Option<String>,
    pub vertices: Vec<JobVertex>,
    pub plan: Option<JobPlan>,
    /// The whole answer as JSON text (bare non-finite numbers quoted), as `record` writes it
    /// beside the CSV. Text, not a parsed value: it is only ever written out again.
    pub raw: String,
}

impl JobDetails {
    /// Whether the vertex is a source: no inputs in the plan, else a `Source:` name.
    pub fn is_source(&self, vertex: &str) -> bool {
        if let Some(s) = self.plan.as_ref().and_then(|p| p.is_source(vertex)) {
            return s;
        }
        self.vertex(vertex)
            .map(|v| v.name.starts_with("Source:"))
            .unwrap_or(false)
    }

    pub fn vertex(&self, id: &str) -> Option<&JobVertex> {
        self.vertices.iter().find(|v| v.id == id)
    }

    /// FINISHED, CANCELED and FAILED jobs never run again.
    pub fn is_terminal(&self) -> bool {
        is_terminal_state(&self.state)
    }

    /// `(vertex id, parallelism)` in the job's order: what changes at a rescale.
    pub fn shape(&self) -> Vec<(String, u32)> {
        self.vertices
            .iter()
            .map(|v| (v.id.clone(), v.parallelism))
            .collect()
    }
}

/// Globally terminal job states (a SUSPENDED job may come back with HA).
pub fn is_terminal_state(state: &str) -> bool {
    matches!(state, "FINISHED" | "CANCELED" | "FAILED")
}

#[derive(serde::Deserialize)]
struct RawDetails {
    #[serde(default)]
    jid: Scalar,
    #[serde(default)]
    name: Scalar,
    #[serde(default)]
    state: Scalar,
    #[serde(default, rename = "schedulerType")]
    scheduler_type: Scalar,
    #[serde(default)]
    vertices: Objects<RawVertex>,
    #[serde(default)]
    plan: Object<RawPlan>,
}

#[derive(serde::Deserialize)]
struct RawVertex {
    #[serde(default)]
    id: Scalar,
    #[serde(default)]
    name: Scalar,
    #[serde(default)]
    parallelism: Scalar,
    #[serde(default, rename = "maxParallelism")]
    max_parallelism: Scalar,
    #[serde(default)]
    status: Scalar,
}

/// The job id of a job-details JSON text, if it is one (`jid` and a `vertices` array): how
/// `record` tells its own plan file from someone else's file of the same name.
pub fn job_details_id(json: &[u8]) -> Option<String> {
    let raw: RawDetails = read(json).ok()?;
    matches!(raw.vertices, Objects::Items(_))
        .then(|| raw.jid.text())
        .flatten()
}

/// Reads the job details from their JSON text (bare non-finite numbers already quoted), which
/// becomes [`JobDetails::raw`].
pub fn parse_job_details(json: String) -> Result<JobDetails, String> {
    let v: RawDetails = read_answer(json.as_bytes())?;
    let id = v
        .jid
        .text()
        .ok_or("no `jid`: not the job details of GET /jobs/:id")?;
    let vertices_json = v.vertices.items().ok_or("no `vertices` array")?;
    let mut vertices = Vec::with_capacity(vertices_json.len());
    for j in vertices_json {
        let vid = j.id.text().ok_or("a vertex without `id`")?;
        let parallelism = match j.parallelism.integer() {
            Ok(Some(p)) if p > u32::MAX as i64 => {
                return Err(format!("vertex {vid}: `parallelism` {p} is out of range"))
            }
            Ok(Some(p)) => p.max(0) as u32,
            Ok(None) => return Err(format!("vertex {vid} has no integer `parallelism`")),
            Err(n) => return Err(format!("vertex {vid}: `parallelism` {n} is out of range")),
        };
        vertices.push(JobVertex {
            name: j.name.text().unwrap_or_else(|| vid.clone()),
            parallelism,
            max_parallelism: optional_positive(&j.max_parallelism, "maxParallelism")
                .map_err(|e| format!("vertex {vid}: {e}"))?,
            status: j.status.text().unwrap_or_else(|| "UNKNOWN".into()),
            id: vid,
        });
    }
    let plan = match v.plan.0 {
        Some(p) => Some(plan_of(p)?),
        None => None,
    };
    Ok(JobDetails {
        name: v.name.text().unwrap_or_default(),
        state: v.state.text().unwrap_or_else(|| "UNKNOWN".into()),
        scheduler_type: v.scheduler_type.text(),
        id,
        vertices,
        plan,
        raw: json,
    })
}

#[derive(serde::Deserialize)]
struct RawId {
    #[serde(default)]
    id: Scalar,
}

/// The metric ids of `GET .../subtasks/metrics` without `get=`: `[{"id": "..."}]`.
pub fn parse_metric_names(json: &[u8]) -> Result<Vec<String>, String> {
    match read_answer::<Objects<RawId>>(json)? {
        Objects::Items(a) => Ok(a.into_iter().filter_map(|m| m.id.text()).collect()),
        _ => Err("not an array of metrics".into()),
    }
}

/// One entry of `GET .../subtasks/metrics?get=...&agg=...`. A value is `None` when Flink did not
/// send it and NaN when Flink sent `"NaN"`.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregatedMetric {
    pub id: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub avg: Option<f64>,
    pub sum: Option<f64>,
}

impl AggregatedMetric {
    pub fn get(&self, agg: &str) -> Option<f64> {
        match agg {
            "min" => self.min,
            "max" => self.max,
            "avg" => self.avg,
            "sum" => self.sum,
            _ => None,
        }
    }
}

#[derive(serde::Deserialize)]
struct RawMetric {
    #[serde(default)]
    id: Scalar,
    #[serde(default)]
    min: Scalar,
    #[serde(default)]
    max: Scalar,
    #[serde(default)]
    avg: Scalar,
    #[serde(default)]
    sum: Scalar,
}

pub fn parse_aggregated_metrics(json: &[u8]) -> Result<Vec<AggregatedMetric>, String> {
    let a = match read_answer::<Objects<RawMetric>>(json)? {
        Objects::Items(a) => a,
        _ => return Err("not an array of metrics".into()),
    };
    let value = |s: &Scalar| (!s.is_missing()).then(|| s.number().unwrap_or(f64::NAN));
    Ok(a.into_iter()
        .filter_map(|m| {
            Some(AggregatedMetric {
                min: value(&m.min),
                max: value(&m.max),
                avg: value(&m.avg),
                sum: value(&m.sum),
                id: m.id.text()?,
            })
        })
        .collect())
}

/// The few members of `GET /overview` planscale shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Overview {
    pub flink_version: Option<String>,
    pub slots_available: Option<i64>,
}

#[derive(serde::Deserialize)]
struct RawOverview {
    #[serde(default, rename = "flink-version")]
    flink_version: Scalar,
    #[serde(default, rename = "slots-available")]
    slots_available: Scalar,
}

pub fn parse_overview(json: &[u8]) -> Result<Overview, String> {
    let raw: RawOverview = read_answer(json)?;
    Ok(Overview {
        flink_version: raw.flink_version.text(),
        slots_available: raw.slots_available.integer().ok().flatten(),
    })
}

/// Flink's error messages in `{"errors": [...]}`; `None` when the body is not that.
pub fn parse_errors(json: &[u8]) -> Option<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct RawErrors {
        #[serde(default)]
        errors: Option<Texts>,
    }
    let raw: RawErrors = read(json).ok()?;
    raw.errors.map(|t| t.0)
}

/// `{"parallelism": {"lowerBound": l, "upperBound": u}}` of one vertex (−1 means "default").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub lower: i64,
    pub upper: i64,
}

/// The resource requirements of a job, in Flink's order.
pub type Requirements = Vec<(String, Bounds)>;

#[derive(serde::Deserialize)]
struct RawRequirement {
    #[serde(default)]
    parallelism: Object<RawBounds>,
}

#[derive(serde::Deserialize)]
struct RawBounds {
    #[serde(default, rename = "lowerBound")]
    lower: Scalar,
    #[serde(default, rename = "upperBound")]
    upper: Scalar,
}

pub fn parse_requirements(json: &[u8]) -> Result<Requirements, String> {
    let o = read_answer::<Members<Object<RawRequirement>>>(json)?
        .0
        .ok_or("resource requirements are not a JSON object")?;
    let mut out = Vec::with_capacity(o.len());
    for (vid, r) in o {
        let p =
            r.0.and_then(|r| r.parallelism.0)
                .ok_or_else(|| format!("vertex {vid}: no `parallelism`"))?;
        let lower =
            required_integer(&p.lower, "lowerBound").map_err(|e| format!("vertex {vid}: {e}"))?;
        let upper =
            required_integer(&p.upper, "upperBound").map_err(|e| format!("vertex {vid}: {e}"))?;
        out.push((vid, Bounds { lower, upper }));
    }
    Ok(out)
}

/// The `PUT /jobs/:id/resource-requirements` body for `(vertex, lower, upper)`, pretty-printed,
/// in the order given.
pub fn requirements_body(entries: &[(String, Bounds)]) -> String {
    let mut o = serde_json::Map::new();
    for (vid, b) in entries {
        o.insert(
            vid.clone(),
            serde_json::json!({ "parallelism": { "lowerBound": b.lower, "upperBound": b.upper } }),
        );
    }
    let mut s = serde_json::to_string_pretty(&Value::Object(o)).expect("JSON values serialise");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scalar(text: &str) -> Scalar {
        read(text.as_bytes()).unwrap()
    }

    #[test]
    fn numbers_as_flink_writes_them() {
        assert_eq!(number(&json!(68.0)), Some(68.0));
        assert_eq!(number(&json!("12.5")), Some(12.5));
        assert!(number(&json!("NaN")).unwrap().is_nan());
        assert_eq!(number(&json!("-Infinity")), Some(f64::NEG_INFINITY));
        assert_eq!(number(&json!(null)), None);
        assert_eq!(integer(&json!(2.0)), Some(2));
        assert_eq!(integer(&json!("3")), Some(3));
        assert_eq!(integer(&json!(2.5)), None);
        assert_eq!(scalar("68.0").number(), Some(68.0));
        assert_eq!(scalar("68.0").text().as_deref(), Some("68.0"));
        assert!(scalar("\"NaN\"").number().unwrap().is_nan());
        assert_eq!(scalar("2.0").integer(), Ok(Some(2)));
        assert_eq!(scalar("\"3\"").integer(), Ok(Some(3)));
        assert_eq!(scalar("2.5").integer(), Ok(None));
        assert_eq!(scalar("[1]"), Scalar::Composite);
    }

    #[test]
    fn integers_beyond_2_pow_63_are_out_of_range() {
        for big in [
            "9223372036854775808",
            "18446744073709551615",
            "99999999999999999999999",
            "\"99999999999999999999999\"",
            "1e30",
        ] {
            assert!(scalar(big).integer().is_err(), "{big}");
        }
        let e = parse_requirements(
            br#"{"a": {"parallelism": {"lowerBound": 1, "upperBound": 9223372036854775808}}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e,
            "vertex a: `upperBound` 9223372036854775808 is out of range"
        );
        let e = parse_job_details(
            r#"{"jid": "j", "vertices": [{"id": "v", "parallelism": 18446744073709551616}]}"#
                .into(),
        )
        .unwrap_err();
        assert!(
            e.contains("`parallelism`") && e.contains("out of range"),
            "{e}"
        );
    }

    #[test]
    fn requirements_round_trip() {
        let r = parse_requirements(
            br#"{"b": {"parallelism": {"lowerBound": 1, "upperBound": 6}},
                 "a": {"parallelism": {"lowerBound": -1, "upperBound": "2"}}}"#,
        )
        .unwrap();
        assert_eq!(r[0].0, "b");
        assert_eq!(
            r[1].1,
            Bounds {
                lower: -1,
                upper: 2
            }
        );
        let body = requirements_body(&r);
        let back: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(back["a"]["parallelism"]["upperBound"], 2);
        assert!(body.starts_with("{\n  \"b\""));
        assert!(parse_requirements(br#"{"a": {}}"#).is_err());
    }

    #[test]
    fn what_is_not_an_object_is_skipped_and_entries_are_bounded() {
        let m = parse_aggregated_metrics(br#"[[], 1, "x", {"id": "a", "max": 2}, {}]"#).unwrap();
        assert_eq!(m.len(), 1);
        let many = format!("[{}{{}}]", "{},".repeat(MAX_ENTRIES));
        let e = parse_metric_names(many.as_bytes()).unwrap_err();
        assert!(e.contains("more than"), "{e}");
        // The budget is per answer.
        assert!(parse_metric_names(br#"[{"id": "a"}]"#).is_ok());
        assert!(parse_jobs_overview(br#"{"jobs": {}}"#).is_err());
    }
}
