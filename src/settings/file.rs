//! Flink options from the configuration files users already have: a Flink 2.x `config.yaml`, a
//! legacy line-based `flink-conf.yaml`, a `FlinkDeployment` / `FlinkSessionJob` resource, or the
//! operator Helm chart's values (`defaultConfiguration`). Each option comes back as the full dotted
//! key and string value Flink would see, with the position of its key in the file the user passed
//! (for Helm values: inside the embedded block scalar, mapped back to the outer file), so callers
//! can point at the line that set it.
//!
//! Invariants: nothing here panics on any input, and every refusal is one `InputError` with a
//! position. Nothing is dropped silently: a line Flink's legacy reader would skip is an error here,
//! and a document that is not read is named in a note. Memory stays a small multiple of the input:
//! YAML aliases are never expanded (they are refused where options are read), nesting stops at
//! [`MAX_DEPTH`], keys at [`MAX_KEY_BYTES`], and the flattened options at [`EXPANSION_FACTOR`]
//! times the file size, so a long parent key with thousands of children cannot cost gigabytes,
//! and at [`MAX_OPTIONS`], so a file of a million short `k: v` lines cannot either once callers
//! copy the options; the YAML tree stops at [`MAX_NODES`], since a node costs far more than the
//! two bytes a one-letter list item takes in the file.

use crate::error::InputError;
use crate::model::Pos;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

/// Longest full dotted key accepted. Flink keys are under 100 bytes; the bound is what keeps the
/// per-child copy of a parent key cheap.
pub const MAX_KEY_BYTES: usize = 1024;

/// Deepest nesting of maps and lists accepted anywhere in a YAML file. Flink options nest a handful
/// of levels and Kubernetes resources a dozen; the bound also caps recursion when flattening.
pub const MAX_DEPTH: usize = 64;

/// The flattened keys and values may take at most this many times the file's size (plus
/// [`EXPANSION_SLACK`]). Real configurations stay under 3x; only a long parent key repeated over
/// many children gets near this.
pub const EXPANSION_FACTOR: usize = 8;

/// Allowance on top of [`EXPANSION_FACTOR`] so that small files are never refused for it.
const EXPANSION_SLACK: usize = 1 << 20;

/// Most options one file may set. Flink knows about 1,500; the bound is what keeps the copies
/// callers make of the options (one setting each, and `simulate` one set per policy) small
/// whatever the file, since a short `k: v` line costs more as an option than as text.
pub const MAX_OPTIONS: usize = 10_000;

/// Most characters of user text quoted in a message, so a 1 MiB key cannot flood the terminal.
const QUOTE_CHARS: usize = 60;

/// Most YAML nodes (scalars, maps, lists) one file may hold. A node takes some 80 bytes however
/// short its text, so a file of one-character list items would cost 20 times its size; real
/// configurations, resources and Helm values have a few thousand.
pub const MAX_NODES: usize = 250_000;

/// How many bytes of text the tab-after-colon repair may re-parse in total (see [`parse_yaml`]).
const REPARSE_BUDGET: usize = 64 << 20;

/// The message yaml-rust2 gives for `key:<TAB>value`, which YAML 1.2 and snakeyaml accept.
const TAB_AFTER_COLON: &str = "':' must be followed by a valid YAML whitespace";

/// Which kind of file (or document) the options came from; callers use it to word messages and to
/// know which spelling rules applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKind {
    /// Flink 2.x `config.yaml` (standard YAML, nested or dotted keys).
    FlinkConfig,
    /// Flink 1.x `flink-conf.yaml`, read line by line like Flink's legacy reader.
    LegacyFlinkConf,
    /// `spec.flinkConfiguration` of a `FlinkDeployment`.
    FlinkDeployment,
    /// `spec.flinkConfiguration` of a `FlinkSessionJob`.
    FlinkSessionJob,
    /// The operator Helm chart's `defaultConfiguration` (an embedded config file).
    HelmValues,
}

impl ConfigKind {
    /// Where the options were read, as a user would name it in a message.
    pub fn describe(&self) -> &'static str {
        match self {
            ConfigKind::FlinkConfig => "Flink config.yaml",
            ConfigKind::LegacyFlinkConf => "Flink flink-conf.yaml",
            ConfigKind::FlinkDeployment => "FlinkDeployment spec.flinkConfiguration",
            ConfigKind::FlinkSessionJob => "FlinkSessionJob spec.flinkConfiguration",
            ConfigKind::HelmValues => "Helm values defaultConfiguration",
        }
    }
}

/// The Kubernetes resource the options belong to; later commands name it and compare the job's
/// parallelism and Flink version with a plan.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resource {
    pub kind: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub flink_version: Option<String>,
    pub job_parallelism: Option<String>,
    /// Where `spec.job` starts, when the resource has one (an application deployment or a
    /// session job; a FlinkDeployment without it is a session cluster).
    pub job: Option<Pos>,
    /// The scalar fields of `spec` named in [`SPEC_FIELDS`] that the resource sets, with where.
    pub fields: Vec<SpecField>,
}

impl Resource {
    /// The field at `path` (relative to `spec`, one of [`SPEC_FIELDS`]), when set.
    pub fn field(&self, path: &str) -> Option<&SpecField> {
        self.fields.iter().find(|f| f.path == path)
    }
}

/// Paths under `spec` (dotted) whose scalar values `Resource::fields` keeps: what the operator
/// reads next to `flinkConfiguration` for versions, parallelism, modes and TaskManager sizes.
pub const SPEC_FIELDS: &[&str] = &[
    "flinkVersion",
    "mode",
    "deploymentName",
    "job.parallelism",
    "job.upgradeMode",
    "taskManager.replicas",
    "taskManager.resource.cpu",
    "taskManager.resource.memory",
    "taskManager.resources.requests.cpu",
    "taskManager.resources.requests.memory",
    "taskManager.resources.limits.cpu",
    "taskManager.resources.limits.memory",
];

/// One scalar of a resource's `spec`, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecField {
    /// One of [`SPEC_FIELDS`].
    pub path: &'static str,
    /// The value as a YAML reader gives it (quotes removed).
    pub value: String,
    /// Written in quotes (or with a tag): a string to Kubernetes, whatever it looks like.
    pub quoted: bool,
    pub key_pos: Pos,
    pub value_pos: Pos,
}

/// The chart switches that decide whether the embedded options take effect at all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HelmDefaults {
    /// `defaultConfiguration.create` as written; `false` means the chart ignores everything below.
    pub create: Option<String>,
    /// `defaultConfiguration.append` as written; `true` means the options are added to the
    /// operator's built-in defaults (which are not part of this file).
    pub append: Option<String>,
    /// Which embedded file the entries came from (`FlinkConfig` for `config.yaml`,
    /// `LegacyFlinkConf` for `flink-conf.yaml`), `None` when the values hold neither.
    pub embedded: Option<ConfigKind>,
}

/// One option as written. `key_pos` points at the first character of the (innermost) key and
/// `value_pos` at the value, both in the outer file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub key_pos: Pos,
    pub value_pos: Pos,
}

/// The options of one document, in file order with duplicates kept: Flink 2.x refuses duplicate
/// keys and older readers let the last one win, so callers decide and can point at both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigDoc {
    pub kind: ConfigKind,
    /// Set for `FlinkDeployment` and `FlinkSessionJob`.
    pub resource: Option<Resource>,
    /// Set for Helm values.
    pub helm: Option<HelmDefaults>,
    pub entries: Vec<Entry>,
    /// Where the document starts (its first key), to tell documents of one file apart.
    pub start: Pos,
    /// Things the user should know that are not errors: skipped documents, ignored chart keys, a
    /// file read as `flink-conf.yaml` lines because it is not valid YAML.
    pub notes: Vec<String>,
}

impl ConfigDoc {
    fn empty(kind: ConfigKind, start: Pos) -> ConfigDoc {
        ConfigDoc {
            kind,
            resource: None,
            helm: None,
            entries: Vec::new(),
            start,
            notes: Vec::new(),
        }
    }

    /// A short name for messages that must tell documents apart, e.g. ``FlinkDeployment `web` (line 3)``.
    pub fn label(&self) -> String {
        let what = match &self.resource {
            Some(r) => match &r.name {
                Some(name) => format!("{} {}", r.kind, quote(name)),
                None => r.kind.clone(),
            },
            None => match self.kind {
                ConfigKind::HelmValues => "Helm values".to_string(),
                kind => kind.describe().to_string(),
            },
        };
        format!("{what} (line {})", self.start.line)
    }
}

/// Every document of the file that holds Flink options (an empty file gives one empty
/// `FlinkConfig`; documents that hold none, such as a ConfigMap, are left out).
pub fn read_all(file: &str, text: &str) -> Result<Vec<ConfigDoc>, InputError> {
    Ok(scan(file, text)?.docs)
}

/// Every document of a file: those that hold Flink options, and the labels of those skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Documents {
    pub docs: Vec<ConfigDoc>,
    /// Documents that hold no Flink options (a ConfigMap, a Service, a list), e.g.
    /// ``ConfigMap `extra` (line 1)``.
    pub skipped: Vec<String>,
}

/// [`read_all`], also naming the documents it leaves out.
pub fn read_documents(file: &str, text: &str) -> Result<Documents, InputError> {
    let Scan { docs, skipped } = scan(file, text)?;
    Ok(Documents { docs, skipped })
}

/// The one document `--config FILE` means. Several candidates are an error naming them, because
/// picking one would silently ignore the others; skipped documents are named in `notes`.
pub fn read(file: &str, text: &str) -> Result<ConfigDoc, InputError> {
    let Scan { mut docs, skipped } = scan(file, text)?;
    if docs.len() > 1 {
        let names: Vec<String> = docs.iter().map(ConfigDoc::label).collect();
        let at = docs.get(1).map_or(Pos { line: 1, column: 1 }, |d| d.start);
        return Err(InputError::at(
            file,
            at,
            format!(
                "{} documents hold Flink options: {}; --config reads one",
                docs.len(),
                some(&names)
            ),
        )
        .hint("keep the one document to use in its own file"));
    }
    match docs.pop() {
        Some(mut doc) => {
            doc.notes
                .extend(skipped.iter().map(|s| format!("skipped {s}: no Flink options")));
            Ok(doc)
        }
        None => Err(InputError::new(
            file,
            format!("no Flink options found (skipped {})", some(&skipped)),
        )
        .hint("pass a config.yaml, flink-conf.yaml, FlinkDeployment, FlinkSessionJob or Helm values file")),
    }
}

