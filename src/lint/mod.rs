//! `config validate`: the autoscaler and parallelism settings of Flink configurations
//! (`config.yaml`, `flink-conf.yaml`), FlinkDeployment and FlinkSessionJob resources and the
//! operator's Helm values, checked the way the Flink Kubernetes operator reads them. Each rule
//! says in its module which upstream code it follows (apache/flink-kubernetes-operator at
//! release-1.15.0 and main 6e9caeb4, which 1.16.0 was cut from; Flink itself where the value
//! reaches Flink).
//!
//! Every document is checked on its own, with the settings it would run with: its own, and for a
//! FlinkSessionJob those of its session cluster when that FlinkDeployment is in the same file
//! (the operator merges them, `DefaultValidator.validateSessionJobWithCluster`). Findings point at
//! the key or value in the file; a finding about what a document lacks points at the document.
//!
//! The families of checks: [`keys`] (unknown, deprecated and repeated keys), [`values`] (Flink's
//! value grammar, ranges, groups), [`combos`] (settings that cannot work together), [`graph`]
//! (against the job's graph, `--graph`).

mod combos;
mod graph;
mod keys;
mod values;

use crate::diagnostic::{Diagnostic, Rule, Severity};
use crate::error::InputError;
use crate::graph::Graph;
use crate::model::Pos;
use crate::scaler::options::{self, AutoscalerOptions, Version};
use crate::settings::file::{self, ConfigDoc, ConfigKind, Documents, Resource};

/// What to check against.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The operator release whose autoscaler options and validator apply.
    pub version: Version,
    /// `--graph`: the job the documents configure.
    pub graph: Option<&'a Graph>,
}

/// Whether a document turns the autoscaler on, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoscalerSwitch {
    /// `job.autoscaler.enabled: true`.
    Enabled,
    /// `job.autoscaler.enabled: false`.
    Disabled,
    /// Not set here (the operator's defaults decide).
    Unset,
}

impl AutoscalerSwitch {
    pub fn name(self) -> &'static str {
        match self {
            AutoscalerSwitch::Enabled => "enabled",
            AutoscalerSwitch::Disabled => "disabled",
            AutoscalerSwitch::Unset => "unset",
        }
    }
}

/// The findings of one document.
#[derive(Debug, Clone)]
pub struct DocLint {
    /// ``FlinkDeployment `web` (line 3)``.
    pub label: String,
    pub kind: ConfigKind,
    pub start: Pos,
    pub autoscaler: AutoscalerSwitch,
    /// Sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

/// The findings of one file.
#[derive(Debug, Clone)]
pub struct FileLint {
    pub documents: Vec<DocLint>,
    /// What the readers and checks want the user to know that is no finding: skipped documents,
    /// a Helm chart that ignores its values, a check that needs what the graph lacks.
    pub notes: Vec<String>,
}

impl FileLint {
    pub fn count(&self, severity: Severity) -> usize {
        self.documents
            .iter()
            .flat_map(|d| &d.diagnostics)
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// Reads a configuration file's text and checks every document in it. A file with no Flink
/// options at all (only a ConfigMap, say) is an error: a misspelt `kind` would pass otherwise.
pub fn check_text(file: &str, text: &str, req: &Request<'_>) -> Result<FileLint, InputError> {
    let every = file::read_documents(file, text)?;
    if every.docs.is_empty() {
        let skipped = if every.skipped.is_empty() {
            String::new()
        } else {
            format!(" (skipped {})", every.skipped.join(", "))
        };
        return Err(
            InputError::new(file, format!("no Flink options found{skipped}")).hint(
                "pass a config.yaml, flink-conf.yaml, FlinkDeployment, FlinkSessionJob or the \
             operator's Helm values",
            ),
        );
    }
    Ok(check(&every, req))
}

/// Checks the documents of one file.
pub fn check(every: &Documents, req: &Request<'_>) -> FileLint {
    let mut notes: Vec<String> = every
        .skipped
        .iter()
        .map(|s| format!("skipped {s}: no Flink options"))
        .collect();
    let mut documents = Vec::new();
    for doc in &every.docs {
        let cluster = session_cluster(doc, &every.docs);
        let mut ctx = Ctx::new(doc, cluster, req);
        keys::check(&mut ctx);
        values::check(&mut ctx);
        combos::check(&mut ctx);
        if let Some(g) = req.graph {
            graph::check(&mut ctx, g);
        }
        let mut diagnostics = std::mem::take(&mut ctx.out);
        diagnostics.sort_by(|a, b| (a.pos, a.rule, &a.message).cmp(&(b.pos, b.rule, &b.message)));
        diagnostics.dedup();
        notes.extend(doc.notes.iter().map(|n| format!("{}: {n}", doc.label())));
        notes.extend(ctx.notes.iter().map(|n| format!("{}: {n}", doc.label())));
        documents.push(DocLint {
            label: doc.label(),
            kind: doc.kind,
            start: doc.start,
            autoscaler: ctx.switch,
            diagnostics,
        });
    }
    FileLint { documents, notes }
}

/// The session cluster of a FlinkSessionJob: the FlinkDeployment of the same file that its
/// `spec.deploymentName` names (same namespace where both say one).
fn session_cluster<'a>(doc: &ConfigDoc, docs: &'a [ConfigDoc]) -> Option<&'a ConfigDoc> {
    let r = doc.resource.as_ref()?;
    if doc.kind != ConfigKind::FlinkSessionJob {
        return None;
    }
    let name = r.field("deploymentName")?.value.as_str();
    docs.iter().find(|d| {
        d.kind == ConfigKind::FlinkDeployment
            && d.resource.as_ref().is_some_and(|c| {
                c.name.as_deref() == Some(name)
                    && (c.namespace.is_none()
                        || r.namespace.is_none()
                        || c.namespace == r.namespace)
            })
    })
}

/// One setting a document runs with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opt<'a> {
    /// Trimmed.
    pub key: &'a str,
    pub value: &'a str,
    pub key_pos: Pos,
    pub value_pos: Pos,
    /// Written in this document (not inherited from its session cluster).
    pub own: bool,
}

