//! Property tests of byte-exact chain cutting on generated Blink plans with random formatting:
//! indent width, compact or spaced colons, comments, unknown keys, key order, number spellings.
//! A cut followed by its inverse gives the input back byte for byte, and the lines that change
//! all belong to the nodes that were cut.

use planscale::model::ChainingStrategy;
use planscale::plan::{self, break_chain, edit};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Style {
    indent: usize, // 0 = everything on one line
    colon: &'static str,
    comments: bool,
    unknown_keys: bool,
    final_newline: bool,
    strategy_null: bool,
}

#[derive(Debug, Clone)]
struct Node {
    keys: Vec<usize>, // order of the optional keys
}

fn style() -> impl Strategy<Value = Style> {
    (
        0usize..5,
        prop::sample::select(vec![":", ": ", " : ", " :"]),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(indent, colon, comments, unknown_keys, final_newline, strategy_null)| Style {
                indent,
                colon,
                comments,
                unknown_keys,
                final_newline,
                strategy_null,
            },
        )
}

/// Renders a linear job of `nodes.len()` operators (node 1 a source) in the given style.
fn render(st: &Style, nodes: &[Node]) -> String {
    let nl = if st.indent == 0 {
        String::new()
    } else {
        "\n".to_string()
    };
    let ind = |level: usize| {
        if st.indent == 0 {
            " ".to_string()
        } else {
            " ".repeat(st.indent * level)
        }
    };
    let kv = |k: &str, v: &str| format!("\"{k}\"{}{v}", st.colon);
    let mut s = String::new();
    if st.comments {
        s.push_str("// acquired by hand\n");
    }
    s.push('{');
    s.push_str(&nl);
    s.push_str(&format!("{}{}[", ind(1), kv("nodes", "").trim_end()));
    let n = nodes.len();
    for (i, node) in nodes.iter().enumerate() {
        let id = i + 1;
        let mut props = vec![kv("id", &id.to_string())];
        let optional = [
            kv("name", &format!("\"op {id}\"")),
            kv(
                "pact",
                if i == 0 {
                    "\"Source\""
                } else if i + 1 == n {
                    "\"Sink\""
                } else {
                    "\"Operator\""
                },
            ),
            kv("parallelism", if id % 2 == 0 { "4" } else { "4.0" }),
            kv("vcore", if id % 3 == 0 { "2.5e-1" } else { "0.25" }),
            kv("heap_memory", "256"),
        ];
        for &k in &node.keys {
            props.push(optional[k].clone());
        }
        if i == 0 {
            props.push(kv("chainingStrategy", "\"HEAD\""));
        } else if st.strategy_null && i == 1 {
            props.push(kv("chainingStrategy", "\"null\""));
        }
        if st.unknown_keys {
            props.push(kv("lock", "[ \"parallelism\" ]"));
            props.push(kv("x_custom", "{ \"a\" : 1e3 }"));
        }
        if i > 0 {
            s.push(',');
        }
        s.push_str(&nl);
        s.push_str(&format!("{}{{", ind(2)));
        for (k, p) in props.iter().enumerate() {
            if k > 0 {
                s.push(',');
                if st.comments && k == 2 {
                    s.push_str(" // note");
                    if st.indent == 0 {
                        s.push('\n');
                    }
                }
            }
            s.push_str(&nl);
            s.push_str(&format!("{}{p}", ind(3)));
        }
        s.push_str(&nl);
        s.push_str(&format!("{}}}", ind(2)));
    }
    s.push_str(&nl);
    s.push_str(&format!("{}],", ind(1)));
    s.push_str(&nl);
    s.push_str(&format!("{}{}[", ind(1), kv("links", "").trim_end()));
    for i in 1..n {
        if i > 1 {
            s.push(',');
        }
        let comment = if st.comments { "/* fwd */ " } else { "" };
        s.push_str(&format!(
            " {{ {}, {comment}{} }}",
            kv("source", &i.to_string()),
            kv("target", &(i + 1).to_string())
        ));
    }
    s.push_str(" ]");
    s.push_str(&nl);
    s.push('}');
    if st.final_newline {
        s.push('\n');
    }
    s
}

fn nodes() -> impl Strategy<Value = Vec<Node>> {
    prop::collection::vec(
        Just(vec![0usize, 1, 2, 3, 4])
            .prop_shuffle()
            .prop_map(|keys| Node { keys }),
        3..8,
    )
}

/// Line index (0-based) of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cut_is_byte_exact_and_reversible(st in style(), nodes in nodes(), pick in 0usize..100, after_sources in any::<bool>()) {
        let text = render(&st, &nodes);
        let p = plan::read("p.json", &text, None).unwrap_or_else(|e| panic!("{e}\n{text}"));
        prop_assert!(p.findings.is_empty(), "{:?}\n{text}", p.findings);
        let request = if after_sources {
            break_chain::Request::AfterSources
        } else {
            // Any node but the source and the one right after it (cut there is the same edit).
            let id = 2 + pick % (nodes.len() - 1);
            break_chain::Request::Nodes(vec![id.to_string()])
        };
        let cuts = break_chain::plan_cuts(&p, &request).unwrap();
        let edited = edit::apply("p.json", &text, &break_chain::edits(&p, &cuts)).unwrap();

        // Reverting the changed fields gives back the input, byte for byte.
        let reverted = edit::splice_all(&edited.text, &edit::inverse(&text, &edited.splices));
        prop_assert_eq!(&reverted, &text);

        // The edited plan reads back with exactly the cut nodes changed to HEAD.
        let q = plan::read("p.json", &edited.text, None).unwrap_or_else(|e| panic!("{e}\n{}", edited.text));
        for (i, (a, b)) in p.job.operators.iter().zip(&q.job.operators).enumerate() {
            let cut = cuts.iter().any(|c| c.node == i);
            if cut {
                prop_assert_eq!(b.chaining, Some(ChainingStrategy::Head));
            } else {
                prop_assert_eq!(a.chaining, b.chaining);
            }
            prop_assert_eq!(&a.name, &b.name);
            prop_assert_eq!(&a.parallelism, &b.parallelism);
            prop_assert_eq!(&a.resources, &b.resources);
        }
        prop_assert_eq!(q.job.edges.len(), p.job.edges.len());

        // Every changed line lies inside a cut node's object.
        let ranges: Vec<(usize, usize)> = cuts
            .iter()
            .map(|c| {
                let start = p.job.operators[c.node].offset;
                let end = start + text[start..].find('}').unwrap();
                (line_of(&text, start), line_of(&text, end))
            })
            .collect();
        let diff = similar::TextDiff::from_lines(&text, &edited.text);
        for op in diff.ops() {
            let r = op.old_range();
            if matches!(op.tag(), similar::DiffTag::Equal) {
                continue;
            }
            let (first, last) = if r.is_empty() { (r.start.saturating_sub(1), r.start) } else { (r.start, r.end - 1) };
            prop_assert!(
                ranges.iter().any(|&(s, e)| s <= first && last <= e),
                "change at old lines {first}..={last} outside the cut nodes {ranges:?}\n{}",
                edited.text
            );
        }
    }
}