// ------------------------------------------------------------------------------------------------
// File level: kind detection and documents
// ------------------------------------------------------------------------------------------------

struct Scan {
    docs: Vec<ConfigDoc>,
    /// Labels of documents that were not read, for `read`'s notes.
    skipped: Vec<String>,
}

/// Detects the kind from content; the file name decides only what content cannot: a file named
/// `flink-conf.yaml` is read the way Flink 1.x reads that file even when it is valid YAML, and a
/// file named `config.yaml` is never retried as legacy lines (Flink 2.x would refuse it).
fn scan(file: &str, text: &str) -> Result<Scan, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut budget = Budget::for_text(text);
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let legacy_doc = |entries: Vec<Entry>| ConfigDoc {
        entries,
        ..ConfigDoc::empty(ConfigKind::LegacyFlinkConf, Pos { line: 1, column: 1 })
    };
    if name == "flink-conf.yaml" {
        let entries = read_legacy(file, text, PosMap::Same, &mut budget)?;
        return Ok(Scan {
            docs: vec![legacy_doc(entries)],
            skipped: Vec::new(),
        });
    }
    let yaml_docs = match parse_yaml(text) {
        Ok(docs) => docs,
        Err(YamlFailure { pos, msg, syntax }) => {
            if syntax && name != "config.yaml" {
                let mut attempt = budget;
                if let Ok(entries) = read_legacy(file, text, PosMap::Same, &mut attempt) {
                    let mut doc = legacy_doc(entries);
                    doc.notes.push(format!(
                        "not valid YAML ({}:{}: {msg}); read as flink-conf.yaml lines, the way Flink 1.x reads them",
                        pos.line, pos.column
                    ));
                    return Ok(Scan {
                        docs: vec![doc],
                        skipped: Vec::new(),
                    });
                }
            }
            return Err(InputError::at(file, pos, msg));
        }
    };

    let non_empty = yaml_docs.iter().filter(|d| d.root.is_some()).count();
    let mut out = Scan {
        docs: Vec::new(),
        skipped: Vec::new(),
    };
    for root in yaml_docs.iter().filter_map(|d| d.root.as_ref()) {
        let start = root.start();
        match classify(file, root)? {
            Class::Plain(items) => {
                let mut ctx = Flatten::new(file, PosMap::Same, &mut budget);
                ctx.map(items)?;
                out.docs.push(ConfigDoc {
                    entries: ctx.entries,
                    ..ConfigDoc::empty(ConfigKind::FlinkConfig, start)
                });
            }
            Class::Resource(kind) => out.docs.push(resource_doc(file, root, kind, &mut budget)?),
            Class::Helm(defaults) => out.docs.push(helm_doc(file, root, defaults, &mut budget)?),
            Class::Other(label) => out.skipped.push(label),
            Class::NotMap if non_empty == 1 => {
                return Err(InputError::at(
                    file,
                    root.pos,
                    format!(
                        "expected Flink options as `key: value` entries, found {}",
                        root.what()
                    ),
                ));
            }
            Class::NotMap => out
                .skipped
                .push(format!("{} (line {})", root.what(), start.line)),
        }
    }
    if out.docs.is_empty() && out.skipped.is_empty() {
        out.docs.push(ConfigDoc::empty(
            ConfigKind::FlinkConfig,
            Pos { line: 1, column: 1 },
        ));
    }
    Ok(out)
}

enum Class<'a> {
    /// A plain Flink configuration: every entry of the root map is an option.
    Plain(&'a [(Node, Node)]),
    Resource(ConfigKind),
    /// Helm values, with the `defaultConfiguration` node (a map, or empty).
    Helm(&'a Node),
    /// A Kubernetes object that holds no Flink options (ConfigMap, Service, ...): its label.
    Other(String),
    /// A list or text at the root.
    NotMap,
}

/// A root map with `apiVersion` or `kind` is a Kubernetes object (Flink has no such options), one
/// with `defaultConfiguration` is Helm values, anything else is a Flink configuration.
fn classify<'a>(file: &str, root: &'a Node) -> Result<Class<'a>, InputError> {
    let NodeKind::Map(items) = &root.kind else {
        return Ok(Class::NotMap);
    };
    let kind = root.get("kind");
    let api = root.get("apiVersion");
    if kind.is_some() || api.is_some() {
        let kind_text = kind.and_then(Node::text).unwrap_or("");
        let flink_api = api
            .and_then(Node::text)
            .is_none_or(|a| a.starts_with("flink.apache.org/"));
        let config_kind = match kind_text {
            "FlinkDeployment" if flink_api => Some(ConfigKind::FlinkDeployment),
            "FlinkSessionJob" if flink_api => Some(ConfigKind::FlinkSessionJob),
            _ => None,
        };
        if let Some(k) = config_kind {
            return Ok(Class::Resource(k));
        }
        let what = if kind_text.is_empty() {
            "Kubernetes object".to_string()
        } else {
            clip(kind_text)
        };
        let name = root
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::text);
        let label = match name {
            Some(n) => format!("{what} {} (line {})", quote(n), root.start().line),
            None => format!("{what} (line {})", root.start().line),
        };
        return Ok(Class::Other(label));
    }
    if let Some(defaults) = root.get("defaultConfiguration") {
        return match &defaults.kind {
            NodeKind::Map(_) => Ok(Class::Helm(defaults)),
            _ if defaults.is_null() => Ok(Class::Helm(defaults)),
            _ => Err(InputError::at(
                file,
                defaults.pos,
                format!(
                    "defaultConfiguration must be a map (create, append, config.yaml, ...), found {}",
                    defaults.what()
                ),
            )),
        };
    }
    Ok(Class::Plain(items))
}

/// `spec.flinkConfiguration` of a resource. Since operator 1.13 (FLINK-37406,
/// `AbstractFlinkSpec.flinkConfiguration` is a `ConfigObjectNode` and the CRD says
/// `x-kubernetes-preserve-unknown-fields`) it may be nested YAML as well as the older flat string
/// map; `ConfigObjectNode.asFlatMap` joins nested keys with `.` and lists with `;`, as
/// [`Flatten`] does.
fn resource_doc(
    file: &str,
    root: &Node,
    kind: ConfigKind,
    budget: &mut Budget,
) -> Result<ConfigDoc, InputError> {
    let meta = root.get("metadata");
    let spec = root.get("spec");
    let text_of = |n: Option<&Node>| n.and_then(Node::text).map(str::to_string);
    let resource = Resource {
        kind: match kind {
            ConfigKind::FlinkSessionJob => "FlinkSessionJob",
            _ => "FlinkDeployment",
        }
        .to_string(),
        name: text_of(meta.and_then(|m| m.get("name"))),
        namespace: text_of(meta.and_then(|m| m.get("namespace"))),
        flink_version: text_of(spec.and_then(|s| s.get("flinkVersion"))),
        job_parallelism: text_of(
            spec.and_then(|s| s.get("job"))
                .and_then(|j| j.get("parallelism")),
        ),
        job: spec
            .and_then(|s| s.get_entry("job"))
            .filter(|(_, v)| !v.is_null())
            .map(|(k, _)| k.pos),
        fields: spec.map_or_else(Vec::new, spec_fields),
    };
    let mut entries = Vec::new();
    if let Some(conf) = spec.and_then(|s| s.get("flinkConfiguration")) {
        match &conf.kind {
            NodeKind::Map(items) => {
                let mut ctx = Flatten::new(file, PosMap::Same, budget);
                ctx.map(items)?;
                entries = ctx.entries;
            }
            NodeKind::Alias => return Err(alias_error(file, conf.pos)),
            _ if conf.is_null() => {}
            _ => {
                return Err(InputError::at(
                    file,
                    conf.pos,
                    format!(
                        "spec.flinkConfiguration must be a map of options, found {}",
                        conf.what()
                    ),
                ))
            }
        }
    }
    Ok(ConfigDoc {
        resource: Some(resource),
        entries,
        ..ConfigDoc::empty(kind, root.start())
    })
}

/// The [`SPEC_FIELDS`] a resource's `spec` sets to a scalar.
fn spec_fields(spec: &Node) -> Vec<SpecField> {
    let mut out = Vec::new();
    for &path in SPEC_FIELDS {
        let mut node = Some(spec);
        let mut entry = None;
        for segment in path.split('.') {
            entry = node.and_then(|n| n.get_entry(segment));
            node = entry.map(|(_, v)| v);
        }
        if let Some((k, v)) = entry {
            if let NodeKind::Scalar(text, style) = &v.kind {
                if !v.is_null() {
                    out.push(SpecField {
                        path,
                        value: scalar_value(text, *style),
                        quoted: *style != Style::Plain,
                        key_pos: k.pos,
                        value_pos: v.pos,
                    });
                }
            }
        }
    }
    out
}

