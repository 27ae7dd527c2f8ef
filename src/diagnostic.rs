//! Diagnostics: what a rule found, where, and how bad it is.
//!
//! Rule names are part of the stable CLI contract (spec/cli.md); the `Rule` enum is the one place
//! they are spelled, together with the short description and help text that SARIF and `--help`
//! show. Rules come in families, one per command that checks them (`plan validate`, `config
//! validate`), so each command's SARIF log lists only its own. Readers may emit diagnostics for
//! problems they meet while building the model (a node without an id); everything else comes from
//! `rules/` (plans) and `lint/` (configurations).

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
    ($($family:ident { $($variant:ident => $name:literal, $sev:ident, $short:literal;)* })*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($($variant,)*)* }

        /// Which command's checks a rule belongs to: each command's SARIF log lists its family's
        /// rules only, in table order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Family { $($family,)* }

        impl Family {
            /// The family's rules, in table order.
            pub fn rules(self) -> &'static [Rule] {
                match self { $(Family::$family => &[$(Rule::$variant,)*],)* }
            }
        }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$($(Rule::$variant,)*)*];

            /// The stable rule id used in every output format.
            pub fn name(self) -> &'static str {
                match self { $($(Rule::$variant => $name,)*)* }
            }

            /// Default severity; a few rules also emit warnings for softer cases.
            pub fn default_severity(self) -> Severity {
                match self { $($(Rule::$variant => Severity::$sev,)*)* }
            }

            /// One-line description (SARIF `shortDescription`).
            pub fn description(self) -> &'static str {
                match self { $($(Rule::$variant => $short,)*)* }
            }

            pub fn family(self) -> Family {
                match self { $($(Rule::$variant => Family::$family,)*)* }
            }
        }
    };
}

