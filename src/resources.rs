//! Resources and compute units (CU) of a Blink plan (formats.md §1.12).
//!
//! 1 CU = 1 core + 4 GiB. A chain runs as one task per subtask, so its CPU is the largest `vcore`
//! of its operators and its memory the sum of theirs; each subtask is allocated at the 1:4 ratio,
//! i.e. max(cpu, memory / 4096 MB). The JobManager counts when the plan's `global` records it.
//! Invalid or absent values count as zero here; the rules report them.

use crate::chaining::Chains;
use crate::model::Job;

pub const MB_PER_CU: f64 = 4096.0;

#[derive(Debug, Clone, PartialEq)]
pub struct ChainCost {
    pub operators: Vec<usize>,
    pub parallelism: i64,
    /// Cores per subtask.
    pub cpu: f64,
    /// MB per subtask.
    pub memory_mb: f64,
    /// CU of all subtasks.
    pub cu: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Totals {
    pub cu: f64,
    pub cpu: f64,
    pub memory_mb: f64,
}

/// CU of one container-sized unit: the larger of its cores and its memory in 4 GiB units.
pub fn cu_of(cpu: f64, memory_mb: f64) -> f64 {
    cpu.max(memory_mb / MB_PER_CU)
}

pub fn chain_costs(job: &Job, chains: &Chains) -> Vec<ChainCost> {
    chains
        .chains
        .iter()
        .map(|ops| {
            let parallelism = ops
                .iter()
                .map(|&i| job.operators[i].parallelism_or(1))
                .max()
                .unwrap_or(1)
                .max(1);
            let (mut cpu, mut memory_mb) = (0.0f64, 0.0f64);
            for &i in ops {
                if let Some(r) = &job.operators[i].resources {
                    cpu = cpu.max(r.cpu_or_zero());
                    memory_mb += r.memory_mb();
                }
            }
            ChainCost {
                operators: ops.clone(),
                parallelism,
                cpu,
                memory_mb,
                cu: parallelism as f64 * cu_of(cpu, memory_mb),
            }
        })
        .collect()
}

/// Per-vertex view of a plan whose resources live on slot-sharing groups (expert plans): each
/// vertex's subtask is shown with its group's slot profile; CU is only meaningful per group, so
/// a vertex's `cu` is NaN (rendered as null).
pub fn slot_costs(job: &Job, chains: &Chains) -> Vec<ChainCost> {
    chains
        .chains
        .iter()
        .map(|ops| {
            let head = &job.operators[ops[0]];
            let group = job
                .slot_sharing_groups
                .iter()
                .find(|g| Some(&g.name) == head.slot_sharing_group.as_ref());
            ChainCost {
                operators: ops.clone(),
                parallelism: head.parallelism_or(1).max(1),
                cpu: group.map_or(0.0, |g| finite_pos(g.cpu.value())),
                memory_mb: group.map_or(0.0, |g| g.memory_mb()),
                cu: f64::NAN,
            }
        })
        .collect()
}

fn finite_pos(x: Option<f64>) -> f64 {
    x.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(0.0)
}

/// Totals of a plan with slot-sharing-group profiles (formats.md §2.4): a group needs as many
/// slots as its largest parallelism, each costing max(cpu, memory / 4 GiB).
pub fn slot_totals(job: &Job) -> Totals {
    let mut t = Totals::default();
    for g in &job.slot_sharing_groups {
        let slots = job
            .operators
            .iter()
            .filter(|o| o.slot_sharing_group.as_deref() == Some(g.name.as_str()))
            .map(|o| o.parallelism_or(1))
            .max()
            .unwrap_or(0)
            .max(0) as f64;
        let (cpu, mem) = (finite_pos(g.cpu.value()), g.memory_mb());
        t.cu += slots * cu_of(cpu, mem);
        t.cpu += slots * cpu;
        t.memory_mb += slots * mem;
    }
    t
}

/// What a job costs, in CU, at a parallelism per vertex: what `recommend` totals and budgets
/// and `simulate` accounts. Each vertex's subtask has a price; in an expert plan the price is
/// its slot-sharing group's slot, and a group needs as many slots as its largest parallelism,
/// so vertices sharing a group are not paid twice (formats.md §2.4, as [`slot_totals`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CostModel {
    /// CU of one subtask (Blink: the chain's own resources; expert: the group's slot).
    pub subtask: Vec<f64>,
    /// Expert plans: each vertex's slot-sharing group (an index), `None` when it pays alone.
    pub group: Vec<Option<usize>>,
}