/// A document being checked.
pub(crate) struct Ctx<'a> {
    pub doc: &'a ConfigDoc,
    /// The session cluster of a FlinkSessionJob, when it is in the same file.
    pub cluster: Option<&'a ConfigDoc>,
    /// The cluster's settings first, then the document's, in file order (later wins for a key).
    pub opts: Vec<Opt<'a>>,
    pub version: Version,
    /// The autoscaler's options as the document runs them, each read with Flink's precedence of
    /// keys; values that do not parse keep their default (they are findings of their own).
    pub autoscaler: AutoscalerOptions,
    pub switch: AutoscalerSwitch,
    pub out: Vec<Diagnostic>,
    pub notes: Vec<String>,
}

impl<'a> Ctx<'a> {
    fn new(doc: &'a ConfigDoc, cluster: Option<&'a ConfigDoc>, req: &Request<'_>) -> Ctx<'a> {
        let opt = |e: &'a file::Entry, own: bool| Opt {
            key: e.key.trim(),
            value: e.value.as_str(),
            key_pos: e.key_pos,
            value_pos: e.value_pos,
            own,
        };
        let mut opts: Vec<Opt<'a>> = cluster
            .map(|c| c.entries.iter().map(|e| opt(e, false)).collect())
            .unwrap_or_default();
        opts.extend(doc.entries.iter().map(|e| opt(e, true)));
        let mut ctx = Ctx {
            doc,
            cluster,
            opts,
            version: req.version,
            autoscaler: AutoscalerOptions::defaults(req.version),
            switch: AutoscalerSwitch::Unset,
            out: Vec::new(),
            notes: Vec::new(),
        };
        let mut resolved = AutoscalerOptions::defaults(req.version);
        for def in options::OPTIONS {
            if let Some(o) = ctx.autoscaler_opt(def.key) {
                // A value that does not parse is an `invalid-value` finding; the option keeps
                // its default here so the other checks can go on.
                let _ = resolved.set(o.key, o.value);
            }
        }
        ctx.autoscaler = resolved;
        ctx.switch = match ctx.autoscaler_opt("enabled").map(|o| o.value.trim()) {
            Some(v) if v.eq_ignore_ascii_case("true") => AutoscalerSwitch::Enabled,
            Some(v) if v.eq_ignore_ascii_case("false") => AutoscalerSwitch::Disabled,
            _ => AutoscalerSwitch::Unset,
        };
        ctx
    }

