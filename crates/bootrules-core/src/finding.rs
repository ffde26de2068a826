//! Findings: what a signature saw, where, and what to do about it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;

/// How bad a finding is, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// Characters of log text a finding carries: its evidence line and each capture. A console line
/// runs to a few hundred characters (a spinner that rewrote itself with carriage returns, 685
/// in the shared corpus); a longer one is cut, so a log of crafted 16 KiB lines, each evidence
/// for dozens of signatures, cannot make a report many times its size.
pub const MAX_EVIDENCE_CHARS: usize = 1024;

/// Findings one signature reports in one session; the first of them counts the others in
/// [`Finding::suppressed`].
pub const MAX_FINDINGS_PER_RULE: usize = 20;

/// Cuts `text` after [`MAX_EVIDENCE_CHARS`] characters and ends it with `…`; returns how many
/// characters were cut (0 when the text was short enough and is left as it was).
pub fn clip_evidence(text: &mut String) -> u64 {
    let Some((end, _)) = text.char_indices().nth(MAX_EVIDENCE_CHARS) else {
        return 0;
    };
    let cut = text[end..].chars().count() as u64;
    text.truncate(end);
    text.push('…');
    cut
}

fn is_zero(n: &u64) -> bool {
    *n == 0
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
    /// Kernel time of the evidence line, when it carries one. Not reported: it tells which
    /// kernel report a finding belongs to when the outcome is judged.
    #[serde(skip)]
    pub time: Option<f64>,
    /// The evidence line as a person reads it; past [`MAX_EVIDENCE_CHARS`] characters, cut
    /// and ended with `…`.
    pub text: String,
    /// How many characters were cut from the end of `text` (absent when none).
    #[serde(skip_serializing_if = "is_zero")]
    pub text_cut: u64,
    /// What it means, with the matched details filled in.
    pub message: String,
    /// What to do next.
    pub remedy: String,
    /// How many lines of the session matched the signature's patterns.
    pub count: u64,
    /// On the first finding of a signature that reached [`MAX_FINDINGS_PER_RULE`] in the
    /// session: how many more findings it had (at least), not listed (absent when none).
    #[serde(skip_serializing_if = "is_zero")]
    pub suppressed: u64,
    /// Named captures of the evidence (which disk, unit or mount point), each cut as `text`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub captures: BTreeMap<String, String>,
    /// Where to read more.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

/// What a judge found in one session.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Judgement {
    /// Known failures seen.
    pub findings: Vec<Finding>,
    /// Rules that failed to run (a script stopped by its limits), each at its rule's place.
    pub failures: Vec<Diagnostic>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_evidence_is_cut_on_a_character_with_the_count_of_what_went() {
        let mut short = "é".repeat(MAX_EVIDENCE_CHARS);
        assert_eq!(clip_evidence(&mut short), 0);
        assert_eq!(short, "é".repeat(MAX_EVIDENCE_CHARS));
        let mut long = "é".repeat(MAX_EVIDENCE_CHARS + 10);
        assert_eq!(clip_evidence(&mut long), 10);
        assert_eq!(long, "é".repeat(MAX_EVIDENCE_CHARS) + "…");
    }
}