impl CostModel {
    /// Every vertex pays for its own subtasks.
    pub fn per_vertex(subtask: Vec<f64>) -> Self {
        let group = vec![None; subtask.len()];
        CostModel { subtask, group }
    }

    /// The CU of running vertex `i` at `p[i]` for every `i`.
    pub fn total(&self, p: &[i64]) -> f64 {
        let groups = self.group.iter().flatten().max().map_or(0, |g| g + 1);
        let mut slots = vec![(0i64, 0.0f64); groups];
        let mut t = 0.0;
        for (i, &x) in p.iter().enumerate() {
            let c = self.subtask.get(i).copied().unwrap_or(0.0);
            match self.group.get(i).copied().flatten() {
                Some(g) => {
                    if x > slots[g].0 {
                        slots[g] = (x, c);
                    }
                }
                None => t += x as f64 * c,
            }
        }
        t + slots.iter().map(|&(n, c)| n as f64 * c).sum::<f64>()
    }
}

/// The cost model of a plan's vertices (each given by its operators).
pub fn cost_model(plan: &crate::plan::Plan, vertices: &[&[usize]]) -> CostModel {
    let subtask = vertices.iter().map(|ops| subtask_cu(plan, ops)).collect();
    if plan.format != crate::format::Format::Expert {
        return CostModel::per_vertex(subtask);
    }
    let job = &plan.job;
    let group = vertices
        .iter()
        .map(|ops| {
            let name = ops
                .first()
                .and_then(|&i| job.operators[i].slot_sharing_group.as_deref())?;
            job.slot_sharing_groups.iter().position(|g| g.name == name)
        })
        .collect();
    CostModel { subtask, group }
}

/// CU of one subtask of the vertex made of `ops`: the chain's own resources in a Blink plan (max
/// CPU, summed memory), its group's slot profile in an expert plan.
pub fn subtask_cu(plan: &crate::plan::Plan, ops: &[usize]) -> f64 {
    let job = &plan.job;
    if plan.format == crate::format::Format::Expert {
        let group = ops
            .first()
            .and_then(|&i| job.operators[i].slot_sharing_group.as_deref());
        return job
            .slot_sharing_groups
            .iter()
            .find(|g| Some(g.name.as_str()) == group)
            .map_or(0.0, |g| {
                cu_of(g.cpu.value().unwrap_or(0.0).max(0.0), g.memory_mb())
            });
    }
    let (mut cpu, mut mem) = (0.0f64, 0.0f64);
    for &i in ops {
        if let Some(r) = &job.operators[i].resources {
            cpu = cpu.max(r.cpu_or_zero());
            mem += r.memory_mb();
        }
    }
    cu_of(cpu, mem)
}

/// CU of one subtask of an `operators`-long chain priced as `plan init` would write it
/// (the generator's default CPU and heap per operator), for jobs given only as a graph.
pub fn default_subtask_cu(operators: usize) -> f64 {
    use crate::plan::blink::{DEFAULT_HEAP_MB, DEFAULT_VCORE};
    cu_of(DEFAULT_VCORE, DEFAULT_HEAP_MB as f64 * operators as f64)
}

