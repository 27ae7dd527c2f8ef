//! GitHub Actions workflow-command output of `plan validate` and `config validate`.
//!
//! One line per diagnostic, `::error file=F,line=L,col=C,title=RULE::MSG` (`::warning` for
//! warnings), so the findings show as annotations on the files. A file that could not be read
//! gives one `::error file=F::MSG` line (with `line`/`col` where the position is known). Nothing
//! else is printed: the runner parses every stdout line. Values are escaped as the runner
//! expects: `%`, CR and LF everywhere, plus `:` and `,` in properties.

use crate::diagnostic::Severity;
use crate::render::annotate::{plan_run, Run};
use crate::render::validate::FileResult;

/// `plan validate`'s annotations.
pub fn render(results: &[FileResult<'_>]) -> String {
    annotations(&plan_run(results))
}

/// One workflow command per finding of the run, one `::error` per unreadable file.
pub fn annotations(run: &Run<'_>) -> String {
    let mut out = String::new();
    for t in &run.targets {
        match &t.outcome {
            Ok(findings) => {
                for f in findings {
                    let d = f.diagnostic;
                    out.push_str(&command(
                        command_name(d.severity),
                        t.path,
                        Some(d.pos.line),
                        Some(d.pos.column),
                        Some(d.rule.name()),
                        &d.message,
                    ));
                }
            }
            Err(e) => {
                let mut msg = e.message.clone();
                for h in &e.hints {
                    msg.push_str("\nhint: ");
                    msg.push_str(h);
                }
                out.push_str(&command("error", t.path, e.line, e.column, None, &msg));
            }
        }
    }
    out
}

/// The workflow command for a severity.
pub(crate) fn command_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// One `::name file=..,line=..,col=..,title=..::message` line, newline-terminated. A line or
/// column of 0 (unknown) is left out, and so is the column when the line is.
fn command(
    name: &str,
    file: &str,
    line: Option<usize>,
    column: Option<usize>,
    title: Option<&str>,
    message: &str,
) -> String {
    let mut props = vec![format!("file={}", escape_property(file))];
    if let Some(line) = line.filter(|&l| l > 0) {
        props.push(format!("line={line}"));
        if let Some(col) = column.filter(|&c| c > 0) {
            props.push(format!("col={col}"));
        }
    }
    if let Some(title) = title {
        props.push(format!("title={}", escape_property(title)));
    }
    format!("::{name} {}::{}\n", props.join(","), escape_data(message))
}

/// Escapes a command's message: `%`, CR and LF.
pub(crate) fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value: as a message, plus `:` and `,` (after `%`, so the `%` these
/// introduce is not escaped again).
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diagnostic, Rule};
    use crate::error::InputError;
    use crate::model::Pos;
    use crate::rules::Report;

    use crate::render::test_support::report;

    fn file<'a>(plan: &'a str, outcome: Result<Report, InputError>) -> FileResult<'a> {
        FileResult {
            deny_warnings: false,
            plan,
            graph: None,
            format: Some("blink"),
            max_cu: None,
            nodes: 1,
            outcome,
        }
    }

    fn pos(line: usize, column: usize) -> Pos {
        Pos { line, column }
    }

    #[test]
    fn escapes_messages() {
        assert_eq!(escape_data("plain text"), "plain text");
        assert_eq!(escape_data("100% a:b, c"), "100%25 a:b, c");
        assert_eq!(escape_data("one\r\ntwo\nthree"), "one%0D%0Atwo%0Athree");
        // `%` first: an already escaped-looking sequence is escaped again, not passed through.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn escapes_properties() {
        assert_eq!(escape_property("jobs/a.plan.json"), "jobs/a.plan.json");
        assert_eq!(
            escape_property("C:\\x,y%\n\r.json"),
            "C%3A\\x%2Cy%25%0A%0D.json"
        );
    }

    #[test]
    fn levels() {
        assert_eq!(command_name(Severity::Error), "error");
        assert_eq!(command_name(Severity::Warning), "warning");
    }

    #[test]
    fn one_line_per_diagnostic() {
        let diags = vec![
            Diagnostic::new(
                Rule::NodeMissing,
                pos(41, 5),
                "node 9 (\"a, b: c\") does not exist",
            ),
            Diagnostic::new(Rule::EdgeMismatch, pos(92, 6), "100% REBALANCE\nnot HASH"),
            Diagnostic::new(Rule::ChainMismatch, pos(3, 1), "softened").warning(),
        ];
        let out = render(&[file("jobs/a,b:c.plan.json", Ok(report(diags)))]);
        assert_eq!(
            out,
            "::error file=jobs/a%2Cb%3Ac.plan.json,line=41,col=5,title=node-missing::node 9 (\"a, b: c\") does not exist\n\
             ::warning file=jobs/a%2Cb%3Ac.plan.json,line=92,col=6,title=edge-mismatch::100%25 REBALANCE%0Anot HASH\n\
             ::warning file=jobs/a%2Cb%3Ac.plan.json,line=3,col=1,title=chain-mismatch::softened\n"
        );
    }

    #[test]
    fn unreadable_files_and_clean_files() {
        let at =
            InputError::at("bad.json", pos(2, 9), "expected a value").hint("a comma too many?");
        let out = render(&[
            file("ok.json", Ok(report(vec![]))),
            file("bad.json", Err(at)),
            file(
                "gone.json",
                Err(InputError::new("gone.json", "no such file")),
            ),
        ]);
        assert_eq!(
            out,
            "::error file=bad.json,line=2,col=9::expected a value%0Ahint: a comma too many?\n\
             ::error file=gone.json::no such file\n"
        );
        assert_eq!(render(&[file("ok.json", Ok(report(vec![])))]), "");
    }

    #[test]
    fn unknown_positions_are_left_out() {
        let d = Diagnostic::new(Rule::PlanStructure, pos(0, 0), "m");
        assert_eq!(
            render(&[file("p.json", Ok(report(vec![d])))]),
            "::error file=p.json,title=plan-structure::m\n"
        );
    }
}