/// The chart's `defaultConfiguration`. Its templates (`templates/controller/configmap.yaml` and
/// `deployment.yaml` in apache/flink-kubernetes-operator) mount the embedded `flink-conf.yaml`
/// whenever that key exists and `config.yaml` otherwise, so that is the one read here.
fn helm_doc(
    file: &str,
    root: &Node,
    defaults: &Node,
    budget: &mut Budget,
) -> Result<ConfigDoc, InputError> {
    let text_of = |k: &str| defaults.get(k).and_then(Node::text).map(str::to_string);
    let legacy = defaults.get("flink-conf.yaml");
    let standard = defaults.get_entry("config.yaml");
    let mut doc = ConfigDoc::empty(ConfigKind::HelmValues, root.start());
    let mut helm = HelmDefaults {
        create: text_of("create"),
        append: text_of("append"),
        embedded: None,
    };
    // Helm reads values as YAML 1.1, so `no` and `off` switch it off as well.
    let create_off = defaults.get("create").is_some_and(
        |n| matches!(&n.kind, NodeKind::Scalar(t, st) if scalar_value(t, *st) == "false"),
    );
    if create_off {
        doc.notes.push(
            "defaultConfiguration.create is false: the chart creates no configuration, so these options have no effect"
                .to_string(),
        );
    }
    let chosen = match (legacy, standard) {
        (Some(l), Some((key, _))) => {
            doc.notes.push(format!(
                "defaultConfiguration.config.yaml (line {}) is ignored: the chart mounts flink-conf.yaml whenever that key is present",
                key.pos.line
            ));
            Some((ConfigKind::LegacyFlinkConf, l))
        }
        (Some(l), None) => Some((ConfigKind::LegacyFlinkConf, l)),
        (None, Some((_, s))) => Some((ConfigKind::FlinkConfig, s)),
        (None, None) => None,
    };
    if let Some((kind, node)) = chosen {
        helm.embedded = Some(kind);
        match &node.kind {
            NodeKind::Scalar(text, style) if !node.is_null() => {
                let map = PosMap::for_scalar(node.pos, text, *style);
                doc.entries = match kind {
                    ConfigKind::LegacyFlinkConf => read_legacy(file, text, map, budget)?,
                    _ => read_embedded_yaml(file, text, map, budget)?,
                };
            }
            NodeKind::Scalar(..) => {}
            NodeKind::Alias => return Err(alias_error(file, node.pos)),
            _ => {
                return Err(InputError::at(
                    file,
                    node.pos,
                    format!(
                        "expected the embedded file as a block scalar (`|+`), found {}",
                        node.what()
                    ),
                ))
            }
        }
    }
    doc.helm = Some(helm);
    Ok(doc)
}

/// A `config.yaml` embedded in Helm values: one YAML document whose root is a map.
fn read_embedded_yaml(
    file: &str,
    text: &str,
    map: PosMap,
    budget: &mut Budget,
) -> Result<Vec<Entry>, InputError> {
    let docs = parse_yaml(text).map_err(|f| {
        InputError::at(
            file,
            map.map(f.pos),
            format!("embedded config.yaml: {}", f.msg),
        )
    })?;
    let mut roots = docs.iter().filter_map(|d| d.root.as_ref());
    let Some(root) = roots.next() else {
        return Ok(Vec::new());
    };
    if let Some(second) = roots.next() {
        return Err(InputError::at(
            file,
            map.map(second.start()),
            "embedded config.yaml holds several YAML documents",
        ));
    }
    let NodeKind::Map(items) = &root.kind else {
        return Err(InputError::at(
            file,
            map.map(root.pos),
            format!(
                "embedded config.yaml: expected `key: value` entries, found {}",
                root.what()
            ),
        ));
    };
    let mut ctx = Flatten::new(file, map, budget);
    ctx.map(items)?;
    Ok(ctx.entries)
}

// ------------------------------------------------------------------------------------------------
// Positions of embedded text
// ------------------------------------------------------------------------------------------------

/// How a position inside parsed text maps to the outer file.
#[derive(Debug, Clone, Copy)]
enum PosMap {
    /// The text is the file.
    Same,
    /// The text is a literal block scalar: its line 1 is outer line `line0` and its column 1 is
    /// outer column `col0 + 1` (the block's indentation).
    Block { line0: usize, col0: usize },
    /// Folded or quoted text whose lines do not map one to one: every position is the scalar's.
    At(Pos),
}

impl PosMap {
    /// yaml-rust2 marks a literal block scalar at its first non-empty content line, at the block's
    /// indentation; the value keeps each empty line before it as one `\n`, and every later line
    /// stays one line, so counting those gives the line after the `|` indicator.
    fn for_scalar(pos: Pos, text: &str, style: Style) -> PosMap {
        match style {
            Style::Literal => {
                let blank = text.bytes().take_while(|&b| b == b'\n').count();
                PosMap::Block {
                    line0: pos.line.saturating_sub(blank).max(1),
                    col0: pos.column.saturating_sub(1),
                }
            }
            _ => PosMap::At(pos),
        }
    }

    fn map(self, p: Pos) -> Pos {
        match self {
            PosMap::Same => p,
            PosMap::Block { line0, col0 } => Pos {
                line: line0.saturating_add(p.line.saturating_sub(1)),
                column: col0.saturating_add(p.column),
            },
            PosMap::At(pos) => pos,
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Flink 2.x flattening
// ------------------------------------------------------------------------------------------------

/// Flattens a YAML map the way Flink 2.x `GlobalConfiguration.flatten` does (nested map keys
/// joined with `.`, dotted and nested spellings mixed freely), with values as strings:
///
/// * Scalars keep their text after YAML unquoting. Flink loads the file with snakeyaml
///   (`YamlParserUtils`, YAML 1.1 typing) and `ConfigurationUtils.convertToString` prints typed
///   values back, so plain `yes`/`on`/`True` arrive as `true` (and `no`/`off` as `false`); that
///   is done here too. Numbers keep their spelling (`0.60` stays `0.60`; Flink would print `0.6`,
///   which parses to the same number). An empty or `null` value gives an empty string.
/// * A list of scalars becomes its items joined with `;`, quoting items that hold `;` or a quote
///   the way `StructuredOptionsSplitter.escapeWithSingleQuote` does. Flink 2.x itself stores a
///   list as the flow YAML text `[a, b]`, but `ConfigurationUtils.convertToList` reads both
///   spellings back to the same list, and `;` is what the operator's `ConfigObjectNode` and Flink
///   1.x use. A list holding maps or lists is written as flow YAML (`[{name: a, path: b}]`), the
///   spelling Flink 2.x itself produces.
/// * Aliases are refused: configurations never need them and expanding them is how an alias bomb
///   costs exponential memory.
struct Flatten<'a> {
    file: &'a str,
    map: PosMap,
    entries: Vec<Entry>,
    /// The dotted key of the map being flattened; children append to it and truncate back, so a
    /// long parent is never copied except into each finished entry (bounded by `MAX_KEY_BYTES`).
    key: String,
    /// Bytes of keys and values still allowed (see [`EXPANSION_FACTOR`]).
    budget: &'a mut Budget,
}

impl<'a> Flatten<'a> {
    fn new(file: &'a str, map: PosMap, budget: &'a mut Budget) -> Flatten<'a> {
        Flatten {
            file,
            map,
            entries: Vec::new(),
            key: String::new(),
            budget,
        }
    }

    fn error(&self, pos: Pos, msg: impl Into<String>) -> InputError {
        InputError::at(self.file, self.map.map(pos), msg)
    }

    fn map(&mut self, items: &[(Node, Node)]) -> Result<(), InputError> {
        for (k, v) in items {
            let segment = match &k.kind {
                NodeKind::Scalar(text, _) => text.as_str(),
                NodeKind::Alias => return Err(alias_error(self.file, self.map.map(k.pos))),
                _ => {
                    return Err(self.error(k.pos, format!("a key must be text, found {}", k.what())))
                }
            };
            if segment.is_empty() {
                return Err(self.error(k.pos, "empty key"));
            }
            let base = self.key.len();
            let dot = usize::from(base > 0);
            if base + dot + segment.len() > MAX_KEY_BYTES {
                let shown = if base > 0 { self.key.as_str() } else { segment };
                return Err(self.error(
                    k.pos,
                    format!("key longer than {MAX_KEY_BYTES} bytes: {}", quote(shown)),
                ));
            }
            if dot == 1 {
                self.key.push('.');
            }
            self.key.push_str(segment);
            let result = match &v.kind {
                NodeKind::Map(children) => self.map(children),
                NodeKind::Seq(items) => match list_value(items) {
                    Ok(value) => self.push(k.pos, value, v.pos),
                    Err(alias) => Err(alias_error(self.file, self.map.map(alias))),
                },
                NodeKind::Scalar(text, style) => {
                    // An empty value's mark is wherever the next token starts; the key is clearer.
                    let at = if v.is_null() { k.pos } else { v.pos };
                    self.push(k.pos, scalar_value(text, *style), at)
                }
                NodeKind::Alias => Err(alias_error(self.file, self.map.map(v.pos))),
            };
            self.key.truncate(base);
            result?;
        }
        Ok(())
    }

    fn push(&mut self, key_pos: Pos, value: String, value_pos: Pos) -> Result<(), InputError> {
        if let Err(msg) = self.budget.charge(self.key.len() + value.len()) {
            return Err(self.error(key_pos, msg));
        }
        self.entries.push(Entry {
            key: self.key.clone(),
            value,
            key_pos: self.map.map(key_pos),
            value_pos: self.map.map(value_pos),
        });
        Ok(())
    }
}

/// What the options of one file may still take: bytes of keys and values (see
/// [`EXPANSION_FACTOR`]) and their number ([`MAX_OPTIONS`]).
#[derive(Debug, Clone, Copy)]
struct Budget {
    bytes: usize,
    options: usize,
}

impl Budget {
    fn for_text(text: &str) -> Budget {
        Budget {
            bytes: EXPANSION_FACTOR
                .saturating_mul(text.len())
                .saturating_add(EXPANSION_SLACK),
            options: MAX_OPTIONS,
        }
    }

