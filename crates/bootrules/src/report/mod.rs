//! Rendering reports: a readable one for people, JSON/JSONL/CSV for tools, Markdown for tickets.

pub mod human;
pub mod json;
pub mod table;

use std::collections::BTreeMap;

use bootrules_core::{FileReport, FileStatus, Finding, Session, Severity};
use bootrules_rules::Pack;
use serde::Serialize;

/// How many files the summary lists as the most severe.
const MOST_SEVERE: usize = 10;

/// A file among the most severe of a batch.
#[derive(Debug, Clone, Serialize)]
pub struct SevereFile {
    /// The file (or archive member).
    pub path: String,
    /// Its most severe finding's severity.
    pub severity: Severity,
    /// That finding's rule.
    pub rule: String,
    /// That finding's line.
    pub line: u64,
}

/// A file that was not checked, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unchecked {
    /// The file (or archive member).
    pub path: String,
    /// The error or the reason it was skipped.
    pub why: String,
}

/// Totals over a run, so an empty result is never ambiguous and a batch shows what is common.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Stages loaded.
    pub stages: usize,
    /// Signatures loaded.
    pub signatures: usize,
    /// Ignores loaded.
    pub ignores: usize,
    /// Inputs and archive members seen, including unreadable and skipped ones.
    pub files: usize,
    /// Of those, how many could not be read.
    pub unreadable: usize,
    /// Of those, how many were not console logs.
    pub skipped: usize,
    /// Sessions judged.
    pub sessions: usize,
    /// Outcome of each file's last session: where each VM stands.
    pub verdicts: BTreeMap<&'static str, usize>,
    /// Outcome of every session.
    pub outcomes: BTreeMap<&'static str, usize>,
    /// Findings by severity.
    pub findings: BTreeMap<Severity, usize>,
    /// For each signature, in how many files it was found.
    pub files_by_signature: BTreeMap<String, usize>,
    /// Rules that failed to run (scripts stopped by their limits).
    pub rule_errors: usize,
    /// The files with the most severe findings, worst first.
    pub most_severe: Vec<SevereFile>,
    /// The files that could not be read, with the error.
    pub unreadable_files: Vec<Unchecked>,
    /// The files that were skipped, with the reason.
    pub skipped_files: Vec<Unchecked>,
    /// The most severe finding of the run (for `--fail-on`).
    #[serde(skip)]
    pub worst: Option<Severity>,
}

impl Summary {
    /// An empty summary for a run with this pack.
    pub fn new(pack: &Pack) -> Self {
        Self {
            stages: pack.stages().len(),
            signatures: pack.signatures().len(),
            ignores: pack.ignores().len(),
            ..Self::default()
        }
    }

    /// Counts one file's report.
    pub fn add(&mut self, report: &FileReport) {
        self.files += 1;
        match report.status {
            FileStatus::Error => {
                self.unreadable += 1;
                self.unreadable_files.push(Unchecked {
                    path: report.path.clone(),
                    why: report.error.clone().unwrap_or_default(),
                });
            }
            FileStatus::Skipped => {
                self.skipped += 1;
                self.skipped_files.push(Unchecked {
                    path: report.path.clone(),
                    why: report.reason.clone().unwrap_or_default(),
                });
            }
            FileStatus::Ok => {}
        }
        if let Some(verdict) = report.verdict() {
            *self.verdicts.entry(verdict.as_str()).or_default() += 1;
        }
        let mut rules_in_file: Vec<&str> = Vec::new();
        for session in &report.sessions {
            self.sessions += 1;
            *self.outcomes.entry(session.outcome.as_str()).or_default() += 1;
            for finding in &session.findings {
                *self.findings.entry(finding.severity).or_default() += 1;
                if !rules_in_file.contains(&finding.rule.as_str()) {
                    rules_in_file.push(&finding.rule);
                }
            }
            self.rule_errors += session.rule_errors.len();
        }
        for rule in rules_in_file {
            *self.files_by_signature.entry(rule.to_owned()).or_default() += 1;
        }
        let worst = report
            .sessions
            .iter()
            .flat_map(|s| &s.findings)
            .max_by_key(|f| rank(f));
        if let Some(f) = worst.filter(|f| f.severity >= Severity::Warning) {
            self.most_severe.push(SevereFile {
                path: report.path.clone(),
                severity: f.severity,
                rule: f.rule.clone(),
                line: f.line,
            });
            self.most_severe
                .sort_by(|a, b| b.severity.cmp(&a.severity).then(a.path.cmp(&b.path)));
            self.most_severe.truncate(MOST_SEVERE);
        }
        self.worst = self.worst.max(report.worst_severity());
    }
}

/// Orders findings by how well they explain a session: most severe, fatal first, earliest.
fn rank(f: &Finding) -> (Severity, bool, std::cmp::Reverse<u64>) {
    (f.severity, f.fatal, std::cmp::Reverse(f.line))
}

/// The finding that best explains the session.
pub fn top_finding(session: &Session) -> Option<&Finding> {
    session.findings.iter().max_by_key(|f| rank(f))
}
