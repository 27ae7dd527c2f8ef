//! Flink REST answers, read loosely (formats.md §4, §7.1).
//!
//! Nothing here is derived with serde: Flink's answers differ between versions (1.x hand-written
//! plan JSON without `inputs` on sources and with object `optimizer_properties`, 2.x typed plans
//! with empty `inputs` and string `optimizer_properties`), numbers arrive as integers, floats
//! (`68.0`) or strings, and gauges as `"NaN"`. Each reader takes what it needs and ignores the rest.

use serde_json::Value;

/// A number as Flink writes it: a JSON number, or a string holding one, `NaN` or `±Infinity`.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let t = s.trim();
            match t {
                "NaN" | "nan" => Some(f64::NAN),
                "Infinity" | "+Infinity" | "inf" => Some(f64::INFINITY),
                "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
                _ => t.parse::<f64>().ok(),
            }
        }
        _ => None,
    }
}

/// An integer, also from `2.0` or `"2"`.
pub fn integer(v: &Value) -> Option<i64> {
    let x = number(v)?;
    (x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15).then_some(x as i64)
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn positive(v: &Value, key: &str) -> Option<u32> {
    v.get(key)
        .and_then(integer)
        .filter(|&p| p >= 1 && p <= u32::MAX as i64)
        .map(|p| p as u32)
}

/// One row of `GET /jobs/overview` (or `GET /jobs`).
#[derive(Debug, Clone, PartialEq)]
pub struct JobSummary {
    pub id: String,
    pub name: Option<String>,
    pub state: String,
}

pub fn parse_jobs_overview(v: &Value) -> Result<Vec<JobSummary>, String> {
    let jobs = v
        .get("jobs")
        .and_then(Value::as_array)
        .ok_or("no `jobs` array")?;
    let mut out = Vec::new();
    for j in jobs {
        let id = text(j, "jid")
            .or_else(|| text(j, "id"))
            .ok_or("a job without `jid`")?;
        let state = text(j, "state")
            .or_else(|| text(j, "status"))
            .unwrap_or_else(|| "UNKNOWN".into());
        out.push(JobSummary {
            id,
            name: text(j, "name"),
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

/// Reads `{"plan": Plan}` or a bare `Plan`.
pub fn parse_plan(v: &Value) -> Result<JobPlan, String> {
    let plan = match v.get("plan") {
        Some(p) if p.is_object() => p,
        _ => v,
    };
    let nodes = plan
        .get("nodes")
        .and_then(Value::as_array)
        .ok_or("no plan `nodes` array")?;
    let mut out = Vec::with_capacity(nodes.len());
    for n in nodes {
        let id = text(n, "id").ok_or("a plan node without `id`")?;
        let inputs = match n.get("inputs") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|i| {
                    Some(PlanInput {
                        id: text(i, "id")?,
                        ship_strategy: text(i, "ship_strategy"),
                        exchange: text(i, "exchange"),
                    })
                })
                .collect(),
            Some(_) => return Err(format!("plan node {id}: `inputs` is not an array")),
        };
        out.push(PlanNode {
            parallelism: positive(n, "parallelism"),
            description: text(n, "description").unwrap_or_default(),
            inputs,
            id,
        });
    }
    Ok(JobPlan {
        id: text(plan, "jid"),
        name: text(plan, "name"),
        job_type: text(plan, "type"),
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
    /// The whole answer, as `record` writes it beside the CSV.
    pub raw: Value,
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

pub fn parse_job_details(v: Value) -> Result<JobDetails, String> {
    let id = text(&v, "jid").ok_or("no `jid`: not the job details of GET /jobs/:id")?;
    let vertices_json = v
        .get("vertices")
        .and_then(Value::as_array)
        .ok_or("no `vertices` array")?;
    let mut vertices = Vec::with_capacity(vertices_json.len());
    for j in vertices_json {
        let vid = text(j, "id").ok_or("a vertex without `id`")?;
        let parallelism = j
            .get("parallelism")
            .and_then(integer)
            .ok_or_else(|| format!("vertex {vid} has no integer `parallelism`"))?;
        vertices.push(JobVertex {
            name: text(j, "name").unwrap_or_else(|| vid.clone()),
            parallelism: parallelism.clamp(0, u32::MAX as i64) as u32,
            max_parallelism: positive(j, "maxParallelism"),
            status: text(j, "status").unwrap_or_else(|| "UNKNOWN".into()),
            id: vid,
        });
    }
    let plan = match v.get("plan") {
        Some(p) if p.is_object() => Some(parse_plan(p)?),
        _ => None,
    };
    Ok(JobDetails {
        name: text(&v, "name").unwrap_or_default(),
        state: text(&v, "state").unwrap_or_else(|| "UNKNOWN".into()),
        scheduler_type: text(&v, "schedulerType"),
        id,
        vertices,
        plan,
        raw: v,
    })
}

/// The metric ids of `GET .../subtasks/metrics` without `get=`: `[{"id": "..."}]`.
pub fn parse_metric_names(v: &Value) -> Result<Vec<String>, String> {
    let a = v.as_array().ok_or("not an array of metrics")?;
    Ok(a.iter().filter_map(|m| text(m, "id")).collect())
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

pub fn parse_aggregated_metrics(v: &Value) -> Result<Vec<AggregatedMetric>, String> {
    let a = v.as_array().ok_or("not an array of metrics")?;
    Ok(a.iter()
        .filter_map(|m| {
            let value = |k: &str| match m.get(k) {
                None | Some(Value::Null) => None,
                Some(x) => Some(number(x).unwrap_or(f64::NAN)),
            };
            Some(AggregatedMetric {
                id: text(m, "id")?,
                min: value("min"),
                max: value("max"),
                avg: value("avg"),
                sum: value("sum"),
            })
        })
        .collect())
}

/// `{"parallelism": {"lowerBound": l, "upperBound": u}}` of one vertex (−1 means "default").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub lower: i64,
    pub upper: i64,
}

/// The resource requirements of a job, in Flink's order.
pub type Requirements = Vec<(String, Bounds)>;

pub fn parse_requirements(v: &Value) -> Result<Requirements, String> {
    let o = v
        .as_object()
        .ok_or("resource requirements are not a JSON object")?;
    let mut out = Vec::with_capacity(o.len());
    for (vid, r) in o {
        let p = r
            .get("parallelism")
            .ok_or_else(|| format!("vertex {vid}: no `parallelism`"))?;
        let lower = p
            .get("lowerBound")
            .and_then(integer)
            .ok_or_else(|| format!("vertex {vid}: no integer `lowerBound`"))?;
        let upper = p
            .get("upperBound")
            .and_then(integer)
            .ok_or_else(|| format!("vertex {vid}: no integer `upperBound`"))?;
        out.push((vid.clone(), Bounds { lower, upper }));
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
    }

    #[test]
    fn requirements_round_trip() {
        let v = json!({"b": {"parallelism": {"lowerBound": 1, "upperBound": 6}},
                       "a": {"parallelism": {"lowerBound": -1, "upperBound": "2"}}});
        let r = parse_requirements(&v).unwrap();
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
        assert!(parse_requirements(&json!({"a": {}})).is_err());
    }
}