    /// Takes one option of `bytes` key and value bytes, or says why not.
    fn charge(&mut self, bytes: usize) -> Result<(), String> {
        if self.options == 0 {
            return Err(format!(
                "more than {MAX_OPTIONS} options (Flink has about 1,500); is this a Flink \
                 configuration?"
            ));
        }
        if bytes > self.bytes {
            return Err(format!(
                "the options would take more than {EXPANSION_FACTOR} times the file's size (a \
                 long parent key with very many children?)"
            ));
        }
        self.options -= 1;
        self.bytes -= bytes;
        Ok(())
    }
}

/// A YAML list as one option value (see [`Flatten`]); `Err` is the position of an alias.
fn list_value(items: &[Node]) -> Result<String, Pos> {
    let all_scalars = items.iter().all(|n| matches!(n.kind, NodeKind::Scalar(..)));
    let mut out = String::new();
    if all_scalars {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            if let NodeKind::Scalar(text, style) = &item.kind {
                let value = scalar_value(text, *style);
                if value.contains([';', '\'', '"']) {
                    out.push('\'');
                    out.push_str(&value.replace('\'', "''"));
                    out.push('\'');
                } else {
                    out.push_str(&value);
                }
            }
        }
    } else {
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            flow(item, &mut out)?;
        }
        out.push(']');
    }
    Ok(out)
}

/// Writes a node as flow YAML; recursion is bounded by `MAX_DEPTH` (the tree is never deeper).
fn flow(node: &Node, out: &mut String) -> Result<(), Pos> {
    match &node.kind {
        NodeKind::Scalar(text, style) => {
            let value = scalar_value(text, *style);
            let plain = !value.is_empty()
                && value
                    .chars()
                    .all(|c| c.is_alphanumeric() || "._-/+ ".contains(c))
                && !value.starts_with([' ', '-'])
                && !value.ends_with(' ');
            if plain {
                out.push_str(&value);
            } else {
                out.push('"');
                for c in value.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\t' => out.push_str("\\t"),
                        c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
        }
        NodeKind::Map(items) => {
            out.push('{');
            for (i, (k, v)) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(k, out)?;
                out.push_str(": ");
                flow(v, out)?;
            }
            out.push('}');
        }
        NodeKind::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(item, out)?;
            }
            out.push(']');
        }
        NodeKind::Alias => return Err(node.pos),
    }
    Ok(())
}

/// A scalar's value as Flink reads it (see [`Flatten`] for the YAML 1.1 booleans and nulls).
fn scalar_value(text: &str, style: Style) -> String {
    if style == Style::Plain {
        if is_null_text(text) {
            return String::new();
        }
        match text {
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
                return "true".to_string()
            }
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
                return "false".to_string()
            }
            _ => {}
        }
    }
    text.to_string()
}

fn is_null_text(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn alias_error(file: &str, pos: Pos) -> InputError {
    InputError::at(
        file,
        pos,
        "YAML aliases (`*name`) are not supported in Flink options; write the value out",
    )
}

// ------------------------------------------------------------------------------------------------
// Flink 1.x flink-conf.yaml
// ------------------------------------------------------------------------------------------------

/// Reads `flink-conf.yaml` the way Flink 1.x `GlobalConfiguration.loadYAMLResource` does: per line,
/// everything from the first `#` is a comment (even inside a value), the rest is trimmed (Java
/// `String.trim`, every character up to U+0020), split at the first `": "`, and key and value
/// trimmed again. Quotes are kept as written: Flink does not strip them. Flink logs a warning and
/// skips a line without `": "` or with an empty key or value; here that line is an error, since
/// skipping it would misread the file silently (a nested YAML map is the usual cause: its children
/// would be read as top-level keys).
fn read_legacy(
    file: &str,
    text: &str,
    map: PosMap,
    budget: &mut Budget,
) -> Result<Vec<Entry>, InputError> {
    let java_ws = |c: char| c <= ' ';
    let mut entries = Vec::new();
    for (n, line) in java_lines(text).enumerate() {
        let at = |byte: usize| {
            map.map(Pos {
                line: n + 1,
                column: line.get(..byte).map_or(0, |s| s.chars().count()) + 1,
            })
        };
        let conf = line.split('#').next().unwrap_or("");
        let lead = conf.len() - conf.trim_start_matches(java_ws).len();
        let body = conf.trim_matches(java_ws);
        if body.is_empty() {
            continue;
        }
        let Some((raw_key, rest)) = body.split_once(": ") else {
            let mut err = InputError::at(
                file,
                at(lead),
                format!(
                    "expected `key: value`, found {} (Flink's flink-conf.yaml reader would skip this line)",
                    quote(body)
                ),
            );
            if body.ends_with(':') {
                err = err.hint(
                    "flink-conf.yaml is read line by line: nested YAML needs Flink 2.x config.yaml",
                );
            } else if body.contains(':') {
                err = err.hint("put a space after the `:`");
            }
            return Err(err);
        };
        let key = raw_key.trim_matches(java_ws);
        let value = rest.trim_matches(java_ws);
        let value_byte =
            lead + raw_key.len() + 2 + (rest.len() - rest.trim_start_matches(java_ws).len());
        if key.is_empty() {
            return Err(InputError::at(
                file,
                at(lead),
                "no key before `: ` (Flink's flink-conf.yaml reader would skip this line)",
            ));
        }
        if value.is_empty() {
            return Err(InputError::at(
                file,
                at(lead),
                format!(
                    "{} has no value (Flink's flink-conf.yaml reader would skip this line)",
                    quote(key)
                ),
            ));
        }
        if key.len() > MAX_KEY_BYTES {
            return Err(InputError::at(
                file,
                at(lead),
                format!("key longer than {MAX_KEY_BYTES} bytes: {}", quote(key)),
            ));
        }
        budget
            .charge(key.len() + value.len())
            .map_err(|msg| InputError::at(file, at(lead), msg))?;
        entries.push(Entry {
            key: key.to_string(),
            value: value.to_string(),
            key_pos: at(lead),
            value_pos: at(value_byte),
        });
    }
    Ok(entries)
}

/// Lines as Java's `BufferedReader.readLine` splits them (`\n`, `\r\n` or a lone `\r`), which is
/// also where yaml-rust2 counts line breaks, so line numbers agree between the two readers.
fn java_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest.filter(|s| !s.is_empty())?;
        match s.find(['\r', '\n']) {
            None => {
                rest = None;
                Some(s)
            }
            Some(i) => {
                let (line, tail) = s.split_at(i);
                let tail = tail
                    .strip_prefix("\r\n")
                    .or_else(|| tail.get(1..))
                    .unwrap_or("");
                rest = Some(tail);
                Some(line)
            }
        }
    })
}

// ------------------------------------------------------------------------------------------------
// YAML tree
// ------------------------------------------------------------------------------------------------

/// How a scalar was written: plain scalars get YAML 1.1 typing, literal blocks map positions line
/// by line. A plain scalar with an explicit tag (`!!str on`) counts as quoted: its text is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Quoted,
    Literal,
    Folded,
}

/// A compact YAML node. Aliases stay aliases (never expanded), so the tree is at most a constant
/// times the number of parser events, which is at most the number of characters.
#[derive(Debug)]
struct Node {
    pos: Pos,
    kind: NodeKind,
}

#[derive(Debug)]
enum NodeKind {
    Scalar(String, Style),
    Map(Vec<(Node, Node)>),
    Seq(Vec<Node>),
    Alias,
}

impl Node {
    /// The text of a non-empty scalar.
    fn text(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(t, _) if !self.is_null() => Some(t),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar(t, Style::Plain) if is_null_text(t))
    }

    /// The value of `key` in a map (the last one if repeated, as Kubernetes and Helm take it).
    fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// The key node and value of `key` in a map, for messages that point at the key.
    fn get_entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.kind {
            NodeKind::Map(items) => items
                .iter()
                .rev()
                .find(|(k, _)| matches!(&k.kind, NodeKind::Scalar(t, _) if t == key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Where a document visibly starts: a block map's own mark sits after its first key, so the
    /// first key is used.
    fn start(&self) -> Pos {
        match &self.kind {
            NodeKind::Map(items) => items.first().map_or(self.pos, |(k, _)| k.start()),
            _ => self.pos,
        }
    }

    fn what(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar(..) => "text",
            NodeKind::Map(_) => "a map",
            NodeKind::Seq(_) => "a list",
            NodeKind::Alias => "an alias",
        }
    }
}

struct YamlDoc {
    /// `None` for an empty document (nothing, or only comments, or `~`).
    root: Option<Node>,
}

enum Frame {
    Map {
        pos: Pos,
        items: Vec<(Node, Node)>,
        key: Option<Node>,
    },
    Seq {
        pos: Pos,
        items: Vec<Node>,
    },
}

/// Builds the tree from yaml-rust2 events with an explicit stack (no recursion, so block nesting
/// limited only by the file's size cannot overflow the call stack), stopping at `MAX_DEPTH`.
#[derive(Default)]
struct TreeBuilder {
    docs: Vec<YamlDoc>,
    stack: Vec<Frame>,
    root: Option<Node>,
    too_deep: Option<Pos>,
    /// Nodes so far, and where the one past [`MAX_NODES`] starts.
    nodes: usize,
    too_many: Option<Pos>,
}

impl TreeBuilder {
    fn complete(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { items, key, .. }) => match key.take() {
                Some(k) => items.push((k, node)),
                None => *key = Some(node),
            },
        }
    }

    fn open(&mut self, frame: Frame, pos: Pos) {
        if self.stack.len() >= MAX_DEPTH {
            // Point at the key that opens the too-deep value when there is one.
            let at = match self.stack.last() {
                Some(Frame::Map { key: Some(k), .. }) => k.pos,
                _ => pos,
            };
            self.too_deep = Some(at);
        } else {
            self.stack.push(frame);
        }
    }
}

