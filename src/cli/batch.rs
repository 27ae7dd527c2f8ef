//! `planscale recommend batch`: flags to a `batch::Request`, the outcome to a renderer.

use std::path::Path;

use clap::{Args, ValueEnum};

use crate::cli::scaling::{print_warnings, SettingsArgs};
use planscale::batch::{self, options};
use planscale::error::{InputError, UsageError};
use planscale::io::{refuse_same_files, write_atomic, Named};
use planscale::render::batch as render;
use planscale::settings::SettingError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BatchFormat {
    Text,
    Json,
    /// pipeline.jobvertex-parallelism-overrides for the decided vertices
    Overrides,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Replays the decision of Flink 2.3's Adaptive Batch Scheduler (the default scheduler of \
batch jobs) for every vertex, producers first: sources get the default source parallelism; other \
vertices ceil(consumed bytes / avg-data-volume-per-task) within the min/max parallelism, then the \
packing of their subpartitions into tasks of at most that volume, as \
DefaultVertexParallelismAndInputInfosDecider does. Broadcast inputs do not count; a FORWARD input \
ties a vertex to its producer. Options are the execution.batch.adaptive.auto-parallelism.* keys (and \
parallelism.default) from --config and -D. Subpartitions are taken as evenly sized (the REST \
details do not have their bytes). A vertex whose inputs lack byte counters is reported undecided, \
never guessed. See docs/batch.md."
)]
pub(crate) struct BatchArgs {
    /// The finished job's REST job details (GET /jobs/:id); - reads stdin
    #[arg(value_name = "JOB_DETAILS")]
    pub details: String,
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// What if the input grows by F: every consumed byte is multiplied by F (e.g. 1.5, 10, 0.5)
    #[arg(long, value_name = "F")]
    pub scale_volume: Option<String>,
    /// Decide again for each of these avg-data-volume-per-task values (e.g. 16mb,64mb,256mb)
    #[arg(long, value_name = "SIZES")]
    pub sweep_avg_data_volume: Option<String>,
    /// What to print
    #[arg(long, value_enum, default_value_t = BatchFormat::Text)]
    pub format: BatchFormat,
    /// Write the result to FILE (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// `--scale-volume`: a finite number above 0, in Java's `Double` grammar.
fn scale(a: &BatchArgs) -> anyhow::Result<f64> {
    let Some(text) = &a.scale_volume else {
        return Ok(1.0);
    };
    match planscale::value::parse_double(text) {
        Ok(f) if f.is_finite() && f > 0.0 && f <= 1e9 => Ok(f),
        Ok(_) => Err(usage(format!(
            "--scale-volume {text}: allowed: a number above 0 (at most 1e9)"
        ))),
        Err(m) => Err(usage(format!("--scale-volume {text}: {m}"))),
    }
}

/// `--sweep-avg-data-volume`: memory sizes in Flink's grammar, each at least 1 b.
fn sweep_volumes(a: &BatchArgs) -> anyhow::Result<Option<Vec<u64>>> {
    let Some(text) = &a.sweep_avg_data_volume else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim) {
        match planscale::value::parse_memory_size(part) {
            Ok(0) => {
                return Err(usage(format!(
                    "--sweep-avg-data-volume {part}: allowed: 1 b or more"
                )))
            }
            Ok(b) => out.push(b),
            Err(m) => return Err(usage(format!("--sweep-avg-data-volume: {m}"))),
        }
    }
    if out.len() > 64 {
        return Err(usage("--sweep-avg-data-volume: at most 64 sizes"));
    }
    Ok(Some(out))
}

/// The options: the file's, then -D's; warnings for keys it does not read.
fn options(a: &BatchArgs) -> anyhow::Result<options::ResolvedBatch> {
    let (mut all, _doc, defines) = a.settings.load()?;
    all.extend(defines);
    if all.is_empty() {
        eprintln!(
            "warning: no --config or -D: deciding with Flink's defaults; the REST details do not \
             carry the options the job ran with (give its config.yaml with --config)"
        );
    }
    print_warnings(&options::warnings(&all));
    options::resolve(&all).map_err(SettingError::into_error)
}

pub(crate) fn run(a: BatchArgs) -> anyhow::Result<u8> {
    if let Some(out) = a.output.as_deref() {
        let mut files = vec![Named::input("JOB_DETAILS", &a.details)];
        files.extend(a.settings.inputs());
        files.push(Named::output("-o", out));
        refuse_same_files(&files)?;
    }
    let scale_volume = scale(&a)?;
    let volumes = sweep_volumes(&a)?;
    if volumes.is_some() && a.format == BatchFormat::Overrides {
        return Err(usage(
            "--sweep-avg-data-volume gives several answers; --format overrides writes one",
        ));
    }
    let resolved = options(&a)?;
    let text = planscale::io::read_document(&a.details)?;
    let job = batch::job::read(&a.details, &text)?;
    let request = batch::Request {
        opts: resolved.opts.clone(),
        scale_volume,
    };
    let cycle = |e: batch::CycleError| match job.vertex(&e.0) {
        Some(v) => InputError::at(&a.details, v.pos, e.to_string()),
        None => InputError::new(&a.details, e.to_string()),
    };
    let outcome = batch::decide(&job, &request).map_err(cycle)?;
    for w in &outcome.warnings {
        eprintln!("warning: {}", render::warning_text(&outcome, w));
    }
    let rows = match &volumes {
        Some(v) => Some(batch::sweep(&job, &request, v).map_err(cycle)?),
        None => None,
    };
    let out = match a.format {
        BatchFormat::Text => {
            let mut s = render::text(&outcome, &resolved.in_effect);
            if let Some(rows) = &rows {
                s.push('\n');
                s.push_str(&render::sweep_text(&outcome, rows));
            }
            s
        }
        BatchFormat::Json => render::json(&outcome, &resolved.in_effect, rows.as_deref()),
        BatchFormat::Overrides => {
            for v in &outcome.vertices {
                if v.decision.parallelism().is_none() {
                    eprintln!(
                        "warning: {} is left out: {}",
                        v.id,
                        render::reason_text(&outcome, v)
                    );
                }
            }
            render::overrides(&outcome)
        }
    };
    write_atomic(
        Path::new(a.output.as_deref().unwrap_or("-")),
        out.as_bytes(),
    )?;
    Ok(0)
}
