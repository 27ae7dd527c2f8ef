//! Output of `recommend batch`: a table with every vertex's decision and its reason, the JSON of
//! docs/outputs.md, the `pipeline.jobvertex-parallelism-overrides` line, and the sweep of
//! `avg-data-volume-per-task`. Every word here; the numbers come from `crate::batch`.

use comfy_table::{presets, Cell, CellAlignment, Table};
use serde_json::{json, Map, Value};

use crate::batch::options::{MAX, MIN, SOURCE};
use crate::batch::rule::{PackResult, Side};
use crate::batch::{
    Basis, BytesFrom, Decision, Gap, Group, Note, Outcome, SweepRow, VertexOutcome, Warning,
};
use crate::render::{number, short_vertex_name, VERSION};
use crate::settings::InEffect;

/// Bytes as Flink's memory units count them (powers of 1024), one decimal.
pub fn bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = b as f64;
    let mut u = 0;
    // 1000 KiB and more read as MiB: a figure never has four digits before the point.
    while x >= 1000.0 && u + 1 < UNITS.len() {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else if (x - x.round()).abs() < 0.05 {
        format!("{} {}", x.round() as u64, UNITS[u])
    } else {
        format!("{x:.1} {}", UNITS[u])
    }
}

/// The contract's name of what decided a vertex (outputs.md `basis`).
fn basis_name(d: &Decision) -> Option<&'static str> {
    match d {
        Decision::Decided { basis, .. } => Some(match basis {
            Basis::Disabled { .. } => "auto-parallelism-disabled",
            Basis::Source { .. } => "source",
            Basis::Forward { .. } => "forward",
            Basis::Volume { bytes: None, .. } => "broadcast-only",
            Basis::Volume { .. } => "volume",
        }),
        Decision::Undecided(_) => None,
    }
}

/// Which bound the final number sits on because the volume asked for more (or less).
fn bound_hit(d: &Decision) -> Option<Side> {
    let Decision::Decided {
        parallelism,
        basis:
            Basis::Volume {
                bounds,
                by_volume,
                packing,
                ..
            },
    } = d
    else {
        return None;
    };
    // The volume (ceil of bytes per task) or the packing asked for a number beyond a bound,
    // and the decision sits on it.
    let asked = [by_volume.raw, packing.map(|(_, pk)| pk.ranges)];
    if *parallelism == bounds.max && asked.iter().flatten().any(|a| *a > bounds.max) {
        Some(Side::Max)
    } else if *parallelism == bounds.min && asked.iter().flatten().any(|a| *a < bounds.min) {
        Some(Side::Min)
    } else {
        None
    }
}

fn name_of(o: &Outcome, id: &str) -> String {
    o.vertices
        .iter()
        .find(|v| v.id == id)
        .map_or_else(|| id.to_string(), |v| short_vertex_name(&v.name))
}

fn gap_text(o: &Outcome, g: &Gap) -> String {
    match g {
        Gap::NoBytes { producer } => format!(
            "undecided: the details have no complete write-bytes for {} (not finished, or its \
             counter is incomplete), and this vertex's read-bytes cannot stand for them",
            name_of(o, producer)
        ),
        Gap::SharedOutput { producer } => format!(
            "undecided: {} writes to several inputs and the details only have its total \
             write-bytes, which this vertex's own read-bytes cannot split",
            name_of(o, producer)
        ),
        Gap::UndecidedProducer { producer } => format!(
            "undecided: the decision needs the parallelism of {}, which is undecided",
            name_of(o, producer)
        ),
        Gap::SourceBelowBound { flink, upper } => format!(
            "undecided: Flink ran this source at {flink}, below its upper bound {upper}: the \
             source inferred its own parallelism (DynamicParallelismInference) or the job set \
             it, which the details do not show"
        ),
        Gap::SetByJob { flink } => format!(
            "undecided: Flink ran this source at {flink}, above the default source \
             parallelism: the job sets its parallelism"
        ),
    }
}

fn bound_words(side: Side, from_vertex: bool, value: u32) -> String {
    match (side, from_vertex) {
        (Side::Max, false) => format!("max parallelism {value}"),
        (Side::Min, false) => format!("min parallelism {value}"),
        (_, true) => format!("the vertex's max parallelism {value}"),
    }
}

