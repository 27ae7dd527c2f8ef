//! Output of `plan show`: a table of vertices fitted to the terminal (long operator names
//! shortened; JSON has them in full), a JobManager row when the plan records one, and the totals;
//! or the JSON of docs/outputs.md.

use comfy_table::{presets, Cell, CellAlignment, Table};
use serde_json::json;

use crate::render::{number, short, VERSION};
use crate::summary::Summary;

/// Longest operator name shown in the table before it is shortened with an ellipsis.
const NAME_WIDTH: usize = 36;

fn shorten(s: &str) -> String {
    if s.chars().count() <= NAME_WIDTH {
        s.to_string()
    } else {
        let head: String = s.chars().take(NAME_WIDTH - 1).collect();
        format!("{head}…")
    }
}

/// Why `plan show --graph` takes no ids from a graph.
pub fn not_this_job(e: &crate::rules::NotThisJob) -> String {
    format!(
        "the graph is not this plan's job ({} of the plan's nodes have other names there, {} are not in it), so its JobVertexIDs would name other operators",
        e.differ, e.missing
    )
}

/// The table; with `job_vertex_ids` (from `--graph`) a column of each vertex's JobVertexID.
pub fn text(
    plan: &str,
    format: &str,
    s: &Summary,
    names: &dyn Fn(usize) -> String,
    job_vertex_ids: Option<&[Option<String>]>,
) -> String {
    let mut t = Table::new();
    let mut header = vec![
        "vertex",
        "operators",
        "p",
        "max p",
        "cpu",
        "MB",
        "group",
        "CU",
    ];
    if job_vertex_ids.is_some() {
        header.push("job vertex");
    }
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_header(header);
    for (k, v) in s.vertices.iter().enumerate() {
        let ops: Vec<String> = v
            .operators
            .iter()
            .zip(&v.node_ids)
            .map(|(&i, id)| format!("{id} {}", shorten(&names(i))))
            .collect();
        let id = if v.id.len() > 12 {
            format!("{}…", &v.id[..8])
        } else {
            v.id.clone()
        };
        t.add_row(vec![
            Cell::new(id),
            Cell::new(ops.join("\n")),
            Cell::new(v.parallelism).set_alignment(CellAlignment::Right),
            Cell::new(v.max_parallelism.map_or("-".into(), |m| m.to_string()))
                .set_alignment(CellAlignment::Right),
            Cell::new(short(v.cpu)).set_alignment(CellAlignment::Right),
            Cell::new(short(v.memory_mb)).set_alignment(CellAlignment::Right),
            Cell::new(&v.slot_sharing_group),
            Cell::new(if v.cu.is_finite() {
                short(v.cu)
            } else {
                "-".into()
            })
            .set_alignment(CellAlignment::Right),
        ]);
        if let Some(ids) = job_vertex_ids {
            let id = ids.get(k).cloned().flatten().unwrap_or_else(|| "-".into());
            if let Some(row) = t.row_mut(k) {
                row.add_cell(Cell::new(id));
            }
        }
    }
    if let Some(jm) = &s.job_manager {
        let right = |x: f64| Cell::new(short(x)).set_alignment(CellAlignment::Right);
        t.add_row(vec![
            Cell::new("JM"),
            Cell::new("JobManager"),
            Cell::new(""),
            Cell::new(""),
            right(jm.cpu),
            right(jm.memory_mb),
            Cell::new(""),
            right(jm.cu),
        ]);
    }
    crate::render::fit(&mut t);
    format!(
        "{plan} ({format}): {}\n{t}\ntotal: {} CU, {} cores, {} MB\n",
        crate::units::count(s.vertices.len(), "vertex", "vertices"),
        short(s.totals.cu),
        short(s.totals.cpu),
        short(s.totals.memory_mb)
    )
}

pub fn json(format: &str, s: &Summary, job_vertex_ids: &[Option<String>]) -> String {
    let vertices: Vec<_> = s
        .vertices
        .iter()
        .zip(job_vertex_ids)
        .map(|(v, jv)| {
            json!({
                "id": v.id,
                "name": v.name,
                "nodes": v.node_ids,
                "parallelism": v.parallelism,
                "max_parallelism": v.max_parallelism,
                "slot_sharing_group": v.slot_sharing_group,
                "cpu": number(v.cpu),
                "memory_mb": number(v.memory_mb),
                "cu": number(v.cu),
                "job_vertex_id": jv,
            })
        })
        .collect();
    let doc = json!({
        "planscale_version": VERSION,
        "plan_format": format,
        "vertices": vertices,
        "job_manager": s.job_manager.as_ref().map(|jm| json!({
            "cpu": number(jm.cpu),
            "memory_mb": number(jm.memory_mb),
            "cu": number(jm.cu),
        })),
        "total_cu": number(s.totals.cu),
        "total_cpu": number(s.totals.cpu),
        "total_memory_mb": number(s.totals.memory_mb),
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}
