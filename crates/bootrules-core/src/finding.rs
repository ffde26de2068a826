//! Findings: what a signature saw, where, and what to do about it.

use std::collections::BTreeMap;

use serde::Serialize;

/// How bad a finding is, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Worth knowing, not a fault.
    Info,
    /// Degraded, the VM may still work.
    Warning,
    /// Something failed.
    Error,
    /// The VM did not boot, crashed or did not shut down.
    Critical,
}

impl Severity {
    /// All severities, lowest first.
    pub const ALL: [Severity; 4] = [Self::Info, Self::Warning, Self::Error, Self::Critical];

    /// The name used in rule files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Critical => "critical",
        }
    }

    /// Parses a severity name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One known failure seen in one session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The signature's stable id.
    pub rule: String,
    /// The signature's title.
    pub title: String,
    /// One of the SPEC's categories.
    pub category: String,
    /// How bad it is.
    pub severity: Severity,
    /// True when the failure stops a boot (or ends a running system).
    pub fatal: bool,
    /// 1-based line of the evidence in the original file.
    pub line: u64,
    /// The evidence line as a person reads it.
    pub text: String,
    /// What it means, with the matched details filled in.
    pub message: String,
    /// What to do next.
    pub remedy: String,
    /// How many lines of the session matched the signature's patterns.
    pub count: u64,
    /// Named captures of the evidence (which disk, unit or mount point).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub captures: BTreeMap<String, String>,
    /// Where to read more.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

/// A rule that could not be evaluated for a session (a script stopped by its limits). It is
/// reported with the rule's id; every other rule still ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleFailure {
    /// The rule's id.
    pub rule: String,
    /// What went wrong.
    pub message: String,
}

/// What a judge found in one session.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Judgement {
    /// Known failures seen.
    pub findings: Vec<Finding>,
    /// Rules that failed to run.
    pub failures: Vec<RuleFailure>,
}
