//! Temporary stand-in for `settings::file` while it is written (flat and nested YAML only).
use crate::error::InputError;
use crate::model::Pos;

pub enum ConfigKind {
    FlinkConfig,
}
impl ConfigKind {
    pub fn describe(&self) -> &'static str {
        "Flink config.yaml"
    }
}
pub struct Resource {
    pub kind: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
}
pub struct Entry {
    pub key: String,
    pub value: String,
    pub key_pos: Pos,
}
pub struct ConfigDoc {
    pub kind: ConfigKind,
    pub resource: Option<Resource>,
    pub entries: Vec<Entry>,
}
pub fn read(file: &str, text: &str) -> Result<ConfigDoc, InputError> {
    let entries = super::parse_config(file, text)?
        .into_iter()
        .map(|(key, value)| Entry {
            key,
            value,
            key_pos: Pos { line: 1, column: 1 },
        })
        .collect();
    Ok(ConfigDoc {
        kind: ConfigKind::FlinkConfig,
        resource: None,
        entries,
    })
}
