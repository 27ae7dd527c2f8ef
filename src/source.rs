//! Positions in a source file: the leaf every reader, error and diagnostic shares.
//!
//! `Pos` is what an error or a finding points at (1-based line, character column); `LineIndex`
//! turns byte offsets into positions in O(log lines), also on one very long line (a minified plan).
//! This module imports nothing from the crate, so `error`, `json` and `model` can all use it
//! without depending on each other.

/// A 1-based line and character column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    /// Position of byte `offset` in `text`; for one-off lookups (readers keep a [`LineIndex`]).
    pub fn of_offset(text: &str, offset: usize) -> Pos {
        LineIndex::new(text).pos(offset)
    }
}

/// Maps byte offsets to 1-based line and character column in O(log lines), also on very long
/// lines (a minified plan is one line): columns are counted from the nearest checkpoint.
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    /// (byte offset, characters before it), about every `CHECKPOINT_BYTES`, on char boundaries.
    checkpoints: Vec<(usize, usize)>,
}

const CHECKPOINT_BYTES: usize = 4096;

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut checkpoints = vec![(0, 0)];
        let (mut last, mut chars) = (0, 0);
        let mut at = CHECKPOINT_BYTES;
        while at < text.len() {
            while !text.is_char_boundary(at) {
                at += 1;
            }
            chars += text[last..at].chars().count();
            checkpoints.push((at, chars));
            last = at;
            at += CHECKPOINT_BYTES;
        }
        LineIndex {
            text,
            line_starts,
            checkpoints,
        }
    }

    /// Characters before byte `offset` (a char boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let i = self.checkpoints.partition_point(|&(b, _)| b <= offset) - 1;
        let (b, c) = self.checkpoints[i];
        c + self.text[b..offset].chars().count()
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let end = offset.min(self.text.len());
        let column = if self.text.is_char_boundary(end) {
            self.chars_before(end) - self.chars_before(start)
        } else {
            end - start
        } + 1;
        Pos {
            line: line + 1,
            column,
        }
    }
}
