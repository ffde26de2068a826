//! A problem at a place in a rule file (a rule that does not load, one that probably does
//! nothing, an example that failed, a script stopped while it ran): one type, printed one way.

use std::fmt;

use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// The rule loads, but probably does not do what its writer meant.
    Warning,
    /// The rule does not load, fails its examples or failed to run.
    Error,
}

impl Level {
    /// The name shown in messages and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// A position in a rule file: 1-based line, and 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    /// The line.
    pub line: usize,
    /// The column.
    pub column: usize,
}

/// A problem at a place in a rule file.
///
/// Printed as `file:line:column: severity[code]: rule: message`, then the text it is about
/// (the rule file's line with a pointer under the place, or an example's excerpt), notes and
/// help, each on its own line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Level,
    /// Stable kebab-case code naming the kind of problem (`bad-regex`, `unknown-stage`).
    pub code: &'static str,
    /// The rule file (or the command-line option) the problem is in.
    pub file: String,
    /// Where in the file; absent for a problem of the whole file.
    #[serde(flatten)]
    pub span: Option<Span>,
    /// The id of the rule the problem is about, when the place is the rule's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The text the problem is about: the rule file's line, or an example's excerpt.
    #[serde(skip)]
    pub source: Vec<String>,
    /// How many characters the pointer under the first `source` line covers, from the span's
    /// column (0: no pointer).
    #[serde(skip)]
    pub pointer: usize,
    /// Lines shown as they are after the source (what an example expected, `-`, and what
    /// happened, `+`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error or warning about `file` (no place in it yet).
    pub fn new(
        severity: Level,
        code: &'static str,
        file: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            code,
            file: file.into(),
            span: None,
            rule: None,
            message: message.into(),
            help: None,
            source: Vec::new(),
            pointer: 0,
            notes: Vec::new(),
        }
    }

    /// An error about `file`.
    pub fn error(code: &'static str, file: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Level::Error, code, file, message)
    }

    /// A warning about `file`.
    pub fn warning(
        code: &'static str,
        file: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Level::Warning, code, file, message)
    }

    /// At a line and column.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.span = Some(Span { line, column });
        self
    }

    /// About the rule `id`.
    pub fn rule(mut self, id: impl Into<String>) -> Self {
        self.rule = Some(id.into());
        self
    }

    /// With what to do about it.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The line of the file at the span, with a pointer `width` characters wide under it.
    pub fn pointing(mut self, line: impl Into<String>, width: usize) -> Self {
        self.source = vec![line.into()];
        self.pointer = width;
        self
    }

    /// Showing these lines of text (an example's excerpt), without a pointer.
    pub fn showing(mut self, lines: Vec<String>) -> Self {
        self.source = lines;
        self.pointer = 0;
        self
    }

    /// With these notes.
    pub fn notes(mut self, notes: Vec<String>) -> Self {
        self.notes = notes;
        self
    }

    /// The line of the span (0 for the whole file), for sorting and tests.
    pub fn line(&self) -> usize {
        self.span.map_or(0, |s| s.line)
    }

    /// The column of the span (0 for the whole file).
    pub fn column(&self) -> usize {
        self.span.map_or(0, |s| s.column)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(Span { line, column }) = self.span {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}[{}]: ", self.severity.as_str(), self.code)?;
        if let Some(rule) = &self.rule {
            write!(f, "{rule}: ")?;
        }
        f.write_str(&self.message)?;
        for (i, line) in self.source.iter().enumerate() {
            write!(f, "\n  | {line}")?;
            if i == 0 && self.pointer > 0 {
                let pad = " ".repeat(self.column().saturating_sub(1));
                write!(f, "\n  | {pad}{}", "^".repeat(self.pointer))?;
            }
        }
        for note in &self.notes {
            write!(f, "\n  {note}")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostic_prints_its_place_code_text_and_pointer() {
        let d = Diagnostic::error(
            "bad-regex",
            "r.toml",
            "bad regular expression: unclosed group",
        )
        .at(3, 13)
        .pointing("patterns = ['(']", 3);
        assert_eq!(
            d.to_string(),
            "r.toml:3:13: error[bad-regex]: bad regular expression: unclosed group\n  | patterns = ['(']\n  |             ^^^"
        );
    }

    #[test]
    fn an_example_failure_shows_its_rule_excerpt_and_notes() {
        let d = Diagnostic::error("example-failed", "r.toml", "example failed")
            .at(2, 6)
            .rule("x")
            .showing(vec!["goodbye".into()])
            .notes(vec!["- finding x".into(), "+ no finding".into()]);
        assert_eq!(
            d.to_string(),
            "r.toml:2:6: error[example-failed]: x: example failed\n  | goodbye\n  - finding x\n  + no finding"
        );
    }

    #[test]
    fn json_names_the_place_without_the_text_shown() {
        let d = Diagnostic::warning("untested-rule", "r.toml", "no examples")
            .at(4, 6)
            .rule("x");
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"severity":"warning","code":"untested-rule","file":"r.toml","line":4,"column":6,"rule":"x","message":"no examples"}"#
        );
    }
}
