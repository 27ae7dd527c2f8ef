//! What the annotation formats (SARIF, GitHub workflow commands) are made from, whichever command
//! found it: per input file, its findings with the properties SARIF carries for them, or the
//! error that made the file unreadable. `plan validate` and `config validate` each build these
//! from their own results, so both formats stay one implementation.

use serde_json::{json, Map, Value};

use crate::diagnostic::{Diagnostic, Family};
use crate::error::InputError;
use crate::render::validate::FileResult;

/// One analysed input file.
pub struct Target<'a> {
    pub path: &'a str,
    pub outcome: Result<Vec<Finding<'a>>, &'a InputError>,
}

/// One diagnostic with the SARIF `properties` of its result.
pub struct Finding<'a> {
    pub diagnostic: &'a Diagnostic,
    pub properties: Map<String, Value>,
}

/// A run of one command: its rule family, its files, and the files it only read (`--graph`).
pub struct Run<'a> {
    pub family: Family,
    pub targets: Vec<Target<'a>>,
    pub referenced: Vec<&'a str>,
}

/// `plan validate`'s results: node, edge and the console's verdict as properties.
pub fn plan_run<'a>(results: &'a [FileResult<'a>]) -> Run<'a> {
    let targets = results
        .iter()
        .map(|r| Target {
            path: r.plan,
            outcome: match &r.outcome {
                Ok(rep) => Ok(rep
                    .diagnostics
                    .iter()
                    .map(|d| {
                        let mut props = Map::new();
                        if let Some(node) = &d.node {
                            props.insert("node".into(), json!(node));
                        }
                        if let Some(edge) = &d.edge {
                            props.insert("edge".into(), json!(edge));
                        }
                        props.insert(
                            "resource_validate_failed".into(),
                            json!(r.console_rejects(d)),
                        );
                        Finding {
                            diagnostic: d,
                            properties: props,
                        }
                    })
                    .collect()),
                Err(e) => Err(e),
            },
        })
        .collect();
    Run {
        family: Family::Plan,
        targets,
        referenced: results.iter().find_map(|r| r.graph).into_iter().collect(),
    }
}
