//! The command line: clap definitions and dispatch. Each subcommand's file only translates between
//! flags and the core; nothing here computes a finding.

pub(crate) mod batch;
pub(crate) mod break_chain;
pub(crate) mod completions;
pub(crate) mod config;
pub(crate) mod diff;
pub(crate) mod fetch;
pub(crate) mod init;
pub(crate) mod job;
pub(crate) mod live;
pub(crate) mod recommend;
pub(crate) mod replay;
pub(crate) mod scaling;
pub(crate) mod show;
pub(crate) mod simulate;
pub(crate) mod tune;
pub(crate) mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use planscale::format::Format;

/// Validate, edit and tune Apache Flink resource plans offline, from files.
#[derive(Debug, Parser)]
#[command(name = "planscale", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Work with resource plans (Blink PlanJSON, expert resourcePlan)
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Check Flink configurations, FlinkDeployments and Helm values (autoscaler, parallelism)
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Per-vertex parallelism from recorded metrics, as the Flink autoscaler would decide (`recommend
    /// batch`: as the Adaptive Batch Scheduler would size a batch job)
    Recommend(Box<recommend::RecommendArgs>),
    /// Replay recorded traffic through scaling policies
    Simulate(Box<simulate::SimulateArgs>),
    /// Search autoscaler settings and a daily schedule that cost least on a recording's traffic
    Tune(Box<tune::TuneArgs>),
    /// Record metrics and the job plan from a running Flink cluster
    Record(live::RecordArgs),
    /// Read a job's metrics from Prometheus (or Thanos, Mimir, VictoriaMetrics) into a metric CSV
    Fetch(Box<fetch::FetchArgs>),
    /// Apply parallelism to a running job (adaptive scheduler)
    Apply(live::ApplyArgs),
    /// Print a shell completion script
    Completions(completions::CompletionsArgs),
    /// Print the roff man page
    Man(completions::ManArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum PlanCommand {
    /// Check plans against the job graph and a CU budget
    Validate(validate::ValidateArgs),
    /// Write the plan "acquire configuration" would write for a job graph
    Init(init::InitArgs),
    /// Make nodes start a new chain, editing only the bytes that record the cut
    BreakChain(break_chain::BreakChainArgs),
    /// Show a plan's vertices (chains), their resources and CU
    Show(show::ShowArgs),
    /// What changed between two versions of a plan
    Diff(diff::DiffArgs),
}

/// A CU bound (`--max-cu`, `--min-cu`): a finite number above 0. Negative numbers reach the
/// parser (`allow_negative_numbers`) so that `-3` is named as a bad value, not as a flag.
pub(crate) fn cu_bound(s: &str) -> Result<f64, String> {
    match planscale::value::parse_double(s) {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        Ok(_) => Err("a CU bound is a number above 0".to_string()),
        Err(m) => Err(m),
    }
}

/// `--plan-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PlanFormatArg {
    Auto,
    Blink,
    Expert,
}

impl PlanFormatArg {
    pub(crate) fn forced(self) -> Option<Format> {
        match self {
            PlanFormatArg::Auto => None,
            PlanFormatArg::Blink => Some(Format::Blink),
            PlanFormatArg::Expert => Some(Format::Expert),
        }
    }
}

/// `--graph-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum GraphFormatArg {
    Auto,
    StreamGraph,
    JobPlan,
}

impl GraphFormatArg {
    pub(crate) fn forced(self) -> Option<Format> {
        match self {
            GraphFormatArg::Auto => None,
            GraphFormatArg::StreamGraph => Some(Format::StreamGraph),
            GraphFormatArg::JobPlan => Some(Format::JobPlan),
        }
    }
}

/// Output of commands that print results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    Text,
    Json,
}

/// The clap command, for completions, man pages and their staleness test.
pub(crate) fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Parses the arguments, runs the command and maps the outcome to the exit code contract:
/// 0 clean, 1 findings, 2 unusable input or command line.
pub(crate) fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if let Err(e) = planscale::signals::install() {
        eprintln!(
            "warning: cannot catch Ctrl-C ({e}); an interrupted command may leave a temporary file"
        );
    }
    let result = match cli.command {
        Command::Plan(PlanCommand::Validate(a)) => validate::run(a),
        Command::Plan(PlanCommand::Init(a)) => init::run(a),
        Command::Plan(PlanCommand::BreakChain(a)) => break_chain::run(a),
        Command::Plan(PlanCommand::Show(a)) => show::run(a),
        Command::Plan(PlanCommand::Diff(a)) => diff::run(a),
        Command::Config(c) => config::run(c),
        Command::Recommend(a) => recommend::run(*a),
        Command::Simulate(a) => simulate::run(*a),
        Command::Tune(a) => tune::run(*a),
        Command::Record(a) => live::run_record(a),
        Command::Fetch(a) => fetch::run(*a),
        Command::Apply(a) => live::run_apply(a),
        Command::Completions(a) => completions::run_completions(a),
        Command::Man(a) => completions::run_man(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader of our output went away (`planscale plan show ... | head`): stop quietly, as
        // ripgrep does. Rust ignores SIGPIPE, so a closed pipe arrives here as an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            report_error(&e);
            ExitCode::from(2)
        }
    }
}

/// Whether an `io::ErrorKind::BrokenPipe` is anywhere in the error's chain.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints an error as one `error:` line (plus hints); input errors carry `file:line:col`.
pub(crate) fn report_error(e: &anyhow::Error) {
    if let Some(ie) = e.downcast_ref::<planscale::error::InputError>() {
        eprintln!("error: {ie}");
        for h in &ie.hints {
            eprintln!("  hint: {h}");
        }
    } else {
        eprintln!("error: {e:#}");
    }
}

#[cfg(test)]
mod tests {
    /// Every flag and argument of every command says what it is for (`--help`, the man pages and
    /// the completions are generated from the same text).
    #[test]
    fn every_flag_has_help_text() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                let has = arg
                    .get_help()
                    .or(arg.get_long_help())
                    .is_some_and(|h| !h.to_string().trim().is_empty());
                if !has {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::command(), "planscale", &mut missing);
        assert!(
            missing.is_empty(),
            "flags without help text:\n{}",
            missing.join("\n")
        );
    }
}
