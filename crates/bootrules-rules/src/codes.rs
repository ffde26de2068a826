//! The stable codes of rule diagnostics: one kebab-case name per kind of problem, never reused,
//! so a tool (or a person searching the docs) can tell problems apart without reading messages.

use bootrules_core::{Diagnostic, Level};

/// What kind of problem a diagnostic reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Code {
    NoSuchDirectory,
    NotADirectory,
    Unreadable,
    NoRuleFiles,
    InvalidToml,
    UnknownKey,
    MissingKey,
    UnknownValue,
    WrongType,
    TooManyProblems,
    DuplicateId,
    TooManyRules,
    BadId,
    NoPatterns,
    NoEvidence,
    NeedsPatterns,
    ConflictingKeys,
    BadValue,
    BadRegex,
    PackTooLarge,
    UnknownStage,
    UnknownReference,
    UnknownCapture,
    ExampleCaptures,
    BadScript,
    ScriptNotFound,
    UnknownDisabledId,
    UnfilteredPattern,
    UntestedRule,
    UnknownPlaceholder,
    ExampleFailed,
    ScriptStopped,
}

impl Code {
    /// Every code, in the order the docs list them.
    pub const ALL: [Code; 32] = [
        Self::NoSuchDirectory,
        Self::NotADirectory,
        Self::Unreadable,
        Self::NoRuleFiles,
        Self::InvalidToml,
        Self::UnknownKey,
        Self::MissingKey,
        Self::UnknownValue,
        Self::WrongType,
        Self::TooManyProblems,
        Self::DuplicateId,
        Self::TooManyRules,
        Self::BadId,
        Self::NoPatterns,
        Self::NoEvidence,
        Self::NeedsPatterns,
        Self::ConflictingKeys,
        Self::BadValue,
        Self::BadRegex,
        Self::PackTooLarge,
        Self::UnknownStage,
        Self::UnknownReference,
        Self::UnknownCapture,
        Self::ExampleCaptures,
        Self::BadScript,
        Self::ScriptNotFound,
        Self::UnknownDisabledId,
        Self::UnfilteredPattern,
        Self::UntestedRule,
        Self::UnknownPlaceholder,
        Self::ExampleFailed,
        Self::ScriptStopped,
    ];

    /// The code as printed (`bad-regex`).
    pub fn as_str(self) -> &'static str {
        self.about().0
    }

    /// What the code means, for the docs.
    pub fn description(self) -> &'static str {
        self.about().1
    }

    /// Whether a problem of this kind stops the pack from loading (or fails `rules test`).
    pub fn level(self) -> Level {
        match self {
            Self::UnknownDisabledId
            | Self::UnfilteredPattern
            | Self::UntestedRule
            | Self::UnknownPlaceholder => Level::Warning,
            _ => Level::Error,
        }
    }

    /// A diagnostic of this kind about `file`, at its code's level.
    pub fn diagnostic(self, file: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.level(), self.as_str(), file, message)
    }

    fn about(self) -> (&'static str, &'static str) {
        match self {
            Self::NoSuchDirectory => ("no-such-directory", "a `--rules` folder does not exist"),
            Self::NotADirectory => ("not-a-directory", "`--rules` names a file, not a folder"),
            Self::Unreadable => (
                "unreadable",
                "a rule file or folder cannot be read (permissions, a broken link, a loop of links)",
            ),
            Self::NoRuleFiles => ("no-rule-files", "a `--rules` folder holds no `*.toml` file"),
            Self::InvalidToml => ("invalid-toml", "the file is not TOML (a quote or bracket left open)"),
            Self::UnknownKey => ("unknown-key", "a key the rule file format does not have (a misspelling)"),
            Self::MissingKey => ("missing-key", "a required key is missing"),
            Self::UnknownValue => (
                "unknown-value",
                "a value outside a closed list (category, severity, phase, marks, status, evidence)",
            ),
            Self::WrongType => ("wrong-type", "a value of the wrong type (a number where a string belongs)"),
            Self::TooManyProblems => (
                "too-many-problems",
                "a file has so many problems that the rest of it was not checked",
            ),
            Self::DuplicateId => ("duplicate-id", "two rules of one pack have the same id"),
            Self::TooManyRules => ("too-many-rules", "a run loads more rules than it may"),
            Self::BadId => ("bad-id", "an id that is not kebab-case"),
            Self::NoPatterns => (
                "no-patterns",
                "a stage without `patterns`, a unit category without `units`",
            ),
            Self::NoEvidence => (
                "no-evidence",
                "a signature without `patterns`, `missing` or a script",
            ),
            Self::NeedsPatterns => (
                "needs-patterns",
                "a key that applies to `patterns` (`sequence`, `count`, `shows-stage`, `script-events`, which also need a script) or to what must follow (`missing`) without them",
            ),
            Self::ConflictingKeys => (
                "conflicting-keys",
                "keys that do not go together (two kinds of evidence, `script` and `script-file`, `one-per` with a script)",
            ),
            Self::BadValue => ("bad-value", "a value out of range (`at-least = 0`)"),
            Self::BadRegex => ("bad-regex", "a pattern that is not a valid regular expression, or too large"),
            Self::PackTooLarge => (
                "pack-too-large",
                "the run's patterns together need more memory than allowed",
            ),
            Self::UnknownStage => ("unknown-stage", "a stage reference that names no stage"),
            Self::UnknownReference => (
                "unknown-reference",
                "`explained-by` names neither a category nor a signature",
            ),
            Self::UnknownCapture => (
                "unknown-capture",
                "`one-per` or `category-by-unit` names a capture no pattern has",
            ),
            Self::ExampleCaptures => (
                "example-captures",
                "an example of a stage, ignore or unit category expects captures or a category, which only a signature's finding has",
            ),
            Self::BadScript => ("bad-script", "a Rhai script that does not compile"),
            Self::ScriptNotFound => (
                "script-not-found",
                "`script-file` names no file next to the rule file",
            ),
            Self::UnknownDisabledId => (
                "unknown-disabled-id",
                "`disable` or `--disable` names no signature (warning)",
            ),
            Self::UnfilteredPattern => (
                "unfiltered-pattern",
                "a pattern with no plain text every match contains, so it runs on every line (warning)",
            ),
            Self::UntestedRule => (
                "untested-rule",
                "a signature without `examples.match` or `examples.no-match` (warning)",
            ),
            Self::UnknownPlaceholder => (
                "unknown-placeholder",
                "a `{name}` in a message or remedy that names no capture (warning)",
            ),
            Self::ExampleFailed => (
                "example-failed",
                "an example did not behave as declared (`rules test`)",
            ),
            Self::ScriptStopped => (
                "script-stopped",
                "a script was stopped by a limit while checking a log (a session's `rule_errors`)",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn codes_are_distinct_kebab_case_names() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert!(names
            .iter()
            .all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
    }
}