impl MarkedEventReceiver for TreeBuilder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.too_deep.is_some() || self.too_many.is_some() {
            return;
        }
        let pos = to_pos(&mark);
        if matches!(
            ev,
            Event::Scalar(..)
                | Event::Alias(_)
                | Event::MappingStart(..)
                | Event::SequenceStart(..)
        ) {
            self.nodes += 1;
            if self.nodes > MAX_NODES {
                self.too_many = Some(pos);
                return;
            }
        }
        match ev {
            Event::DocumentStart => {
                self.stack.clear();
                self.root = None;
            }
            Event::DocumentEnd => {
                let root = self.root.take().filter(|r| !r.is_null());
                self.docs.push(YamlDoc { root });
            }
            Event::Scalar(text, style, _, tag) => {
                let style = match style {
                    TScalarStyle::Plain if tag.is_none() => Style::Plain,
                    TScalarStyle::Literal => Style::Literal,
                    TScalarStyle::Folded => Style::Folded,
                    _ => Style::Quoted,
                };
                self.complete(Node {
                    pos,
                    kind: NodeKind::Scalar(text, style),
                });
            }
            Event::Alias(_) => self.complete(Node {
                pos,
                kind: NodeKind::Alias,
            }),
            Event::MappingStart(..) => self.open(
                Frame::Map {
                    pos,
                    items: Vec::new(),
                    key: None,
                },
                pos,
            ),
            Event::SequenceStart(..) => self.open(
                Frame::Seq {
                    pos,
                    items: Vec::new(),
                },
                pos,
            ),
            Event::MappingEnd | Event::SequenceEnd => {
                let node = match self.stack.pop() {
                    Some(Frame::Map { pos, items, .. }) => Node {
                        pos,
                        kind: NodeKind::Map(items),
                    },
                    Some(Frame::Seq { pos, items }) => Node {
                        pos,
                        kind: NodeKind::Seq(items),
                    },
                    None => return,
                };
                self.complete(node);
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
        }
    }
}

fn to_pos(mark: &Marker) -> Pos {
    // yaml-rust2 lines are 1-based, columns 0-based and counted in characters.
    Pos {
        line: mark.line().max(1),
        column: mark.col() + 1,
    }
}

enum Failure {
    Scan(ScanError),
    TooDeep(Pos),
    TooMany(Pos),
}

/// Why a YAML text could not be read.
struct YamlFailure {
    pos: Pos,
    msg: String,
    /// A syntax error (the text may still be legacy `key: value` lines), not a refused limit.
    syntax: bool,
}

/// All documents of a YAML text, or the first error.
///
/// yaml-rust2 refuses a tab between `:` and a value that starts with a letter or digit
/// (`key:<TAB>value`), which YAML 1.2 and snakeyaml (what Flink uses) accept. When that is the
/// error, the tabs at that one spot are turned into spaces (same column count, and the scanner
/// only reports it outside quoted and block scalars, so no value changes) and the text is parsed
/// again, within [`REPARSE_BUDGET`] so a file full of them cannot take quadratic time.
fn parse_yaml(text: &str) -> Result<Vec<YamlDoc>, YamlFailure> {
    let mut fixed: Option<String> = None;
    let mut retries = 0usize;
    let max_retries = (REPARSE_BUDGET / text.len().max(1)).max(8);
    loop {
        let src = fixed.as_deref().unwrap_or(text);
        let e = match parse_once(src) {
            Ok(docs) => return Ok(docs),
            Err(Failure::TooDeep(pos)) => return Err(too_deep(pos)),
            Err(Failure::TooMany(pos)) => {
                return Err(YamlFailure {
                    pos,
                    msg: format!(
                        "more than {MAX_NODES} YAML nodes (keys, values and list items); a \
                         configuration has a few thousand"
                    ),
                    syntax: false,
                })
            }
            Err(Failure::Scan(e)) => e,
        };
        if e.info() == TAB_AFTER_COLON && retries < max_retries {
            if let Some(next) = untab_after_colon(src, e.marker().index()) {
                fixed = Some(next);
                retries += 1;
                continue;
            }
        }
        let pos = to_pos(e.marker());
        // The scanner runs ahead of the parser in flow collections and has its own nesting
        // limit (255), which can trip before `MAX_DEPTH` is seen.
        if e.info() == "recursion limit exceeded" {
            return Err(too_deep(pos));
        }
        if let Some(column) = long_implicit_key(src, pos) {
            return Err(YamlFailure {
                pos: Pos {
                    line: pos.line,
                    column,
                },
                msg: format!("key longer than {MAX_KEY_BYTES} bytes"),
                syntax: false,
            });
        }
        let msg = if e.info() == TAB_AFTER_COLON {
            "YAML syntax error: tab after `:` (too many to repair; use a space)".to_string()
        } else {
            format!("YAML syntax error: {}", clip(e.info()))
        };
        return Err(YamlFailure {
            pos,
            msg,
            syntax: true,
        });
    }
}

/// YAML allows an implicit (`key: value`) key of at most 1024 characters, and yaml-rust2 reports a
/// longer one as a misplaced `:` at the key's end. When the text before the error on its line is
/// that long, this is the column where the key starts, for a message that says what is wrong.
fn long_implicit_key(src: &str, pos: Pos) -> Option<usize> {
    let line = java_lines(src).nth(pos.line.checked_sub(1)?)?;
    let before: String = line.chars().take(pos.column.saturating_sub(1)).collect();
    let key = before.trim_start_matches([' ', '\t', '-', '?']);
    (key.chars().count() > MAX_KEY_BYTES).then(|| before.chars().count() - key.chars().count() + 1)
}

fn too_deep(pos: Pos) -> YamlFailure {
    YamlFailure {
        pos,
        msg: format!("nesting deeper than {MAX_DEPTH} levels"),
        syntax: false,
    }
}

fn parse_once(src: &str) -> Result<Vec<YamlDoc>, Failure> {
    let mut parser = Parser::new_from_str(src);
    let mut builder = TreeBuilder::default();
    loop {
        let (ev, mark) = parser.next_token().map_err(Failure::Scan)?;
        let end = ev == Event::StreamEnd;
        builder.on_event(ev, mark);
        if let Some(pos) = builder.too_deep {
            return Err(Failure::TooDeep(pos));
        }
        if let Some(pos) = builder.too_many {
            return Err(Failure::TooMany(pos));
        }
        if end {
            return Ok(builder.docs);
        }
    }
}

/// `src` with the tabs just before character `char_index` (back to the `:`) made spaces, or `None`
/// when that spot does not look like `:<TAB>`.
fn untab_after_colon(src: &str, char_index: usize) -> Option<String> {
    let end = src
        .char_indices()
        .nth(char_index)
        .map_or(src.len(), |(b, _)| b);
    let before = src.get(..end)?;
    let gap = before.len() - before.trim_end_matches([' ', '\t']).len();
    let start = end - gap;
    if gap == 0 || !before.get(..start)?.ends_with(':') {
        return None;
    }
    let mut out = String::with_capacity(src.len());
    out.push_str(src.get(..start)?);
    out.push_str(&" ".repeat(gap));
    out.push_str(src.get(end..)?);
    Some(out)
}

// ------------------------------------------------------------------------------------------------
// Messages
// ------------------------------------------------------------------------------------------------