    /// The setting Flink reads among `keys` (in its lookup order): the first key that is set,
    /// and of that key the last setting.
    pub(crate) fn lookup<S: AsRef<str>>(&self, keys: &[S]) -> Option<Opt<'a>> {
        keys.iter().find_map(|k| {
            self.opts
                .iter()
                .rev()
                .find(|o| o.key == k.as_ref())
                .copied()
        })
    }

    /// The setting that decides autoscaler option `short` (any spelling, Flink's precedence).
    pub(crate) fn autoscaler_opt(&self, short: &str) -> Option<Opt<'a>> {
        self.lookup(&options::lookup_order(short))
    }

    /// The document's own resource (FlinkDeployment, FlinkSessionJob).
    pub(crate) fn resource(&self) -> Option<&'a Resource> {
        self.doc.resource.as_ref()
    }

    /// The resource whose `spec` sizes the TaskManagers: the document's, or its session
    /// cluster's.
    pub(crate) fn cluster_resource(&self) -> Option<&'a Resource> {
        match self.doc.kind {
            ConfigKind::FlinkSessionJob => self.cluster.and_then(|c| c.resource.as_ref()),
            _ => self.resource(),
        }
    }

    /// Whether the document describes one job: a FlinkDeployment with `spec.job`, a
    /// FlinkSessionJob, or a plain Flink configuration (which may be a job's).
    pub(crate) fn is_job(&self) -> bool {
        match self.doc.kind {
            ConfigKind::FlinkDeployment => self.resource().is_some_and(|r| r.job.is_some()),
            ConfigKind::FlinkSessionJob => true,
            ConfigKind::FlinkConfig | ConfigKind::LegacyFlinkConf => true,
            ConfigKind::HelmValues => false,
        }
    }

    /// Whether the autoscaler runs with these settings as far as the document says: enabled
    /// here (or in the session cluster), or not switched off and configured here, which
    /// suggests the operator's defaults enable it. `None` when it is off or nothing says so.
    pub(crate) fn in_use(&self) -> Option<InUse> {
        match self.switch {
            AutoscalerSwitch::Enabled => Some(InUse::Enabled),
            AutoscalerSwitch::Disabled => None,
            AutoscalerSwitch::Unset => self
                .opts
                .iter()
                .any(|o| o.own && options::short_key(o.key).is_some())
                .then_some(InUse::Assumed),
        }
    }

    /// Where to point a finding about the document as a whole: its `job.autoscaler.enabled`
    /// when it has one, else a session job's `spec.deploymentName` (its settings come from
    /// there), else where it starts.
    pub(crate) fn anchor(&self) -> Pos {
        if let Some(o) = self.autoscaler_opt("enabled").filter(|o| o.own) {
            return o.key_pos;
        }
        self.resource()
            .filter(|_| self.doc.kind == ConfigKind::FlinkSessionJob)
            .and_then(|r| r.field("deploymentName"))
            .map_or(self.doc.start, |f| f.key_pos)
    }

    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }
}

/// How sure a check can be that the autoscaler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InUse {
    /// `job.autoscaler.enabled: true` here.
    Enabled,
    /// Autoscaler options set here, `enabled` nowhere: the operator's defaults may enable it.
    /// Findings the operator's validator would refuse are warnings then.
    Assumed,
}

/// `key = value` for messages, the value quoted and clipped.
pub(crate) fn kv(key: &str, value: &str) -> String {
    format!("{key} = {}", crate::value::short(value.trim()))
}

/// `key = value: why it does not parse`, without saying the value twice when the reason starts
/// with it (`` `yes` is not a boolean``).
pub(crate) fn unreadable(key: &str, value: &str, why: &str) -> String {
    let quoted = crate::value::short(value.trim());
    match why.strip_prefix(&quoted) {
        Some(rest) => format!("{key} = {quoted}{rest}"),
        None => format!("{}: {why}", kv(key, value)),
    }
}

/// What to add when a value read from `flink-conf.yaml` lines fails to parse because of its
/// quotes: Flink 1.x's reader keeps them.
pub(crate) fn legacy_quotes(kind: ConfigKind, value: &str) -> &'static str {
    let v = value.trim();
    let quoted = v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')));
    if kind == ConfigKind::LegacyFlinkConf && quoted {
        " (flink-conf.yaml is read line by line: the quotes are part of the value)"
    } else {
        ""
    }
}

/// A diagnostic about a setting: at its key, naming the key.
pub(crate) fn at_key(rule: Rule, o: &Opt<'_>, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(rule, o.key_pos, message).key(o.key)
}

/// A diagnostic about a setting's value: at the value, naming the key.
pub(crate) fn at_value(rule: Rule, o: &Opt<'_>, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(rule, o.value_pos, message).key(o.key)
}

#[cfg(test)]
mod tests;