/// Why a vertex gets its number, in one sentence.
pub fn reason_text(o: &Outcome, v: &VertexOutcome) -> String {
    let (p, basis) = match &v.decision {
        Decision::Undecided(g) => return gap_text(o, g),
        Decision::Decided { parallelism, basis } => (*parallelism, basis),
    };
    match basis {
        Basis::Disabled {
            parallelism_default: Some(d),
        } => format!("auto-parallelism is disabled: parallelism.default {d}"),
        Basis::Disabled { .. } => {
            "auto-parallelism is disabled: parallelism.default (not set: 1)".to_string()
        }
        Basis::Source {
            capped_by_vertex_max: true,
            ..
        } => format!(
            "source: the default source parallelism is above the vertex's max parallelism {p}"
        ),
        Basis::Source { from_max: true, .. } => {
            format!("source: default-source-parallelism is not set, so the max parallelism {p}")
        }
        Basis::Source { .. } => format!("source: default-source-parallelism {p}"),
        Basis::Forward { producer } => format!(
            "FORWARD input from {}: one forward group, its parallelism {p}",
            name_of(o, producer)
        ),
        Basis::Volume {
            bytes: None,
            bounds,
            ..
        } => format!(
            "only broadcast inputs, which do not count: {}",
            bound_words(Side::Min, bounds.min_from_vertex, bounds.min)
        ),
        Basis::Volume {
            bytes: Some(b),
            per_task,
            bounds,
            by_volume,
            packing,
        } => {
            let mut s = format!(
                "{} / {} per task = {}",
                bytes(*b),
                bytes(*per_task),
                by_volume.raw.unwrap_or(0)
            );
            match by_volume.bound {
                Some(Side::Max) => s.push_str(&format!(
                    ", above {}",
                    bound_words(Side::Max, bounds.max_from_vertex, bounds.max)
                )),
                Some(Side::Min) => s.push_str(&format!(
                    ", below {}",
                    bound_words(Side::Min, bounds.min_from_vertex, bounds.min)
                )),
                None => {}
            }
            if let Some((group, pk)) = packing {
                let what = match (group, pk.slices == 1) {
                    (Group::AllToAll, false) => "subpartitions",
                    (Group::AllToAll, true) => "subpartition",
                    (Group::Pointwise, false) => "pointwise slices",
                    (Group::Pointwise, true) => "pointwise slice",
                };
                let slice = if pk.slices > 0 {
                    bytes(v.inputs_bytes(*group) / u64::from(pk.slices))
                } else {
                    bytes(0)
                };
                s.push_str(&format!(
                    "; {} {what} of ~{slice} fit {} per task: {}",
                    pk.slices,
                    pk.per_range,
                    crate::units::count(pk.ranges as usize, "task", "tasks")
                ));
                match pk.result {
                    PackResult::Legal(_) => {}
                    PackResult::Adjusted {
                        parallelism,
                        per_range,
                    } => s.push_str(&format!(
                        ", outside [{}, {}]: {per_range} per task gives {parallelism}",
                        bounds.min, bounds.max
                    )),
                    PackResult::EvenSlices(n) => s.push_str(&format!(
                        ", and no volume per task gives a count within the bounds: the {} are spread over {n} tasks",
                        what
                    )),
                    PackResult::Fallback => s.push_str(&format!(
                        ", fewer {what} than the lower bound: Flink keeps {p}"
                    )),
                }
            }
            s
        }
    }
}

impl VertexOutcome {
    /// Bytes of the inputs a packing distributed.
    fn inputs_bytes(&self, group: Group) -> u64 {
        self.inputs
            .iter()
            .filter(|i| match group {
                Group::AllToAll => i.exchange == crate::batch::Exchange::Keyed,
                Group::Pointwise => i.exchange.is_pointwise(),
            })
            .filter_map(|i| i.bytes)
            .fold(0u64, u64::saturating_add)
    }

    fn consumed_bytes(&self) -> Option<u64> {
        let non_broadcast: Vec<_> = self
            .inputs
            .iter()
            .filter(|i| i.exchange != crate::batch::Exchange::Broadcast)
            .collect();
        if non_broadcast.is_empty() {
            return None;
        }
        non_broadcast
            .iter()
            .try_fold(0u64, |a, i| i.bytes.map(|b| a.saturating_add(b)))
    }
}