/// User text for a message: at most `QUOTE_CHARS` characters, control characters escaped.
fn clip(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().take(QUOTE_CHARS) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if s.chars().nth(QUOTE_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// A list of names for one message line: the first few, then how many more.
fn some(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut out = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        out.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    out
}

fn quote(s: &str) -> String {
    format!("`{}`", clip(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: usize, column: usize) -> Pos {
        Pos { line, column }
    }

    fn pairs(doc: &ConfigDoc) -> Vec<(&str, &str)> {
        doc.entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect()
    }

    fn entry<'a>(doc: &'a ConfigDoc, key: &str) -> &'a Entry {
        doc.entries
            .iter()
            .find(|e| e.key == key)
            .unwrap_or_else(|| panic!("no {key} in {:?}", pairs(doc)))
    }

    /// The rest of the line at `pos` in `text` (1-based, columns in characters).
    fn text_at(text: &str, pos: Pos) -> String {
        let line = java_lines(text.strip_prefix('\u{feff}').unwrap_or(text))
            .nth(pos.line - 1)
            .unwrap_or("");
        line.chars().skip(pos.column - 1).collect()
    }

    /// Every entry's key position shows the key as written there: the whole key or a tail of whole
    /// segments (the innermost key of a nested spelling), possibly quoted.
    fn assert_positions(text: &str, doc: &ConfigDoc) {
        for e in &doc.entries {
            let at_key = text_at(text, e.key_pos);
            let at_key = at_key.trim_start_matches(['"', '\'']);
            let tails = std::iter::once(e.key.as_str())
                .chain(e.key.match_indices('.').map(|(i, _)| &e.key[i + 1..]));
            let mut tails = tails;
            assert!(
                tails.any(|t| at_key.starts_with(&format!("{t}:"))
                    || at_key.starts_with(&format!("{t}\""))
                    || at_key.starts_with(&format!("{t}'"))),
                "key {} at {:?} shows {at_key:?}",
                e.key,
                e.key_pos
            );
        }
    }

    const FOUR: [(&str, &str); 4] = [
        ("job.autoscaler.enabled", "true"),
        ("job.autoscaler.utilization.target", "0.6"),
        ("job.autoscaler.metrics.window", "5 min"),
        ("job.autoscaler.scale-up.max-factor", "2"),
    ];

    fn assert_four(name: &str, text: &str, kind: ConfigKind) -> ConfigDoc {
        let doc = read(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.kind, kind, "{name}");
        for (key, value) in FOUR {
            let found: Vec<&Entry> = doc
                .entries
                .iter()
                .filter(|e| e.key.strip_prefix("kubernetes.operator.").unwrap_or(&e.key) == key)
                .collect();
            assert_eq!(found.len(), 1, "{name}: {key} in {:?}", pairs(&doc));
            assert_eq!(found[0].value, value, "{name}: {key}");
        }
        assert_positions(text, &doc);
        doc
    }

    // ---- fixtures: the same four options in every kind of file ----

    #[test]
    fn fixture_config_nested() {
        let text = include_str!("../../fixtures/config/config-nested.yaml");
        let doc = assert_four("config.yaml", text, ConfigKind::FlinkConfig);
        assert!(doc.resource.is_none());
    }

    #[test]
    fn fixture_config_flat() {
        let text = include_str!("../../fixtures/config/config-flat.yaml");
        assert_four("config-flat.yaml", text, ConfigKind::FlinkConfig);
    }

    #[test]
    fn fixture_legacy() {
        let text = include_str!("../../fixtures/config/flink-conf.yaml");
        assert_four(
            "fixtures/config/flink-conf.yaml",
            text,
            ConfigKind::LegacyFlinkConf,
        );
    }

    #[test]
    fn fixture_flinkdeployment() {
        let text = include_str!("../../fixtures/config/flinkdeployment.yaml");
        let doc = assert_four("flinkdeployment.yaml", text, ConfigKind::FlinkDeployment);
        let r = doc.resource.expect("resource");
        assert_eq!(r.kind, "FlinkDeployment");
        assert_eq!(r.name.as_deref(), Some("udf-bottleneck"));
        assert_eq!(r.namespace.as_deref(), Some("flink"));
        assert_eq!(r.flink_version.as_deref(), Some("v1_20"));
        assert_eq!(r.job_parallelism.as_deref(), Some("4"));
        assert!(doc
            .entries
            .iter()
            .all(|e| !e.key.starts_with("kubernetes.operator.")));
    }

    #[test]
    fn fixture_flinksessionjob() {
        let text = include_str!("../../fixtures/config/flinksessionjob.yaml");
        let doc = assert_four("flinksessionjob.yaml", text, ConfigKind::FlinkSessionJob);
        let r = doc.resource.expect("resource");
        assert_eq!(r.kind, "FlinkSessionJob");
        assert_eq!(r.namespace.as_deref(), Some("flink"));
        assert_eq!(r.job_parallelism.as_deref(), Some("4"));
    }

    #[test]
    fn fixture_helm_values() {
        let text = include_str!("../../fixtures/config/helm-values.yaml");
        let doc = assert_four("values.yaml", text, ConfigKind::HelmValues);
        let helm = doc.helm.as_ref().expect("helm");
        assert_eq!(helm.create.as_deref(), Some("true"));
        assert_eq!(helm.append.as_deref(), Some("true"));
        assert_eq!(helm.embedded, Some(ConfigKind::LegacyFlinkConf));
        assert!(doc
            .entries
            .iter()
            .any(|e| e.key == "kubernetes.operator.job.autoscaler.enabled"));
        // Positions land inside the block scalar, at the full (flat) key.
        for e in &doc.entries {
            assert!(text_at(text, e.key_pos).starts_with(&e.key), "{e:?}");
            assert!(text_at(text, e.value_pos).starts_with(&e.value), "{e:?}");
        }
    }

    // ---- Flink 2.x config.yaml ----

    #[test]
    fn nested_flat_and_mixed_keys_flatten_with_dots() {
        let text = "job:\n  autoscaler:\n    enabled: true\n    scale-up.max-factor: 2\njob.autoscaler.metrics.window: 5 min\ntaskmanager: {numberOfTaskSlots: 4}\n";
        let doc = read("c.yaml", text).unwrap();
        assert_eq!(doc.kind, ConfigKind::FlinkConfig);
        assert_eq!(
            pairs(&doc),
            vec![
                ("job.autoscaler.enabled", "true"),
                ("job.autoscaler.scale-up.max-factor", "2"),
                ("job.autoscaler.metrics.window", "5 min"),
                ("taskmanager.numberOfTaskSlots", "4"),
            ]
        );
    }

    #[test]
    fn positions_point_at_keys_and_values() {
        let text = "# comment\njob:\n  autoscaler:\n    enabled: true\n  \"quoted.key\": 'v'\n";
        let doc = read("c.yaml", text).unwrap();
        let e = entry(&doc, "job.autoscaler.enabled");
        assert_eq!(e.key_pos, pos(4, 5));
        assert_eq!(e.value_pos, pos(4, 14));
        let q = entry(&doc, "job.quoted.key");
        assert_eq!(q.key_pos, pos(5, 3));
        assert_eq!(q.value, "v");
        assert_eq!(doc.start, pos(2, 1));
    }

    #[test]
    fn quoting_follows_yaml() {
        let text = "a: 'it''s'\nb: \"tab\\there\"\nc: \"5 min\"\nd: plain text # comment\ne: \"on\"\nf: !!str on\n";
        let doc = read("c.yaml", text).unwrap();
        assert_eq!(
            pairs(&doc),
            vec![
                ("a", "it's"),
                ("b", "tab\there"),
                ("c", "5 min"),
                ("d", "plain text"),
                ("e", "on"),
                ("f", "on"),
            ]
        );
    }

    #[test]
    fn yaml_1_1_booleans_and_nulls_read_as_flink_sees_them() {
        let text = "a: yes\nb: Off\nc: TRUE\nd:\ne: ~\nf: 0.60\n";
        let doc = read("c.yaml", text).unwrap();
        assert_eq!(
            pairs(&doc),
            vec![
                ("a", "true"),
                ("b", "false"),
                ("c", "true"),
                ("d", ""),
                ("e", ""),
                ("f", "0.60"),
            ]
        );
        // The empty value points at its key, not at the next line.
        assert_eq!(entry(&doc, "d").value_pos, pos(4, 1));
    }

    #[test]
    fn lists_join_with_semicolons() {
        let text = "a: [x, y]\nb:\n  - one\n  - 'two;three'\n  - it's\nc: []\nd: [{name: f, path: /tmp/x}, [1, 2]]\n";
        let doc = read("c.yaml", text).unwrap();
        assert_eq!(
            pairs(&doc),
            vec![
                ("a", "x;y"),
                ("b", "one;'two;three';'it''s'"),
                ("c", ""),
                ("d", "[{name: f, path: /tmp/x}, [1, 2]]"),
            ]
        );
        assert_eq!(entry(&doc, "a").value_pos, pos(1, 4));
        assert_eq!(entry(&doc, "b").value_pos, pos(3, 3));
    }

    #[test]
    fn duplicates_are_kept_in_file_order() {
        let doc = read("c.yaml", "a: 1\nb: 2\na: 3\n").unwrap();
        assert_eq!(pairs(&doc), vec![("a", "1"), ("b", "2"), ("a", "3")]);
    }

    #[test]
    fn operator_prefix_is_kept() {
        let doc = read(
            "c.yaml",
            "kubernetes.operator:\n  job.autoscaler.enabled: true\n",
        )
        .unwrap();
        assert_eq!(
            pairs(&doc),
            vec![("kubernetes.operator.job.autoscaler.enabled", "true")]
        );
    }

    #[test]
    fn empty_file_is_an_empty_config() {
        for text in ["", "\n\n", "# only a comment\n", "---\n", "\u{feff}"] {
            let doc = read("c.yaml", text).unwrap();
            assert_eq!(doc.kind, ConfigKind::FlinkConfig, "{text:?}");
            assert!(doc.entries.is_empty());
            let all = read_all("c.yaml", text).unwrap();
            assert_eq!(all.len(), 1);
        }
    }

    #[test]
    fn bom_crlf_and_tabs_read_correctly() {
        let text = "\u{feff}job:\r\n  autoscaler:\r\n    enabled:\ttrue\r\n    metrics.window: 5 min\t# tab before comment\r\na:\t\"x\ty\"\r\n";
        let doc = read("c.yaml", text).unwrap();
        assert_eq!(
            pairs(&doc),
            vec![
                ("job.autoscaler.enabled", "true"),
                ("job.autoscaler.metrics.window", "5 min"),
                ("a", "x\ty"),
            ]
        );
        assert_eq!(entry(&doc, "job.autoscaler.enabled").key_pos, pos(3, 5));
        assert_eq!(entry(&doc, "job.autoscaler.enabled").value_pos, pos(3, 14));
        assert_eq!(entry(&doc, "a").key_pos, pos(5, 1));
    }

    #[test]
    fn many_tabs_after_colons_are_all_repaired() {
        let text: String = (0..200).map(|i| format!("k{i}:\tv{i}\n")).collect();
        let doc = read("c.yaml", &text).unwrap();
        assert_eq!(doc.entries.len(), 200);
        assert_eq!(entry(&doc, "k199").value, "v199");
    }

    #[test]
    fn tab_indentation_is_one_error_with_position() {
        let err = read("c.yaml", "job:\n\tautoscaler: 1\n").unwrap_err();
        assert_eq!((err.line, err.column), (Some(2), Some(2)));
        assert!(err.message.starts_with("YAML syntax error"), "{err}");
    }

    #[test]
    fn syntax_error_reports_yaml_rust2_position() {
        let err = read("config.yaml", "a: [1, 2\n").unwrap_err();
        assert_eq!((err.line, err.column), (Some(2), Some(1)));
        assert!(err.message.contains("flow sequence"), "{err}");
        assert!(err.message.len() < 120);
        assert_eq!(err.to_string(), format!("config.yaml:2:1: {}", err.message));
    }

    #[test]
    fn config_yaml_named_file_is_never_read_as_legacy() {
        let err = read("conf/config.yaml", "a: b: c\n").unwrap_err();
        assert!(err.message.starts_with("YAML syntax error"), "{err}");
    }

    #[test]
    fn bad_keys_are_errors() {
        let err = read("c.yaml", "? [a, b]\n: 1\n").unwrap_err();
        assert!(err.message.contains("key must be text"), "{err}");
        assert_eq!(err.line, Some(1));
        let err = read("c.yaml", "\"\": 1\n").unwrap_err();
        assert!(err.message.contains("empty key"), "{err}");
    }

    #[test]
    fn root_that_is_not_a_map_is_an_error() {
        let err = read("c.yaml", "- a\n- b\n").unwrap_err();
        assert!(err.message.contains("found a list"), "{err}");
        let err = read("c.yaml", "just words\n").unwrap_err();
        assert!(err.message.contains("`key: value`"), "{err}");
    }

    // ---- legacy flink-conf.yaml ----

    #[test]
    fn legacy_grammar_follows_flink_1x() {
        let text = "# header\n  job.autoscaler.enabled: true  \nkey   :   spaced\nquoted: \"5 min\"\nurl: http://host/a#fragment\ncolon: a: b\n\n   \t\nlast: x";
        let doc = read("conf/flink-conf.yaml", text).unwrap();
        assert_eq!(doc.kind, ConfigKind::LegacyFlinkConf);
        assert_eq!(
            pairs(&doc),
            vec![
                ("job.autoscaler.enabled", "true"),
                ("key", "spaced"),
                ("quoted", "\"5 min\""),
                ("url", "http://host/a"),
                ("colon", "a: b"),
                ("last", "x"),
            ]
        );
        let e = entry(&doc, "job.autoscaler.enabled");
        assert_eq!(e.key_pos, pos(2, 3));
        assert_eq!(e.value_pos, pos(2, 27));
        assert_eq!(entry(&doc, "key").value_pos, pos(3, 11));
    }

    #[test]
    fn legacy_bad_lines_are_errors_not_skipped() {
        let err = read("flink-conf.yaml", "a: 1\nkey:value\n").unwrap_err();
        assert_eq!((err.line, err.column), (Some(2), Some(1)));
        assert!(err.message.contains("would skip"), "{err}");
        assert!(err.hints.iter().any(|h| h.contains("space")));

        let err = read("flink-conf.yaml", "job:\n  autoscaler.enabled: true\n").unwrap_err();
        assert_eq!(err.line, Some(1));
        assert!(err.hints.iter().any(|h| h.contains("config.yaml")));

        let err = read("flink-conf.yaml", "  : value\n").unwrap_err();
        assert_eq!((err.line, err.column), (Some(1), Some(3)));

        let err = read("flink-conf.yaml", "  key:\t# nothing\n").unwrap_err();
        assert_eq!((err.line, err.column), (Some(1), Some(3)));
    }

    #[test]
    fn legacy_line_endings_and_bom() {
        let text = "\u{feff}a: 1\r\nb: 2\rc: 3\n";
        let doc = read("flink-conf.yaml", text).unwrap();
        assert_eq!(pairs(&doc), vec![("a", "1"), ("b", "2"), ("c", "3")]);
        assert_eq!(entry(&doc, "a").key_pos, pos(1, 1));
        assert_eq!(entry(&doc, "c").key_pos, pos(3, 1));
    }

    #[test]
    fn invalid_yaml_of_key_value_lines_reads_as_legacy() {
        let text = "a: b: c\nd: [unclosed\n";
        let doc = read("my.conf", text).unwrap();
        assert_eq!(doc.kind, ConfigKind::LegacyFlinkConf);
        assert_eq!(pairs(&doc), vec![("a", "b: c"), ("d", "[unclosed")]);
        assert!(doc.notes.iter().any(|n| n.contains("not valid YAML")));
    }

    #[test]
    fn invalid_yaml_that_is_not_legacy_either_is_the_yaml_error() {
        let err = read("my.yaml", "a: [1\nnot a line\n").unwrap_err();
        assert!(err.message.starts_with("YAML syntax error"), "{err}");
    }

    #[test]
    fn valid_yaml_without_the_legacy_name_is_config_yaml() {
        let doc = read("my.yaml", "a: 'x'\n").unwrap();
        assert_eq!(doc.kind, ConfigKind::FlinkConfig);
        assert_eq!(pairs(&doc), vec![("a", "x")]);
        let doc = read("flink-conf.yaml", "a: 'x'\n").unwrap();
        assert_eq!(pairs(&doc), vec![("a", "'x'")]);
    }

    // ---- Kubernetes resources ----

    const DEPLOYMENT: &str = "apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: web
  namespace: prod
spec:
  flinkVersion: v2_0
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: \"2\"
    job:
      autoscaler:
        enabled: true
    pipeline.classpaths: [a.jar, b.jar]
  job:
    parallelism: 8
";

    #[test]
    fn flinkdeployment_flat_and_nested_configuration() {
        let doc = read("d.yaml", DEPLOYMENT).unwrap();
        assert_eq!(doc.kind, ConfigKind::FlinkDeployment);
        assert_eq!(
            pairs(&doc),
            vec![
                ("taskmanager.numberOfTaskSlots", "2"),
                ("job.autoscaler.enabled", "true"),
                ("pipeline.classpaths", "a.jar;b.jar"),
            ]
        );
        assert_eq!(entry(&doc, "job.autoscaler.enabled").key_pos, pos(12, 9));
        let r = doc.resource.as_ref().expect("resource");
        assert_eq!(
            (
                r.kind.as_str(),
                r.name.as_deref(),
                r.namespace.as_deref(),
                r.flink_version.as_deref(),
                r.job_parallelism.as_deref()
            ),
            (
                "FlinkDeployment",
                Some("web"),
                Some("prod"),
                Some("v2_0"),
                Some("8")
            )
        );
        assert_eq!(r.job, Some(pos(14, 3)));
        let version = r.field("flinkVersion").expect("flinkVersion");
        assert_eq!(
            (version.value.as_str(), version.key_pos, version.value_pos),
            ("v2_0", pos(7, 3), pos(7, 17))
        );
        let p = r.field("job.parallelism").expect("parallelism");
        assert_eq!(
            (p.value.as_str(), p.quoted, p.value_pos),
            ("8", false, pos(15, 18))
        );
        assert!(r.field("taskManager.resource.cpu").is_none());
        assert_eq!(doc.start, pos(1, 1));
        assert_eq!(doc.label(), "FlinkDeployment `web` (line 1)");
    }

    #[test]
    fn resource_without_configuration_has_no_entries() {
        let text = "apiVersion: flink.apache.org/v1beta1\nkind: FlinkSessionJob\nmetadata:\n  name: j\nspec:\n  deploymentName: s\n";
        let doc = read("j.yaml", text).unwrap();
        assert_eq!(doc.kind, ConfigKind::FlinkSessionJob);
        assert!(doc.entries.is_empty());
        assert_eq!(doc.resource.unwrap().flink_version, None);
    }

    #[test]
    fn flink_configuration_must_be_a_map() {
        let text = "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nspec:\n  flinkConfiguration: |\n    a: 1\n";
        let err = read("d.yaml", text).unwrap_err();
        assert!(err.message.contains("must be a map"), "{err}");
        assert_eq!(err.line, Some(5));
    }

    #[test]
    fn multi_document_picks_the_flink_resource_and_notes_the_rest() {
        let text = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: b\n---\n{DEPLOYMENT}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web-rest\n---\n"
        );
        let doc = read("all.yaml", &text).unwrap();
        assert_eq!(doc.kind, ConfigKind::FlinkDeployment);
        assert_eq!(doc.start, pos(8, 1));
        assert_eq!(entry(&doc, "job.autoscaler.enabled").key_pos, pos(19, 9));
        let notes = doc.notes.join("\n");
        assert!(notes.contains("ConfigMap `extra` (line 1)"), "{notes}");
        assert!(notes.contains("Service `web-rest`"), "{notes}");
        assert_eq!(read_all("all.yaml", &text).unwrap().len(), 1);
        let every = read_documents("all.yaml", &text).unwrap();
        assert_eq!(every.docs.len(), 1);
        assert_eq!(
            every.skipped,
            ["ConfigMap `extra` (line 1)", "Service `web-rest` (line 24)"]
        );
    }

    #[test]
    fn two_resources_are_an_error_naming_both() {
        let second = DEPLOYMENT.replace("name: web", "name: api");
        let text = format!("{DEPLOYMENT}---\n{second}");
        let err = read("two.yaml", &text).unwrap_err();
        assert!(
            err.message.contains("FlinkDeployment `web` (line 1)"),
            "{err}"
        );
        assert!(
            err.message.contains("FlinkDeployment `api` (line 17)"),
            "{err}"
        );
        assert_eq!(err.line, Some(17));
        let all = read_all("two.yaml", &text).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            all[1].resource.as_ref().unwrap().name.as_deref(),
            Some("api")
        );
    }

    #[test]
    fn many_candidates_are_listed_briefly() {
        let text: String = (0..40).map(|i| format!("---\nk{i}: v\n")).collect();
        let err = read("many.yaml", &text).unwrap_err();
        assert!(err.message.starts_with("40 documents"), "{err}");
        assert!(err.message.contains("and 35 more"), "{err}");
    }

    #[test]
    fn only_unrelated_documents_is_an_error() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
        let err = read("cm.yaml", text).unwrap_err();
        assert!(err.message.contains("ConfigMap `c`"), "{err}");
        assert!(read_all("cm.yaml", text).unwrap().is_empty());
    }

    #[test]
    fn other_flink_kinds_are_skipped() {
        let text = "apiVersion: flink.apache.org/v1beta1\nkind: FlinkStateSnapshot\nmetadata:\n  name: s\n---\na: 1\n";
        let doc = read("x.yaml", text).unwrap();
        assert_eq!(doc.kind, ConfigKind::FlinkConfig);
        assert!(doc
            .notes
            .iter()
            .any(|n| n.contains("FlinkStateSnapshot `s`")));
    }

    // ---- Helm values ----

    #[test]
    fn helm_config_yaml_positions_map_to_the_outer_file() {
        let text = "image:\n  tag: x\ndefaultConfiguration:\n  create: true\n  append: false\n  config.yaml: |+\n\n    kubernetes.operator:\n      job.autoscaler:\n        enabled: true\n    # comment\n    job.autoscaler.metrics.window: 5 min\n  log4j-operator.properties: |+\n    rootLogger.level = DEBUG\n";
        let doc = read("values.yaml", text).unwrap();
        assert_eq!(doc.kind, ConfigKind::HelmValues);
        assert_eq!(
            pairs(&doc),
            vec![
                ("kubernetes.operator.job.autoscaler.enabled", "true"),
                ("job.autoscaler.metrics.window", "5 min"),
            ]
        );
        let e = entry(&doc, "kubernetes.operator.job.autoscaler.enabled");
        assert_eq!(e.key_pos, pos(10, 9));
        assert_eq!(e.value_pos, pos(10, 18));
        assert_eq!(
            entry(&doc, "job.autoscaler.metrics.window").key_pos,
            pos(12, 5)
        );
        let helm = doc.helm.unwrap();
        assert_eq!(helm.embedded, Some(ConfigKind::FlinkConfig));
        assert_eq!(helm.append.as_deref(), Some("false"));
    }

    #[test]
    fn helm_errors_inside_the_block_map_to_the_outer_file() {
        let text = "defaultConfiguration:\n  flink-conf.yaml: |+\n    a: 1\n    bad line\n";
        let err = read("values.yaml", text).unwrap_err();
        assert_eq!((err.line, err.column), (Some(4), Some(5)));
        let text = "defaultConfiguration:\n  config.yaml: |+\n    a: 1\n     b: 2\n";
        let err = read("values.yaml", text).unwrap_err();
        assert!(err.message.contains("embedded config.yaml"), "{err}");
        assert_eq!((err.line, err.column), (Some(4), Some(7)));
    }

    #[test]
    fn helm_prefers_flink_conf_yaml_like_the_chart() {
        let text = "defaultConfiguration:\n  create: no\n  config.yaml: |+\n    a: 1\n  flink-conf.yaml: |+\n    b: 2\n";
        let doc = read("values.yaml", text).unwrap();
        assert_eq!(pairs(&doc), vec![("b", "2")]);
        let notes = doc.notes.join("\n");
        assert!(notes.contains("config.yaml (line 3) is ignored"), "{notes}");
        assert!(notes.contains("create is false"), "{notes}");
    }

    #[test]
    fn helm_without_embedded_file_and_quoted_embedding() {
        let doc = read("values.yaml", "defaultConfiguration:\n  create: true\n").unwrap();
        assert!(doc.entries.is_empty());
        assert_eq!(doc.helm.unwrap().embedded, None);
        // A quoted embedding cannot map line by line: positions fall back to the scalar.
        let doc = read(
            "values.yaml",
            "defaultConfiguration:\n  flink-conf.yaml: \"a: 1\\nb: 2\"\n",
        )
        .unwrap();
        assert_eq!(pairs(&doc), vec![("a", "1"), ("b", "2")]);
        assert_eq!(entry(&doc, "b").key_pos, pos(2, 20));
    }

    #[test]
    fn describe_names_every_kind() {
        assert_eq!(ConfigKind::FlinkConfig.describe(), "Flink config.yaml");
        assert_eq!(
            ConfigKind::LegacyFlinkConf.describe(),
            "Flink flink-conf.yaml"
        );
        assert_eq!(
            ConfigKind::FlinkDeployment.describe(),
            "FlinkDeployment spec.flinkConfiguration"
        );
        assert_eq!(
            ConfigKind::FlinkSessionJob.describe(),
            "FlinkSessionJob spec.flinkConfiguration"
        );
        assert_eq!(
            ConfigKind::HelmValues.describe(),
            "Helm values defaultConfiguration"
        );
    }

    // ---- hostile input ----

    #[test]
    fn long_key_with_many_children_is_refused_at_the_key() {
        let mut text = format!("\"{}\":\n", "k".repeat(1 << 20));
        for i in 0..3000 {
            text.push_str(&format!("  c{i}: 1\n"));
        }
        let err = read("c.yaml", &text).unwrap_err();
        assert_eq!((err.line, err.column), (Some(1), Some(1)));
        assert!(err.message.contains("longer than 1024"), "{}", err.message);
        assert!(err.message.len() < 200);
    }

    #[test]
    fn long_flat_key_and_long_legacy_key_are_refused() {
        let key = "a".repeat(MAX_KEY_BYTES + 1);
        let err = read("c.yaml", &format!("  x:\n    {key}: 1\n")).unwrap_err();
        assert!(err.message.contains("longer than 1024"), "{}", err.message);
        assert_eq!((err.line, err.column), (Some(2), Some(5)));
        let err = read("c.yaml", &format!("? {key}\n: 1\n")).unwrap_err();
        assert!(err.message.contains("longer than 1024"), "{}", err.message);
        let err = read("flink-conf.yaml", &format!("{key}: 1\n")).unwrap_err();
        assert!(err.message.contains("longer than 1024"), "{}", err.message);
        // Exactly at the limit is fine.
        let ok = "b".repeat(MAX_KEY_BYTES);
        assert_eq!(
            read("flink-conf.yaml", &format!("{ok}: 1\n"))
                .unwrap()
                .entries
                .len(),
            1
        );
    }

    #[test]
    fn more_options_than_flink_has_are_refused_at_the_first_extra() {
        let mut text = String::new();
        for i in 0..=MAX_OPTIONS {
            text.push_str(&format!("k{i}: v\n"));
        }
        for name in ["c.yaml", "flink-conf.yaml"] {
            let err = read(name, &text).unwrap_err();
            assert_eq!(
                (err.line, err.column),
                (Some(MAX_OPTIONS + 1), Some(1)),
                "{name}: {err}"
            );
            assert!(err.message.starts_with("more than 10000 options"), "{err}");
        }
        // Spread over documents, too.
        let half: String = (0..MAX_OPTIONS / 2 + 1)
            .map(|i| format!("k{i}: v\n"))
            .collect();
        let docs = format!("{half}---\n{half}");
        let err = read_all("c.yaml", &docs).unwrap_err();
        assert!(err.message.starts_with("more than 10000 options"), "{err}");
        text.truncate(text.rfind("k10000").unwrap());
        assert_eq!(read("c.yaml", &text).unwrap().entries.len(), MAX_OPTIONS);
    }

    #[test]
    fn more_yaml_nodes_than_any_configuration_has_are_refused() {
        let text = format!("x:\n{}", "- a\n".repeat(MAX_NODES));
        let err = read("c.yaml", &text).unwrap_err();
        // The root map, `x` and the list are three nodes: item MAX_NODES - 2 is one too many.
        assert_eq!(
            (err.line, err.column),
            (Some(MAX_NODES - 1), Some(3)),
            "{err}"
        );
        assert!(
            err.message.starts_with("more than 250000 YAML nodes"),
            "{err}"
        );
        let text = format!("x: [{}]\n", "1,".repeat(MAX_NODES / 2));
        assert_eq!(read("c.yaml", &text).unwrap().entries.len(), 1);
    }

    #[test]
    fn expansion_beyond_the_budget_is_refused() {
        let parent = "p".repeat(1000);
        let mut text = format!("\"{parent}\":\n");
        // Fewer than MAX_OPTIONS: the bytes run out first.
        for i in 0..9_000 {
            text.push_str(&format!(" {i}: 1\n"));
        }
        let err = read("c.yaml", &text).unwrap_err();
        assert!(
            err.message.contains("times the file's size"),
            "{}",
            err.message
        );
    }

    #[test]
    fn deep_nesting_is_refused_at_its_position() {
        let mut text = String::new();
        for depth in 0..100 {
            text.push_str(&format!("{}k{depth}:\n", " ".repeat(depth)));
        }
        text.push_str(&format!("{}leaf: 1\n", " ".repeat(100)));
        let err = read("c.yaml", &text).unwrap_err();
        assert!(err.message.contains("deeper than 64"), "{}", err.message);
        assert_eq!((err.line, err.column), (Some(64), Some(64)));

        let flow = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let err = read("c.yaml", &flow).unwrap_err();
        assert!(err.message.contains("deeper than 64"), "{}", err.message);
        assert_eq!(err.line, Some(1));

        let ok = format!(
            "a: {}1{}\n",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(read("c.yaml", &ok).is_ok());
    }

    #[test]
    fn alias_bomb_is_refused_without_expanding() {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..30 {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let started = std::time::Instant::now();
        let err = read("c.yaml", &text).unwrap_err();
        assert!(err.message.contains("aliases"), "{}", err.message);
        assert_eq!(err.line, Some(2));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let err = read("c.yaml", "base: &b {x: 1}\nother:\n  <<: *b\n").unwrap_err();
        assert!(err.message.contains("aliases"), "{}", err.message);
    }

    #[test]
    fn aliases_outside_the_options_are_ignored() {
        let text = DEPLOYMENT.replace(
            "spec:\n",
            "  labels: &l {app: web}\n  annotations: *l\nspec:\n",
        );
        let doc = read("d.yaml", &text).unwrap();
        assert_eq!(doc.entries.len(), 3);
    }

    #[test]
    fn long_user_text_is_clipped_in_messages() {
        let junk = "x".repeat(10_000);
        let err = read("flink-conf.yaml", &format!("{junk}\n")).unwrap_err();
        assert!(err.message.len() < 200, "{}", err.message.len());
        let err = read("c.yaml", &format!("a: 1\n---\n{junk}: [\n")).unwrap_err();
        assert!(err.message.len() < 200, "{}", err.message.len());
    }

    #[test]
    fn garbage_never_panics() {
        let samples = [
            "\u{0}\u{1}: \u{7f}",
            "? ? ? ?",
            "- - - -\t-",
            "&a &b *c",
            "%YAML 1.2\n%TAG ! x\n--- !x\n",
            "a: |9\n x\n",
            "'unterminated",
            "{a: [b, {c: d}, e]",
            "key: \"\\uD800\"",
            "\r\r\r\n\n\t",
            ":\t\t\t\t",
            "defaultConfiguration: [1]",
            "defaultConfiguration:\n  config.yaml: [1]\n",
            "defaultConfiguration:\n  config.yaml: |\n    - a\n",
            "defaultConfiguration:\n  flink-conf.yaml: *x\n",
            "kind: FlinkDeployment\nspec:\n  flinkConfiguration: *x\n",
            "kind: FlinkDeployment\nspec:\n  flinkConfiguration:\n    a: &x 1\n    b: *x\n",
        ];
        for s in samples {
            for name in ["c.yaml", "flink-conf.yaml", "config.yaml"] {
                let _ = read(name, s);
                let _ = read_all(name, s);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        #[test]
        fn random_input_never_panics(s in "[a-z0-9:#\\-\\[\\]{}&*!|>'\" \t\r\n.,?%@`~\u{feff}é]{0,160}") {
            for name in ["c.yaml", "flink-conf.yaml"] {
                let _ = read(name, &s);
            }
            let helm = format!("defaultConfiguration:\n  config.yaml: |+\n    {}\n", s.replace('\n', "\n    "));
            let _ = read("values.yaml", &helm);
        }
    }
}
