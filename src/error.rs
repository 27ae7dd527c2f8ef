//! Errors that make an input unusable (exit code 2).
//!
//! A diagnostic is a finding about a plan that was read successfully; an `InputError` means the
//! file could not be read as a plan or graph at all. Callers branch on this type to choose the exit
//! code, so it stays typed; everything else travels as `anyhow::Error` with context.

use std::fmt;

/// A problem with an input file, with the 1-based position where one is known.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub hints: Vec<String>,
}

impl InputError {
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn at(
        file: impl Into<String>,
        pos: crate::source::Pos,
        message: impl Into<String>,
    ) -> Self {
        InputError {
            line: Some(pos.line),
            column: Some(pos.column),
            ..InputError::new(file, message)
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for InputError {
    /// `file:line:col: message`, the shape editors and CI logs recognise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// A command-line usage problem that clap cannot see (for example two flags that only conflict
/// after their values are read). Exit code 2, like clap's own usage errors.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}
