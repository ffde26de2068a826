//! Rendering reports: a readable one for people, JSON for tools.

pub mod human;
pub mod json;

use std::collections::BTreeMap;

use bootrules_core::{FileReport, FileStatus, Severity};
use bootrules_rules::Pack;
use serde::Serialize;

/// Totals over a run, so an empty result is never ambiguous.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub stages: usize,
    pub signatures: usize,
    pub ignores: usize,
    pub files: usize,
    pub unreadable: usize,
    pub sessions: usize,
    pub outcomes: BTreeMap<&'static str, usize>,
    pub findings: BTreeMap<Severity, usize>,
    pub rule_errors: usize,
    #[serde(skip)]
    pub worst: Option<Severity>,
}

impl Summary {
    pub fn new(pack: &Pack) -> Self {
        Self {
            stages: pack.stages().len(),
            signatures: pack.signatures().len(),
            ignores: pack.ignores().len(),
            files: 0,
            unreadable: 0,
            sessions: 0,
            outcomes: BTreeMap::new(),
            findings: BTreeMap::new(),
            rule_errors: 0,
            worst: None,
        }
    }

    pub fn add(&mut self, report: &FileReport) {
        self.files += 1;
        if report.status == FileStatus::Error {
            self.unreadable += 1;
        }
        for session in &report.sessions {
            self.sessions += 1;
            *self.outcomes.entry(session.outcome.as_str()).or_default() += 1;
            for finding in &session.findings {
                *self.findings.entry(finding.severity).or_default() += 1;
            }
            self.rule_errors += session.rule_errors.len();
        }
        self.worst = self.worst.max(report.worst_severity());
    }
}