pub fn warning_text(o: &Outcome, w: &Warning) -> String {
    match w {
        Warning::DiffersFromRecorded {
            vertex,
            flink,
            planscale,
        } => format!(
            "{}: Flink ran it at {flink}, and the same run under the same options gives {planscale} \
             here: its subpartitions are likely uneven (few or skewed keys; planscale takes them \
             as even), or the job sets its parallelism, or these are not the options it ran with",
            name_of(o, vertex)
        ),
        Warning::NotFinished { state } => format!(
            "the job is {state}, not FINISHED: the byte counters of unfinished vertices are partial"
        ),
        Warning::NotBatch { job_type } => format!(
            "the job is a {job_type} job: the Adaptive Batch Scheduler sizes batch jobs only"
        ),
    }
}

/// What a note says, in one sentence.
pub fn note_text(o: &Outcome, n: &Note) -> String {
    match n {
        Note::OverVolume {
            vertex,
            parallelism,
            per_task_bytes,
            wanted,
        } => format!(
            "{}: {} at its max parallelism take ~{} each, {:.1}x \
             avg-data-volume-per-task (the data asks for {wanted}); raise {MAX} or expect \
             longer tasks",
            name_of(o, vertex),
            crate::units::count(*parallelism as usize, "task", "tasks"),
            bytes(*per_task_bytes),
            *per_task_bytes as f64 / o.avg_data_volume_per_task.max(1) as f64,
        ),
        Note::MaxOversized { max, largest } => format!(
            "max parallelism {max} is {}x the largest parallelism decided here ({largest}): \
             every producer writes {max} subpartitions per all-to-all result, which Flink's \
             docs warn costs shuffle performance; -D {MAX}={} shows the decisions under a \
             smaller max",
            max / (*largest).max(1),
            largest.saturating_mul(4).next_power_of_two(),
        ),
    }
}

fn title(o: &Outcome, opts: &[InEffect]) -> String {
    let get = |k: &str| opts.iter().find(|i| i.key == k).map(|i| i.value.clone());
    let mut s = format!(
        "job {} ({}): Adaptive Batch Scheduler, {} per task",
        o.job_id.as_deref().unwrap_or("?"),
        o.job_name.as_deref().unwrap_or("?"),
        bytes(o.avg_data_volume_per_task),
    );
    if let (Some(min), Some(max)) = (get(MIN), get(MAX)) {
        s.push_str(&format!(", parallelism {min}..{max}"));
    }
    if let Some(src) = get(SOURCE) {
        s.push_str(&format!(", sources {src}"));
    }
    if o.scale_volume != 1.0 {
        s.push_str(&format!(
            ", input x {}",
            crate::render::short(o.scale_volume)
        ));
    }
    s.push('\n');
    s
}

/// The table and one reason line per vertex.
pub fn text(o: &Outcome, opts: &[InEffect]) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    let recorded = if o.scale_volume == 1.0 {
        "flink"
    } else {
        "flink (recorded)"
    };
    t.set_header(vec!["vertex", "consumed", recorded, "planscale", "bound"]);
    for v in &o.vertices {
        t.add_row(vec![
            Cell::new(short_vertex_name(&v.name)),
            Cell::new(v.consumed_bytes().map_or("-".into(), bytes))
                .set_alignment(CellAlignment::Right),
            Cell::new(v.flink_parallelism.map_or("-".into(), |p| p.to_string()))
                .set_alignment(CellAlignment::Right),
            Cell::new(
                v.decision
                    .parallelism()
                    .map_or("?".into(), |p| p.to_string()),
            )
            .set_alignment(CellAlignment::Right),
            Cell::new(match bound_hit(&v.decision) {
                Some(Side::Max) => "max",
                Some(Side::Min) => "min",
                None => "",
            }),
        ]);
    }
    crate::render::fit(&mut t);
    let mut s = title(o, opts);
    s.push_str(&format!("{t}\n"));
    for v in &o.vertices {
        s.push_str(&format!(
            "{}: {}\n",
            short_vertex_name(&v.name),
            reason_text(o, v)
        ));
    }
    for n in &o.notes {
        s.push_str(&format!("note: {}\n", note_text(o, n)));
    }
    s
}

