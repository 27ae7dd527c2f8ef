//! `planscale plan init`.

use clap::Args;

use crate::cli::{GraphFormatArg, PlanFormatArg};
use planscale::error::{InputError, UsageError};
use planscale::format::Format;
use planscale::graph;
use planscale::io::{read_document, refuse_same_files, write_atomic, Named};
use planscale::plan::blink::{self, InitSettings};

#[derive(Debug, Args)]
#[command(after_help = "Settings (-D key=value), for both plan formats:\n  \
vcore, cpu, blink.resource.allocation.operator.default.cpu.cores\n      \
CPU per node (Blink, default 0.25) or per slot of each slot-sharing group (expert, default 0.5)\n  \
heap_memory, heap, blink.resource.allocation.operator.default.heap.mb\n      \
heap per node (Blink, default 256 MB) or per slot (expert, default 1 gb): MB as a bare number \
(4096), or a Flink memory size (4gb, \"4 gb\", 4096m)\n  \
parallelism, blink.operator.parallelism\n      \
parallelism where the graph has none (default 1)\n\n\
Like the console's \"acquire configuration\": ids and uids from the stream node ids, pact from the \
graph's shape, names without the Source:/Sink: prefix, sources HEAD, max parallelism from the graph \
or, where it has none (an execution plan), the one Flink gives a job without pipeline.max-parallelism \
(1.5 x parallelism rounded up to a power of two, 128 to 32768). Heuristics that need runtime facts (partition counts, state backend) are not applied.")]
pub(crate) struct InitArgs {
    /// The job's stream graph (execution plan or REST stream graph)
    #[arg(long, value_name = "GRAPH")]
    pub graph: String,
    /// Read --graph as this format instead of detecting it
    #[arg(long, value_enum, default_value_t = GraphFormatArg::Auto)]
    pub graph_format: GraphFormatArg,
    /// Plan format to write
    #[arg(long, value_enum, default_value_t = PlanFormatArg::Blink)]
    pub plan_format: PlanFormatArg,
    /// Set a default (see below); repeatable
    #[arg(short = 'D', long = "define", value_name = "KEY=VALUE")]
    pub defines: Vec<String>,
    /// Write the plan to FILE (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
}

fn settings(defines: &[String]) -> Result<InitSettings, UsageError> {
    let mut s = InitSettings::default();
    for d in defines {
        let (k, v) = d
            .split_once('=')
            .ok_or_else(|| UsageError(format!("-D {d}: expected KEY=VALUE")))?;
        let (k, v) = (k.trim(), v.trim());
        let num = |what: &str| -> Result<f64, UsageError> {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x > 0.0)
                .ok_or_else(|| UsageError(format!("-D {k}={v}: {what} must be a positive number")))
        };
        let int = |what: &str| -> Result<i64, UsageError> {
            v.parse::<i64>()
                .ok()
                .filter(|x| *x > 0)
                .ok_or_else(|| UsageError(format!("-D {k}={v}: {what} must be a positive integer")))
        };
        match k {
            "vcore" | "cpu" | "blink.resource.allocation.operator.default.cpu.cores" => {
                s.cpu = Some(num("CPU")?)
            }
            "heap_memory" | "heap" | "blink.resource.allocation.operator.default.heap.mb" => {
                s.heap_memory_mb = Some(heap_mb(k, v)?)
            }
            "parallelism" | "blink.operator.parallelism" => {
                s.default_parallelism = int("parallelism")?
            }
            _ => eprintln!("warning: -D {k}: unknown key, ignored"),
        }
    }
    Ok(s)
}

/// A heap size in MB: a bare number is MB (the Blink key says so), anything with a unit is read
/// as Flink reads a `MemorySize` ("4gb", "4 gb", "4096m"); it must come to a whole number of MB,
/// the unit both plan formats record.
fn heap_mb(k: &str, v: &str) -> Result<i64, UsageError> {
    let bad = |why: String| UsageError(format!("-D {k}={v}: {why}"));
    let mb = match v.parse::<i64>() {
        Ok(n) => n as f64,
        Err(_) => planscale::units::bytes_to_mb(planscale::units::parse_memory(v).map_err(bad)?),
    };
    if !(mb >= 1.0 && mb.fract() == 0.0 && mb <= i64::MAX as f64) {
        return Err(bad(
            "heap memory must be a positive whole number of MB (e.g. 4096, 4gb, \"512 mb\")".into(),
        ));
    }
    Ok(mb as i64)
}

pub(crate) fn run(a: InitArgs) -> anyhow::Result<u8> {
    if let Some(out) = a.output.as_deref() {
        refuse_same_files(&[Named::input("--graph", &a.graph), Named::output("-o", out)])?;
    }
    let s = settings(&a.defines)?;
    let text = read_document(&a.graph)?;
    let g = graph::read(&a.graph, &text, a.graph_format.forced())?;
    if g.job.operators.is_empty() {
        return Err(InputError::new(&a.graph, "the graph has no nodes").into());
    }
    let out_path = std::path::Path::new(a.output.as_deref().unwrap_or("-"));
    if a.plan_format == PlanFormatArg::Expert {
        let w = planscale::plan::expert::write_init(&g.job, &s);
        if w.placeholder_vertex_ids {
            eprintln!(
                "warning: {}: the graph does not name its job vertices, so the `vertices` keys are \
                 placeholders, not Flink's JobVertexIDs (give the REST job details as --graph for real ids)",
                a.graph
            );
        }
        return write_plan(out_path, &a.graph, &w.text);
    }
    if g.format == Format::JobPlan {
        return Err(InputError::new(
            &a.graph,
            "a REST job plan lists job vertices, not the stream nodes a Blink plan is keyed by",
        )
        .hint("give the execution plan (StreamExecutionEnvironment#getExecutionPlan) or job details with a stream-graph")
        .into());
    }
    if let Some(op) = g
        .job
        .operators
        .iter()
        .find(|o| o.id.parse::<i64>().is_err())
    {
        return Err(InputError::at(
            &a.graph,
            op.pos,
            format!("node id {:?} is not an integer stream node id", op.id),
        )
        .into());
    }
    write_plan(out_path, &a.graph, &blink::write_init(&g.job, &s))
}

/// Never a plan planscale would refuse to read back: above the document limit, nothing is
/// written (a dense graph's edges can make a plan larger than the graph).
fn write_plan(out: &std::path::Path, graph: &str, text: &str) -> anyhow::Result<u8> {
    let limit = planscale::io::MAX_DOCUMENT_BYTES;
    if text.len() as u64 > limit {
        return Err(InputError::new(
            graph,
            format!(
                "the plan of this graph would be {} MiB, more than the {} MiB planscale reads back; nothing was written",
                text.len() / (1024 * 1024),
                limit / (1024 * 1024)
            ),
        )
        .into());
    }
    write_atomic(out, text.as_bytes())?;
    Ok(0)
}