rules! {
    // `plan validate`.
    Plan {
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
    // `config validate`: autoscaler and parallelism settings of Flink configurations,
    // FlinkDeployment / FlinkSessionJob resources and the operator's Helm values.
    Config {
        UnknownOption => "unknown-option", Warning,
            "A key under job.autoscaler. (or kubernetes.operator.job.autoscaler.) that the chosen autoscaler release does not know, or an autoscaler option written without its prefix; Flink ignores it.";
        DeprecatedOption => "deprecated-option", Warning,
            "A deprecated or renamed autoscaler key, or an autoscaler option under the legacy kubernetes.operator. prefix.";
        DuplicateOption => "duplicate-option", Warning,
            "One option given twice, under the same key or under two spellings of it; the message names the one Flink reads.";
        InvalidValue => "invalid-value", Error,
            "A value that does not parse as Flink parses it (duration, number, boolean, enum, map).";
        ValueOutOfRange => "value-out-of-range", Error,
            "A value that parses but lies outside what the operator's validator or the autoscaler allows.";
        InconsistentOptions => "inconsistent-options", Error,
            "Options that contradict each other: utilization.min <= utilization.target <= utilization.max, vertex.min-parallelism <= vertex.max-parallelism.";
        WindowBelowReconcileInterval => "window-below-reconcile-interval", Error,
            "job.autoscaler.metrics.window is shorter than kubernetes.operator.reconcile.interval: fewer than two metric samples are kept and the autoscaler never scales.";
        RescaleNotInPlace => "rescale-not-in-place", Warning,
            "Scaling is on but the operator cannot rescale the job in place (adaptive scheduler, Flink 1.18+): every rescale is a full upgrade that restarts the job.";
        FlinkVersionUnsupported => "flink-version-unsupported", Error,
            "spec.flinkVersion is unknown, no longer supported by the operator, or older than the autoscaler needs.";
        AutoscalerNoEffect => "autoscaler-no-effect", Warning,
            "Autoscaler settings the operator ignores where they are written: on a session cluster, memory tuning without TaskManager memory or of a FlinkSessionJob, a quota without TaskManager resources.";
        ParallelismAboveMax => "parallelism-above-max", Error,
            "A parallelism (spec.job.parallelism, parallelism.default, a parallelism override) above the max parallelism: Flink refuses to run such a vertex.";
        UnknownVertex => "unknown-vertex", Warning,
            "With --graph: a parallelism override or an excluded vertex id that names no vertex of the job; Flink ignores it.";
        QuotaBelowUsage => "quota-below-usage", Warning,
            "With --graph: job.autoscaler.quota.cpu or quota.memory is below what the job uses now, so every scale-up that needs another TaskManager is refused.";
    }
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
            Rule::UnknownOption => {
                "Fix the spelling (the message suggests the closest key), or check that the key \
                 exists in the autoscaler release chosen with --flink-autoscaler-version. Flink \
                 ignores keys it does not know, so the setting silently has no effect."
            }
            Rule::DeprecatedOption => {
                "Write the current key: deprecated keys and the kubernetes.operator. prefix are \
                 read only when the current key is absent, and may go away."
            }
            Rule::DuplicateOption => {
                "Keep one of them. Flink reads the current key first, then the legacy \
                 kubernetes.operator. spelling, then deprecated keys; of two equal keys the last \
                 one wins where the reader accepts duplicates at all."
            }
            Rule::InvalidValue => {
                "Write the value as Flink reads it: durations are a whole number with a unit \
                 (30 s, 5 min; no unit means milliseconds), booleans true or false, integers \
                 without a fraction, maps as key:value,key:value."
            }
            Rule::ValueOutOfRange => {
                "Use a value inside the allowed range the message names; the operator refuses \
                 the resource (or the autoscaler misbehaves) otherwise."
            }
            Rule::InconsistentOptions => {
                "Keep utilization.min <= utilization.target <= utilization.max and \
                 vertex.min-parallelism <= vertex.max-parallelism."
            }
            Rule::WindowBelowReconcileInterval => {
                "The autoscaler takes one metric sample per reconcile loop and needs two inside \
                 the window: make job.autoscaler.metrics.window at least \
                 kubernetes.operator.reconcile.interval (the operator refuses the resource from \
                 1.16 on)."
            }
            Rule::RescaleNotInPlace => {
                "For in-place rescaling set jobmanager.scheduler: adaptive and flinkVersion v1_18 \
                 or later (and keep kubernetes.operator.job.upgrade.inplace-scaling.enabled \
                 true); otherwise each rescale suspends and redeploys the job."
            }
            Rule::FlinkVersionUnsupported => {
                "Use a flinkVersion the operator supports (v1_15 and later; the autoscaler needs \
                 job vertex parallelism overrides, in Flink 1.17 and later)."
            }
            Rule::AutoscalerNoEffect => {
                "Move the setting where the operator reads it: the autoscaler runs for jobs \
                 (FlinkDeployment with spec.job, FlinkSessionJob), memory tuning changes \
                 spec.taskManager of a FlinkDeployment, quotas need the TaskManager's CPU or \
                 memory."
            }
            Rule::ParallelismAboveMax => {
                "Lower the parallelism or raise the max parallelism (pipeline.max-parallelism, \
                 or the operator's own). Changing max parallelism breaks restoring keyed state."
            }
            Rule::UnknownVertex => {
                "Vertex ids are the job's JobVertexIDs (32 hex digits, GET /jobs/:id lists \
                 them); they change when the job graph changes. Remove stale entries."
            }
            Rule::QuotaBelowUsage => {
                "Raise the quota above what the job uses (TaskManagers x their CPU or memory), \
                 or the autoscaler can only scale down."
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
    /// The configuration key the finding is about (`config validate`).
    pub key: Option<String>,
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
            key: None,
            pos,
        }
    }

    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    pub fn error(mut self) -> Self {
        self.severity = Severity::Error;
        self
    }

    pub fn key(mut self, key: &str) -> Self {
        self.key = Some(key.to_string());
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
        assert_eq!(names.len(), 25);
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 25);
        assert!(names
            .iter()
            .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
    }

    #[test]
    fn families_partition_the_table_in_order() {
        let plan = Family::Plan.rules();
        let config = Family::Config.rules();
        assert_eq!(
            plan.len(),
            12,
            "plan validate's SARIF rule list is unchanged"
        );
        assert_eq!(plan.len() + config.len(), Rule::ALL.len());
        assert_eq!([plan, config].concat(), Rule::ALL);
        assert!(plan.iter().all(|r| r.family() == Family::Plan));
        assert!(config.iter().all(|r| r.family() == Family::Config));
        assert!(Rule::ALL.iter().all(|r| !r.help().is_empty()));
    }
}
