//! What a checked session is: its outcome, the stages it reached, its findings and its
//! timeline (the data every report is written from; the loop that builds it is
//! [`crate::checker`]).
//!
//! A cloud serial log keeps every boot of a VM, one after another. A session begins at the
//! first line of a boot and ends on the line before the next boot begins, or on the line
//! that powered the VM off or restarted it. Which lines begin a boot, and which stages mean
//! "booted", "powered off" or "restarted", comes from the pack's stage model.

use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::finding::Finding;
use crate::trace::{Pause, TraceLine};

/// How a session ended (the SPEC's closed list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Reached the booted stage or later, no fatal finding, no shutdown.
    Booted,
    /// Shutdown reached power-off.
    PoweredOff,
    /// Shutdown reached restart.
    Rebooted,
    /// The next session began with no shutdown at all.
    Reset,
    /// A fatal finding before the VM booted.
    BootFailed,
    /// A fatal finding after the VM booted, before shutdown began.
    Crashed,
    /// The session ends before the VM booted, with no fatal finding.
    BootStalled,
    /// Shutdown began and neither power-off nor restart followed.
    ShutdownStalled,
}

impl Outcome {
    /// Every outcome, in the SPEC's order.
    pub const ALL: [Outcome; 8] = [
        Self::Booted,
        Self::PoweredOff,
        Self::Rebooted,
        Self::Reset,
        Self::BootFailed,
        Self::Crashed,
        Self::BootStalled,
        Self::ShutdownStalled,
    ];

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booted => "booted",
            Self::PoweredOff => "powered-off",
            Self::Rebooted => "rebooted",
            Self::Reset => "reset",
            Self::BootFailed => "boot-failed",
            Self::Crashed => "crashed",
            Self::BootStalled => "boot-stalled",
            Self::ShutdownStalled => "shutdown-stalled",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stage reached in a session: where it was first seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageHit {
    /// The stage id.
    pub id: String,
    /// 1-based line where the stage was first reached.
    pub line: u64,
    /// Kernel time of that line, if it carried one.
    pub time: Option<f64>,
    /// When the line has no timestamp (systemd's console lines): the latest kernel time seen
    /// before it, so the stage was reached at that time or later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<f64>,
}

/// One judged session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    /// 0-based position in the file.
    pub index: usize,
    /// First line of the session.
    pub start_line: u64,
    /// Last line of the session.
    pub end_line: u64,
    /// How it ended.
    pub outcome: Outcome,
    /// The furthest stage reached (shutdown stages count as beyond boot stages).
    pub last_stage: Option<String>,
    /// Stages in the order they were first reached.
    pub stages: Vec<StageHit>,
    /// Known failures seen, in line order.
    pub findings: Vec<Finding>,
    /// The finding that best explains the outcome (an index in `findings`): the first of
    /// `cause_chain`. Absent when no finding is an error or worse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<usize>,
    /// How the cause led to the finding that decided the outcome: indices in `findings`, in
    /// line order, the cause first (see [`crate::cause::chain`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cause_chain: Vec<usize>,
    /// The rule id of the finding that best explains the session, the one every report names
    /// first: the cause, else the most severe finding (fatal first, earliest; see
    /// [`crate::cause::top`]). Absent when the session has no finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_finding: Option<String>,
    /// Rules that could not be evaluated for this session.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rule_errors: Vec<Diagnostic>,
    /// Where the time went between stages, and where the session stopped.
    pub timeline: Timeline,
}

/// A finding inside a gap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRef {
    /// The signature's id.
    pub rule: String,
    /// The evidence line.
    pub line: u64,
}

/// How the same gap went in the file's earlier boots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Usual {
    /// The median duration of that gap in the earlier sessions.
    pub median_seconds: f64,
    /// How many earlier sessions had that gap with a known duration (at most [`crate::timeline::HISTORY`]).
    pub sessions: usize,
}

/// The time between one stage and the next one reached (or the end of the session).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// The stage it starts at.
    pub from: String,
    /// The stage it ends at; `null` for the stretch after the last stage.
    pub to: Option<String>,
    /// The line of the `from` stage.
    pub from_line: u64,
    /// The line of the `to` stage, or the session's last line.
    pub to_line: u64,
    /// Kernel seconds between the two; `null` when either side has no timestamp.
    pub seconds: Option<f64>,
    /// When `seconds` is unknown because the later side has no timestamp: the kernel seconds
    /// that had certainly passed (up to the last timestamped line before it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    /// One of the session's slowest gaps.
    pub slow: bool,
    /// The longest wait between two timestamped lines inside the gap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause: Option<Pause>,
    /// Findings whose evidence line falls inside the gap.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<FindingRef>,
    /// Set when this gap took much longer than in the file's earlier boots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slower_than_usual: Option<Usual>,
}

impl Gap {
    /// The duration, or its lower bound: what ranks gaps and sizes drawings.
    pub fn known_seconds(&self) -> Option<f64> {
        self.seconds.or(self.at_least)
    }
}

/// A session's timeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Timeline {
    /// Gaps between consecutive stages, in the order reached.
    pub gaps: Vec<Gap>,
    /// From the last stage reached to the session's last line.
    pub end: Option<Gap>,
    /// The latest kernel time of the session.
    pub end_time: Option<f64>,
    /// The session's last lines, for a session that did not end cleanly (stalled, failed,
    /// crashed or reset).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tail: Vec<TraceLine>,
}
