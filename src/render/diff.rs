//! Unified diffs of a file before and after an edit (the `similar` crate).

use similar::TextDiff;

/// A unified diff with three lines of context, `a/` and `b/` headers as git prints them.
pub fn unified(path: &str, before: &str, after: &str) -> String {
    TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn shows_only_the_changed_line() {
        let d = super::unified("p.json", "a\nb\nc\n", "a\nB\nc\n");
        assert_eq!(
            d,
            "--- a/p.json\n+++ b/p.json\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
        );
    }
}