pub fn totals(job: &Job, costs: &[ChainCost]) -> Totals {
    let mut t = Totals::default();
    for c in costs {
        t.cu += c.cu;
        t.cpu += c.parallelism as f64 * c.cpu;
        t.memory_mb += c.parallelism as f64 * c.memory_mb;
    }
    if let Some(jm) = job.job_manager {
        t.cu += cu_of(jm.cpu, jm.memory_mb);
        t.cpu += jm.cpu;
        t.memory_mb += jm.memory_mb;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_sharing_group_costs_its_largest_parallelism_in_slots() {
        // Vertices 0 and 1 share group 0 (1.0 CU a slot), 2 pays alone, 3 is in group 1.
        let m = CostModel {
            subtask: vec![1.0, 1.0, 0.25, 2.0],
            group: vec![Some(0), Some(0), None, Some(1)],
        };
        assert_eq!(m.total(&[4, 6, 8, 1]), 6.0 + 2.0 + 2.0);
        assert_eq!(m.total(&[6, 6, 8, 0]), 6.0 + 2.0);
        let flat = CostModel::per_vertex(vec![1.0, 1.0, 0.25]);
        assert_eq!(flat.total(&[4, 6, 8]), 12.0);
    }
    use crate::json;
    use crate::plan::blink;

    /// formats.md §1.13, verbatim: 2.0 + 8.0 CU of chains plus 1.0 for the JobManager.
    const SPEC_EXAMPLE: &str = r#"{
  "global" : [ { "isChainingEnabled" : "true", "jobManagerCpuCores" : 1.0, "jobManagerMemoryInMB" : 4096 } ],
  "nodes" : [ {
    "id" : 1, "uid" : "1", "name" : "KafkaSource-orders", "pact" : "Source",
    "chainingStrategy" : "HEAD", "parallelism" : 8, "maxParallelism" : 32768,
    "vcore" : 0.25, "heap_memory" : 256
  }, {
    "id" : 2, "uid" : "2", "name" : "Calc(select: (id, amount))", "pact" : "Operator",
    "parallelism" : 8, "maxParallelism" : 32768, "vcore" : 0.25, "heap_memory" : 256
  }, {
    "id" : 4, "uid" : "4", "name" : "GroupAggregate(groupBy: (id))", "pact" : "Operator",
    "parallelism" : 16, "maxParallelism" : 32768, "vcore" : 0.5, "heap_memory" : 512, "native_memory" : 384
  }, {
    "id" : 5, "uid" : "5", "name" : "RdsSink-totals", "pact" : "Sink",
    "parallelism" : 16, "maxParallelism" : 32768, "vcore" : 0.25, "heap_memory" : 256
  } ],
  "links" : [ { "source" : 1, "target" : 2 },
              { "source" : 2, "target" : 4, "ship_strategy" : "HASH" },
              { "source" : 4, "target" : 5 } ],
  "statefulNodes" : [ 4 ]
}"#;

    fn costs(text: &str) -> (Vec<ChainCost>, Totals) {
        let v = json::parse("p", text).unwrap();
        let plan = blink::read("p", text, &v).unwrap();
        let chains = crate::chaining::blink_chains(&plan.job);
        let c = chain_costs(&plan.job, &chains);
        let t = totals(&plan.job, &c);
        (c, t)
    }

    #[test]
    fn spec_example_is_eleven_cu() {
        let (c, t) = costs(SPEC_EXAMPLE);
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].cu, c[0].memory_mb), (2.0, 512.0));
        assert_eq!((c[1].cu, c[1].cpu, c[1].memory_mb), (8.0, 0.5, 1152.0));
        assert_eq!(t.cu, 11.0);
    }

    #[test]
    fn cutting_after_the_source_is_twelve_cu() {
        let cut = SPEC_EXAMPLE.replace(
            "\"id\" : 2, \"uid\" : \"2\",",
            "\"id\" : 2, \"uid\" : \"2\", \"chainingStrategy\" : \"HEAD\",",
        );
        let (c, t) = costs(&cut);
        assert_eq!(c.len(), 3);
        assert_eq!(t.cu, 12.0 + 1.0);
    }

    #[test]
    fn expert_spec_example_is_four_cu() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/spec/expert_example.plan.json"
        ))
        .unwrap();
        let plan = crate::plan::read("p", &text, None).unwrap();
        // One group, slots = max(4, 8) = 8, per slot max(0.5, 1088 / 4096) = 0.5 CU.
        assert_eq!(slot_totals(&plan.job).cu, 4.0);
    }

    #[test]
    fn one_to_four_rounding() {
        assert_eq!(cu_of(1.0, 3072.0), 1.0);
        assert_eq!(cu_of(1.0, 5120.0), 1.25);
    }
}
