//! The flags `recommend` and `simulate` share to say which autoscaler, with which options: one
//! declaration, flattened into both, so the two commands cannot drift apart.

use clap::{Args, ValueEnum};

use planscale::error::UsageError;
use planscale::scaler::Version;
use planscale::settings::{self, ConfigDoc, Setting, SettingWarning};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AutoscalerVersion {
    #[value(name = "1.15")]
    V1_15,
    #[value(name = "1.16")]
    V1_16,
    Main,
}

impl AutoscalerVersion {
    pub(crate) fn version(self) -> Version {
        match self {
            AutoscalerVersion::V1_15 => Version::V1_15,
            AutoscalerVersion::V1_16 => Version::V1_16,
            AutoscalerVersion::Main => Version::Main,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct ScalingArgs {
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Which release of the Flink Kubernetes operator's autoscaler to reproduce
    #[arg(long, value_enum, default_value_t = AutoscalerVersion::V1_16)]
    pub flink_autoscaler_version: AutoscalerVersion,
}

/// `-D` and `--config`: the Flink options a command reads, from the command line and a file
/// (`recommend`, `simulate`, `recommend batch`).
#[derive(Debug, Args)]
pub(crate) struct SettingsArgs {
    /// A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads
    /// them: a duration without a unit is milliseconds
    #[arg(short = 'D', long = "define", value_name = "KEY=VALUE")]
    pub defines: Vec<String>,
    /// Options from a Flink config.yaml (flat or nested), a flink-conf.yaml, a FlinkDeployment or
    /// FlinkSessionJob (spec.flinkConfiguration) or the operator's Helm values
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
}

impl SettingsArgs {
    /// The file these flags name (`--config`), for `io::refuse_same_files`.
    pub(crate) fn inputs(&self) -> impl Iterator<Item = planscale::io::Named<'_>> {
        self.config
            .as_deref()
            .map(|p| planscale::io::Named::input("--config", p))
            .into_iter()
    }

    /// The `--config` settings (and document), then the `-D` ones.
    pub(crate) fn load(&self) -> anyhow::Result<(Vec<Setting>, Option<ConfigDoc>, Vec<Setting>)> {
        let (config, config_doc) = match &self.config {
            Some(path) => {
                let (s, doc) = settings::read_config_file(path)?;
                (s, Some(doc))
            }
            None => (Vec::new(), None),
        };
        let defines = settings::parse_defines(&self.defines).map_err(UsageError)?;
        Ok((config, config_doc, defines))
    }
}

/// What the shared flags hold once read.
pub(crate) struct LoadedSettings {
    /// From `--config`, in file order.
    pub config: Vec<Setting>,
    /// The `--config` document (resource name, kind), when given.
    pub config_doc: Option<ConfigDoc>,
    /// From `-D`, in order.
    pub defines: Vec<Setting>,
    pub version: Version,
}

impl ScalingArgs {
    /// The file these flags name (`--config`), for `io::refuse_same_files`.
    pub(crate) fn inputs(&self) -> impl Iterator<Item = planscale::io::Named<'_>> {
        self.settings.inputs()
    }

    pub(crate) fn load(&self) -> anyhow::Result<LoadedSettings> {
        let (config, config_doc, defines) = self.settings.load()?;
        Ok(LoadedSettings {
            config,
            config_doc,
            defines,
            version: self.flink_autoscaler_version.version(),
        })
    }
}

/// Prints setting warnings, each once.
pub(crate) fn print_warnings(warnings: &[SettingWarning]) {
    let mut seen = Vec::new();
    for w in warnings {
        let line = w.to_string();
        if !seen.contains(&line) {
            eprintln!("warning: {line}");
            seen.push(line);
        }
    }
}