/// The sweep: one column per volume per task.
pub fn sweep_text(o: &Outcome, rows: &[SweepRow]) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    let mut header = vec!["vertex".to_string(), "flink".to_string()];
    header.extend(rows.iter().map(|r| bytes(r.avg_data_volume_per_task)));
    t.set_header(header);
    for (i, v) in o.vertices.iter().enumerate() {
        let mut row = vec![
            Cell::new(short_vertex_name(&v.name)),
            Cell::new(v.flink_parallelism.map_or("-".into(), |p| p.to_string()))
                .set_alignment(CellAlignment::Right),
        ];
        for r in rows {
            row.push(
                Cell::new(
                    r.parallelism
                        .get(i)
                        .copied()
                        .flatten()
                        .map_or("?".into(), |p| p.to_string()),
                )
                .set_alignment(CellAlignment::Right),
            );
        }
        t.add_row(row);
    }
    crate::render::fit(&mut t);
    let mut s = format!(
        "parallelism by avg-data-volume-per-task{}:\n",
        if o.scale_volume == 1.0 {
            String::new()
        } else {
            format!(" (input x {})", crate::render::short(o.scale_volume))
        }
    );
    s.push_str(&format!("{t}\n"));
    s
}

/// The JSON of docs/outputs.md ("recommend batch").
pub fn json(o: &Outcome, opts: &[InEffect], sweep: Option<&[SweepRow]>) -> String {
    let vertices: Vec<Value> = o
        .vertices
        .iter()
        .map(|v| {
            json!({
                "id": v.id,
                "name": v.name,
                "flink_parallelism": v.flink_parallelism,
                "parallelism": v.decision.parallelism(),
                "max_parallelism": v.max_parallelism,
                "consumed_bytes": v.consumed_bytes(),
                "basis": basis_name(&v.decision),
                "bound": bound_hit(&v.decision).map(|s| match s {
                    Side::Max => "max",
                    Side::Min => "min",
                }),
                "reason": reason_text(o, v),
                "missing": matches!(v.decision, Decision::Undecided(_)).then(|| reason_text(o, v)),
                "inputs": v.inputs.iter().map(|i| json!({
                    "from": i.from,
                    "ship_strategy": i.ship_strategy,
                    "bytes": i.bytes,
                    "bytes_from": match i.bytes_from {
                        BytesFrom::ProducerWrite => Some("producer-write-bytes"),
                        BytesFrom::ConsumerRead => Some("consumer-read-bytes"),
                        BytesFrom::None => None,
                    },
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut doc = Map::new();
    doc.insert("planscale_version".into(), json!(VERSION));
    doc.insert("job".into(), json!({"id": o.job_id, "name": o.job_name}));
    doc.insert("scale_volume".into(), number(o.scale_volume));
    doc.insert(
        "avg_data_volume_per_task".into(),
        json!(o.avg_data_volume_per_task),
    );
    doc.insert("vertices".into(), Value::Array(vertices));
    if let Some(rows) = sweep {
        doc.insert(
            "sweep".into(),
            Value::Array(
                rows.iter()
                    .map(|r| {
                        let mut m = Map::new();
                        for (v, p) in o.vertices.iter().zip(&r.parallelism) {
                            m.insert(v.id.clone(), json!(p));
                        }
                        json!({
                            "avg_data_volume_per_task": r.avg_data_volume_per_task,
                            "parallelism": m,
                        })
                    })
                    .collect(),
            ),
        );
    }
    doc.insert(
        "notes".into(),
        json!(o.notes.iter().map(|n| note_text(o, n)).collect::<Vec<_>>()),
    );
    doc.insert(
        "warnings".into(),
        json!(o
            .warnings
            .iter()
            .map(|w| warning_text(o, w))
            .collect::<Vec<_>>()),
    );
    doc.insert(
        "options".into(),
        json!(opts
            .iter()
            .map(|i| json!({"key": i.key, "value": i.value, "source": i.origin.to_string()}))
            .collect::<Vec<_>>()),
    );
    let mut s = serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default();
    s.push('\n');
    s
}

/// `pipeline.jobvertex-parallelism-overrides: id:p,...` for the decided vertices (undecided ones
/// are left out; the caller warns).
pub fn overrides(o: &Outcome) -> String {
    let pairs: Vec<String> = o
        .vertices
        .iter()
        .filter_map(|v| v.decision.parallelism().map(|p| format!("{}:{p}", v.id)))
        .collect();
    format!(
        "pipeline.jobvertex-parallelism-overrides: {}\n",
        pairs.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_in_flinks_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(2560 << 10), "2.5 MiB");
        assert_eq!(bytes(16 << 20), "16 MiB");
        assert_eq!(bytes(15_000_416), "14.3 MiB");
        assert_eq!(bytes(1_025_104), "1 MiB");
        assert_eq!(bytes(911_000), "889.6 KiB");
    }
}
