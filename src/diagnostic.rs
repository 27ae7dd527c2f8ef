//! Diagnostics: what a rule found, where, and how bad it is.
//!
//! Rule names are part of the stable CLI contract (spec/cli.md); the `Rule` enum is the one place
//! they are spelled, together with the short description and help text that SARIF and `--help`
//! show. Readers may emit diagnostics for problems they meet while building the model (a node
//! without an id); everything else comes from `rules/`.

use crate::model::Pos;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The console's own words for a rejected plan; users search for this text.
pub const RESOURCE_VALIDATE_FAILED: &str =
    "resource validate failed！please modify your planJson or max CU and try again.";

macro_rules! rules {
    ($($variant:ident => $name:literal, $sev:ident, $short:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($variant),* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// The stable rule id used in every output format.
            pub fn name(self) -> &'static str {
                match self { $(Rule::$variant => $name),* }
            }

            /// Default severity; a few rules also emit warnings for softer cases.
            pub fn default_severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$sev),* }
            }

            /// One-line description (SARIF `shortDescription`).
            pub fn description(self) -> &'static str {
                match self { $(Rule::$variant => $short),* }
            }
        }
    };
}

rules! {
    NodeMissing => "node-missing", Error,
        "A plan node's id is not in the job graph (\"node does not exist\").";
    NodeUnplanned => "node-unplanned", Error,
        "A job-graph node has no entry in the plan.";
    NodeMismatch => "node-mismatch", Error,
        "Same id, but the operator differs in name or source/sink role (\"node mismatch\").";
    EdgeMissing => "edge-missing", Error,
        "A plan link has no counterpart in the job graph, or a graph edge is absent from the plan.";
    EdgeMismatch => "edge-mismatch", Warning,
        "The edge exists but its ship strategy differs.";
    ChainMismatch => "chain-mismatch", Error,
        "The plan's chaining differs from what the job graph allows (resource validate failed).";
    ResourceOverBudget => "resource-over-budget", Error,
        "The plan's total CU, CPU or memory exceeds --max-cu (resource validate failed).";
    ParallelismInvalid => "parallelism-invalid", Error,
        "Parallelism below 1 or above maxParallelism, or maxParallelism outside 1..=32768.";
    ResourceInvalid => "resource-invalid", Error,
        "CPU <= 0, negative or unparsable memory, or a non-finite number.";
    PlanStructure => "plan-structure", Error,
        "Duplicate node ids, a link to an unknown node, a cycle, an empty plan or an unknown key.";
    ParallelismMismatch => "parallelism-mismatch", Warning,
        "The plan's parallelism or max parallelism differs from what the job graph fixes.";
    ChainHeavySource => "chain-heavy-source", Warning,
        "A source vertex has many operators chained to it; consider `plan break-chain`.";
}

impl Rule {
    /// Longer help (SARIF `help.text`): what to do about it.
    pub fn help(self) -> &'static str {
        match self {
            Rule::NodeMissing | Rule::NodeUnplanned | Rule::NodeMismatch | Rule::EdgeMissing => {
                "The job changed since the plan was acquired (SQL edited or engine upgraded). \
                 Re-acquire the configuration (`planscale plan init --graph GRAPH`) and publish \
                 with manually configured resources."
            }
            Rule::EdgeMismatch => {
                "Only FORWARD, RESCALE and REBALANCE from the plan are applied to the job; any \
                 other difference means the plan is stale. Re-acquire it."
            }
            Rule::ChainMismatch => {
                "Give chained operators equal parallelism and slot-sharing group, or record a \
                 deliberate cut with \"chainingStrategy\" : \"HEAD\" (`planscale plan break-chain`)."
            }
            Rule::ResourceOverBudget => {
                "Lower parallelism or per-operator resources, or raise the max CU. 1 CU = 1 core + \
                 4 GiB; a chain costs parallelism x max(max core, sum of memory / 4096 MB)."
            }
            Rule::ParallelismInvalid => "Use 1 <= parallelism <= maxParallelism <= 32768.",
            Rule::ResourceInvalid => {
                "CPU (`vcore`) must be a positive number of cores and memory a non-negative \
                 number of MB."
            }
            Rule::PlanStructure => {
                "Node ids must be unique, links must join existing nodes without cycles, and the \
                 plan needs at least one node."
            }
            Rule::ParallelismMismatch => {
                "The graph pins this value (max parallelism, or a non-parallel operator); changing \
                 max parallelism also breaks state restore."
            }
            Rule::ChainHeavySource => {
                "Autoscaling cannot scale a source chain's operators independently. Cut the chain \
                 after the source: `planscale plan break-chain PLAN --after-sources`."
            }
        }
    }

    /// Whether the console reports this finding as `resource validate failed`.
    pub fn resource_validate_failed(self) -> bool {
        matches!(self, Rule::ChainMismatch | Rule::ResourceOverBudget)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub rule: Rule,
    pub severity: Severity,
    pub message: String,
    /// Node id the finding is about, if any.
    pub node: Option<String>,
    /// Edge the finding is about, as `source->target`.
    pub edge: Option<String>,
    pub pos: Pos,
}

impl Diagnostic {
    pub fn new(rule: Rule, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: rule.default_severity(),
            message: message.into(),
            node: None,
            edge: None,
            pos,
        }
    }

    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    pub fn node(mut self, id: &str) -> Self {
        self.node = Some(id.to_string());
        self
    }

    pub fn edge(mut self, source: &str, target: &str) -> Self {
        self.edge = Some(format!("{source}->{target}"));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_unique_and_kebab_case() {
        let mut names: Vec<_> = Rule::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(names.len(), 12);
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 12);
        assert!(names
            .iter()
            .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
    }
}
