//! Rendering reports: a readable one for people, JSON/JSONL/CSV for tools, Markdown for tickets.

pub mod attention;
pub mod html;
pub mod human;
pub mod json;
pub mod printer;
pub mod shown;
pub mod table;
pub mod timeline;
pub mod writer;

pub use printer::{writer, Printer};

use std::collections::BTreeMap;

use bootrules_core::cause::{self, rank};
use bootrules_core::{FileReport, FileStatus, Finding, Outcome, Session, Severity};
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
#[derive(Debug, Default, Clone, Serialize)]
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
    /// Outcome of each file's worst session (a hung shutdown before a boot that came up).
    pub worst_sessions: BTreeMap<&'static str, usize>,
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
        let mut tally = FileTally::default();
        let omitted = &report.omitted;
        self.sessions += omitted.sessions();
        for (outcome, n) in &omitted.outcomes {
            *self.outcomes.entry(outcome).or_default() += n;
        }
        for (severity, n) in &omitted.findings {
            *self.findings.entry(*severity).or_default() += n;
        }
        tally.rules.extend(omitted.rules.iter().cloned());
        self.rule_errors += omitted.rule_errors;
        for session in &report.sessions {
            self.add_session(&mut tally, session);
        }
        self.end_file(report, tally);
    }

    /// Counts one session of a file whose report is still being read.
    pub fn add_session(&mut self, tally: &mut FileTally, session: &Session) {
        self.sessions += 1;
        *self.outcomes.entry(session.outcome.as_str()).or_default() += 1;
        for finding in &session.findings {
            *self.findings.entry(finding.severity).or_default() += 1;
            if !tally.rules.contains(&finding.rule) {
                tally.rules.push(finding.rule.clone());
            }
        }
        self.rule_errors += session.rule_errors.len();
        tally.verdict = Some(session.outcome);
        if tally
            .worst_outcome
            .is_none_or(|w| attention::urgency(session.outcome) <= attention::urgency(w))
        {
            tally.worst_outcome = Some(session.outcome);
        }
        if let Some(f) = session.findings.iter().max_by_key(|f| rank(f)) {
            if tally.worst.as_ref().is_none_or(|w| rank(f) > rank(w)) {
                tally.worst = Some(f.clone());
            }
        }
    }

    /// Counts the end of a file: its status, and what its sessions (counted with
    /// [`Summary::add_session`] into `tally`) add up to.
    pub fn end_file(&mut self, report: &FileReport, tally: FileTally) {
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
        if let Some(verdict) = tally.verdict {
            *self.verdicts.entry(verdict.as_str()).or_default() += 1;
        }
        let omitted_worst = report
            .omitted
            .outcomes
            .keys()
            .filter_map(|name| Outcome::ALL.iter().copied().find(|o| o.as_str() == *name))
            .min_by_key(|&o| attention::urgency(o));
        let worst = match (tally.worst_outcome, omitted_worst) {
            (Some(a), Some(b)) => Some(if attention::urgency(b) < attention::urgency(a) {
                b
            } else {
                a
            }),
            (a, b) => a.or(b),
        };
        if let Some(worst) = worst {
            *self.worst_sessions.entry(worst.as_str()).or_default() += 1;
        }
        for rule in tally.rules {
            *self.files_by_signature.entry(rule).or_default() += 1;
        }
        if let Some(f) = tally.worst {
            self.worst = self.worst.max(Some(f.severity));
            if f.severity >= Severity::Warning {
                self.most_severe.push(SevereFile {
                    path: report.path.clone(),
                    severity: f.severity,
                    rule: f.rule,
                    line: f.line,
                });
                self.most_severe
                    .sort_by(|a, b| b.severity.cmp(&a.severity).then(a.path.cmp(&b.path)));
                self.most_severe.truncate(MOST_SEVERE);
            }
        }
    }
}

/// What the sessions of one file add up to, gathered as they come.
#[derive(Debug, Default)]
pub struct FileTally {
    /// The outcome of the latest session: where the VM stands.
    verdict: Option<Outcome>,
    /// The most urgent outcome of its sessions.
    worst_outcome: Option<Outcome>,
    /// The signatures found in the file, once each.
    rules: Vec<String>,
    /// Its most severe finding.
    worst: Option<Finding>,
}

/// The finding that best explains the session: its cause (the first of the chain that led to
/// the finding that decided the outcome), else its most severe finding; the one JSON names as
/// the session's `top_finding`.
pub fn top_finding(session: &Session) -> Option<&Finding> {
    cause::top(&session.findings, session.cause).and_then(|index| session.findings.get(index))
}

/// The finding that decided the outcome when it is not the cause (the emergency shell that an
/// fstab disk led to): the last of the cause chain.
pub fn outcome_finding(session: &Session) -> Option<&Finding> {
    let last = *session.cause_chain.last()?;
    (session.cause != Some(last))
        .then(|| session.findings.get(last))
        .flatten()
}

/// The plural ending of a count's noun (`1 file`, `2 files`).
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
