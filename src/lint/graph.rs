//! Against the job's graph (`--graph`): the vertices the settings name, the max parallelism of
//! each vertex, and the resources the job uses now.
//!
//! Upstream: `Dispatcher.applyParallelismOverrides` looks each vertex up by
//! `vertex.getID().toHexString()` (lower-case hex, exact) and ignores overrides for ids the job
//! does not have; `ScalingExecutor` matches `vertex.exclude.ids` the same way; `ExecutionJobVertex`
//! refuses a vertex above its max parallelism; `JobVertexScaler.scale` caps
//! `vertex.min-parallelism` at a vertex's max parallelism ("The min parallelism will be set to the
//! operator max parallelism"); `ScalingExecutor.scalingWouldExceedResourceQuota` refuses a
//! scale-up that needs more TaskManagers when TaskManagers × their CPU (or memory) exceed the
//! quota, counting a slot-sharing group's largest parallelism in slots.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Rule};
use crate::graph::vertices::{job_vertices, JobVertex};
use crate::graph::Graph;
use crate::lint::combos::{job_parallelism, tm_cpu, tm_memory};
use crate::lint::values::{self, get, get_int, Parsed};
use crate::lint::{at_value, kv, Ctx};
use crate::value;

pub(super) fn check(ctx: &mut Ctx<'_>, g: &Graph) {
    if !ctx.is_job() {
        return;
    }
    let vertices = job_vertices(&g.job, g.format);
    let config_max = get_int(ctx, values::MAX_PARALLELISM)
        .map(|(m, _)| m)
        .filter(|m| *m > 0);
    // A vertex's max parallelism where something fixes it: the graph, else the configuration.
    let max_of = |v: &JobVertex| -> Option<i64> {
        v.operators
            .iter()
            .filter_map(|&i| g.job.operators.get(i)?.max_parallelism.value())
            .filter(|m| *m > 0)
            .min()
            .or(config_max)
    };
    let has_ids = vertices.iter().any(|v| v.has_job_vertex_id);
    let find = |id: &str| vertices.iter().find(|v| v.id == id);
    let mut found: Vec<Diagnostic> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let no_ids = format!(
        "{} names no JobVertexIDs (an execution plan); vertex ids in the configuration are not \
         checked (pass GET /jobs/:id or /jobs/:id/plan for them)",
        g.file
    );

    if let Some((Parsed::Overrides(pairs), o)) = get(ctx, values::OVERRIDES) {
        if o.own {
            for (id, p) in &pairs {
                match find(id) {
                    Some(v) => {
                        if let Some(max) = max_of(v).filter(|m| p > m) {
                            found.push(
                                at_value(
                                    Rule::ParallelismAboveMax,
                                    &o,
                                    format!(
                                        "{}: vertex {} ({}) at parallelism {p} is above its max \
                                         parallelism {max}: Flink refuses to run it",
                                        o.key,
                                        value::short(id),
                                        crate::value::short(&v.name)
                                    ),
                                )
                                .node(id),
                            );
                        }
                    }
                    None if has_ids => found.push(
                        at_value(Rule::UnknownVertex, &o, unknown(o.key, id, &vertices)).node(id),
                    ),
                    None => notes.push(no_ids.clone()),
                }
            }
        }
    }

    if let Some(o) = ctx.autoscaler_opt("vertex.exclude.ids").filter(|o| o.own) {
        for id in &ctx.autoscaler.vertex_exclude_ids {
            if find(id).is_some() {
                continue;
            }
            if has_ids {
                found.push(
                    at_value(Rule::UnknownVertex, &o, unknown(o.key, id, &vertices)).node(id),
                );
            } else {
                notes.push(no_ids.clone());
            }
        }
    }

    // vertex.min-parallelism above a vertex's max parallelism: capped there.
    let min = ctx.autoscaler.vertex_min_parallelism;
    if let Some(o) = ctx
        .autoscaler_opt("vertex.min-parallelism")
        .filter(|o| o.own)
    {
        let capped: Vec<(&JobVertex, i64)> = vertices
            .iter()
            .filter_map(|v| max_of(v).filter(|m| min > *m).map(|m| (v, m)))
            .collect();
        if let Some((v, m)) = capped.first() {
            let more = match capped.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            found.push(
                at_value(
                    Rule::ParallelismAboveMax,
                    &o,
                    format!(
                        "{}: vertex {} has max parallelism {m}{more}; the autoscaler caps the \
                         minimum there",
                        kv(o.key, o.value),
                        value::short(&v.name)
                    ),
                )
                .node(&v.id)
                .warning(),
            );
        }
    }

    // The job's parallelism above a vertex's max parallelism.
    if let Some((p, f)) = ctx.resource().and_then(|r| job_parallelism(ctx, r)) {
        let below: Vec<(&JobVertex, i64)> = vertices
            .iter()
            .filter_map(|v| max_of(v).filter(|m| p > *m).map(|m| (v, m)))
            .collect();
        if let Some((v, m)) = below.iter().min_by_key(|(_, m)| *m) {
            let more = match below.len() {
                1 => String::new(),
                n => format!(" ({} vertices are)", n),
            };
            found.push(
                Diagnostic::new(
                    Rule::ParallelismAboveMax,
                    f.value_pos,
                    format!(
                        "{}: above the max parallelism {m} of vertex {}{more}; unless the job \
                         sets that vertex's parallelism itself, Flink refuses to run it",
                        kv(&format!("spec.{}", f.path), &f.value),
                        value::short(&v.name)
                    ),
                )
                .key(&format!("spec.{}", f.path))
                .node(&v.id)
                .warning(),
            );
        }
    }

    if ctx.in_use().is_some() {
        quota_below_usage(ctx, g, &vertices, &mut found);
    }

    notes.dedup();
    ctx.notes.extend(notes);
    for d in found {
        ctx.push(d);
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn unknown(key: &str, id: &str, vertices: &[JobVertex]) -> String {
    let case = vertices.iter().find(|v| v.id.eq_ignore_ascii_case(id));
    match case {
        Some(v) => format!(
            "{key}: vertex {} is written in another letter case than the job's {}; Flink \
             compares the lower-case hex exactly, so it is ignored",
            value::short(id),
            value::short(&v.id)
        ),
        None => format!(
            "{key}: the job has no vertex {}, so Flink ignores it",
            value::short(id)
        ),
    }
}

/// The job's slots now: per slot-sharing group its largest vertex parallelism, summed.
fn slots_used(g: &Graph, vertices: &[JobVertex]) -> i64 {
    let mut groups: BTreeMap<&str, i64> = BTreeMap::new();
    for v in vertices {
        let group = v
            .operators
            .first()
            .and_then(|&i| g.job.operators.get(i))
            .and_then(|op| op.slot_sharing_group.as_deref())
            .unwrap_or("default");
        let e = groups.entry(group).or_insert(0);
        *e = (*e).max(v.parallelism);
    }
    groups.values().fold(0i64, |a, b| a.saturating_add(*b))
}

fn quota_below_usage(
    ctx: &Ctx<'_>,
    g: &Graph,
    vertices: &[JobVertex],
    found: &mut Vec<Diagnostic>,
) {
    let slots = slots_used(g, vertices);
    let per_tm = get_int(ctx, values::SLOTS).map_or(1, |(s, _)| s.max(1));
    let tms = slots.saturating_add(per_tm - 1) / per_tm;
    let basis = format!(
        "{tms} TaskManager{} for {slots} slot{} at {per_tm} per TaskManager, per {}",
        plural(tms),
        plural(slots),
        g.file
    );
    if let (Some(quota), Some(cpu), Some(o)) = (
        ctx.autoscaler.quota_cpu,
        tm_cpu(ctx),
        ctx.autoscaler_opt("quota.cpu").filter(|o| o.own),
    ) {
        let used = tms as f64 * cpu;
        if quota < used {
            found.push(
                at_value(
                    Rule::QuotaBelowUsage,
                    &o,
                    format!(
                        "{}: below the {} cores the job uses now ({basis}, {} core{} each): \
                         the autoscaler refuses every scale-up that needs another TaskManager",
                        kv(o.key, o.value),
                        crate::units::short(used),
                        crate::units::short(cpu),
                        if cpu == 1.0 { "" } else { "s" }
                    ),
                )
                .warning(),
            );
        }
    }
    if let (Some(quota), Some(mem), Some(o)) = (
        ctx.autoscaler.quota_memory,
        tm_memory(ctx),
        ctx.autoscaler_opt("quota.memory").filter(|o| o.own),
    ) {
        let used = (tms as u64).saturating_mul(mem);
        if quota.0 < used {
            found.push(
                at_value(
                    Rule::QuotaBelowUsage,
                    &o,
                    format!(
                        "{}: below the {} MiB the job uses now ({basis}, {} MiB each): the \
                         autoscaler refuses every scale-up that needs another TaskManager",
                        kv(o.key, o.value),
                        used >> 20,
                        mem >> 20
                    ),
                )
                .warning(),
            );
        }
    }
}
