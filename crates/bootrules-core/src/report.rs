//! The result for one input: its sessions, or why it could not be read.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use serde::Serialize;

use crate::checker::check_log_with;
use crate::classify::RuleSet;
use crate::finding::Severity;
use crate::session::{Outcome, Session};
use crate::source::LineReader;
use crate::trace::TraceLine;

/// Whether an input could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// Read to the end and judged.
    Ok,
    /// Could not be read; see the error.
    Error,
    /// Not a console log (an image, a binary); see the reason.
    Skipped,
}

/// The report for one input file (or archive member, or standard input).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    /// The path as given (archive members as `archive.zip!/inner.log`).
    pub path: String,
    /// The sessions, in file order. (They come before the status so that a log with many
    /// sessions can be written out as it is read.)
    pub sessions: Vec<Session>,
    /// `ok`, `error` or `skipped`.
    pub status: FileStatus,
    /// Why the input could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why the input was not checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the report should say about an input that was read: data that was not part of the
    /// log and was ignored (padding after a gzip stream), a file that shrank while it was read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Lines around the findings' evidence, in line order; only filled when a report asks
    /// for them (`--format html`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<TraceLine>,
    /// Sessions judged but not kept, only counted (a page of a log of many boots shows those
    /// that need attention; the other formats keep every session).
    #[serde(skip_serializing_if = "Omitted::is_empty")]
    pub omitted: Omitted,
}

/// What the sessions a report left out add up to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Omitted {
    /// Sessions left out, by outcome.
    pub outcomes: BTreeMap<&'static str, usize>,
    /// Their findings, by severity.
    pub findings: BTreeMap<Severity, usize>,
    /// The rules of their findings, once each.
    pub rules: BTreeSet<String>,
    /// Their rule errors.
    pub rule_errors: usize,
}

impl Omitted {
    /// Counts a session instead of keeping it.
    pub fn add(&mut self, session: &Session) {
        *self.outcomes.entry(session.outcome.as_str()).or_default() += 1;
        for finding in &session.findings {
            *self.findings.entry(finding.severity).or_default() += 1;
            if !self.rules.contains(&finding.rule) {
                self.rules.insert(finding.rule.clone());
            }
        }
        self.rule_errors += session.rule_errors.len();
    }

    /// How many sessions were left out.
    pub fn sessions(&self) -> usize {
        self.outcomes.values().sum()
    }

    /// True when nothing was left out.
    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty()
    }
}

impl FileReport {
    /// A report for an input that could not be read.
    pub fn failed(path: impl Into<String>, error: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            status: FileStatus::Error,
            error: Some(error.into()),
            reason: None,
            warnings: Vec::new(),
            sessions: Vec::new(),
            context: Vec::new(),
            omitted: Omitted::default(),
        }
    }

    /// A report for an input that is not a console log.
    pub fn skipped(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            status: FileStatus::Skipped,
            error: None,
            reason: Some(reason.into()),
            warnings: Vec::new(),
            sessions: Vec::new(),
            context: Vec::new(),
            omitted: Omitted::default(),
        }
    }

    /// The outcome of the last session: where the VM stands now.
    pub fn verdict(&self) -> Option<Outcome> {
        self.sessions.last().map(|s| s.outcome)
    }

    /// The most severe finding of any session.
    pub fn worst_severity(&self) -> Option<Severity> {
        self.sessions
            .iter()
            .flat_map(|s| &s.findings)
            .map(|f| f.severity)
            .max()
    }
}

/// Checks one log read from `reader`; a read error becomes an error report.
pub fn check_reader<R: RuleSet>(
    rules: &R,
    path: impl Into<String>,
    reader: impl Read,
) -> FileReport {
    let mut sessions = Vec::new();
    let mut report = check_reader_with(rules, path, reader, &mut |s| sessions.push(s));
    if report.status == FileStatus::Ok {
        report.sessions = sessions;
    }
    report
}

/// Checks one log, handing each session to `emit` as soon as it is judged; the report returned
/// holds no sessions, only whether the log could be read to its end.
pub fn check_reader_with<R: RuleSet>(
    rules: &R,
    path: impl Into<String>,
    reader: impl Read,
    emit: &mut dyn FnMut(Session),
) -> FileReport {
    let path = path.into();
    let result =
        LineReader::new(reader).and_then(|mut lines| check_log_with(rules, &mut lines, emit));
    match result {
        Ok(()) => FileReport {
            path,
            status: FileStatus::Ok,
            error: None,
            reason: None,
            warnings: Vec::new(),
            sessions: Vec::new(),
            context: Vec::new(),
            omitted: Omitted::default(),
        },
        Err(e) => FileReport::failed(path, format!("cannot read: {e}")),
    }
}

/// Checks a log held in memory (rule examples, tests).
pub fn check_bytes<R: RuleSet>(rules: &R, path: &str, bytes: &[u8]) -> FileReport {
    check_reader(rules, path, bytes)
}
