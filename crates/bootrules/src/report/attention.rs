//! Which boots need attention: not only a file's last one. A VM that hung on reboot and came
//! up again is `booted` now, but the hung shutdown is what the ticket is about.

use bootrules_core::{Finding, Outcome, Session, Severity};

use super::top_finding;

/// True when a session did not end up or cleanly down, or found something serious.
pub fn needs_attention(session: &Session) -> bool {
    outcome_needs_attention(session.outcome)
        || session
            .findings
            .iter()
            .any(|f| f.severity >= Severity::Error)
}

/// True when an outcome itself needs attention: the VM did not come up or down cleanly.
pub fn outcome_needs_attention(outcome: Outcome) -> bool {
    !matches!(
        outcome,
        Outcome::Booted | Outcome::PoweredOff | Outcome::Rebooted
    )
}

/// How urgent an outcome is, most urgent first: the worst session of a file.
pub fn urgency(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::BootFailed => 0,
        Outcome::BootStalled => 1,
        Outcome::Crashed => 2,
        Outcome::ShutdownStalled => 3,
        Outcome::Reset => 4,
        Outcome::Booted | Outcome::PoweredOff | Outcome::Rebooted => 5,
    }
}

/// The first session before a file's last one that needs attention, and how many more did.
#[derive(Debug, Clone, PartialEq)]
pub struct Earlier {
    /// Its 0-based index in the file.
    pub index: usize,
    /// How it ended.
    pub outcome: Outcome,
    /// Its cause or most severe finding: title and line.
    pub finding: Option<(String, u64)>,
    /// How many other earlier sessions need attention.
    pub more: usize,
}

impl Earlier {
    /// `session (1-based) outcome — title (line N)`, and the count of the others.
    pub fn describe(&self) -> String {
        let mut text = format!("session {} {}", self.index + 1, self.outcome);
        if let Some((title, line)) = &self.finding {
            text.push_str(&format!(" — {title} (line {line})"));
        }
        if self.more > 0 {
            text.push_str(&format!(" (and {} more)", self.more));
        }
        text
    }
}

/// Gathers, session by session, the earlier sessions of a file that need attention.
#[derive(Debug, Default)]
pub struct EarlierWatch {
    first: Option<Earlier>,
    count: usize,
    /// Whether the latest session seen needs attention (it is earlier once another follows).
    latest: Option<Earlier>,
}

impl EarlierWatch {
    /// Notes the next session of the file.
    pub fn add(&mut self, session: &Session) {
        if let Some(previous) = self.latest.take() {
            self.count += 1;
            self.first.get_or_insert(previous);
        }
        self.latest = needs_attention(session).then(|| Earlier {
            index: session.index,
            outcome: session.outcome,
            finding: top_finding(session).map(title_and_line),
            more: 0,
        });
    }

    /// The earlier sessions that need attention, once the file's sessions are all seen.
    pub fn earlier(&self) -> Option<Earlier> {
        let mut first = self.first.clone()?;
        first.more = self.count - 1;
        Some(first)
    }
}

/// The earlier sessions of `sessions` (all but the last) that need attention.
pub fn earlier(sessions: &[Session]) -> Option<Earlier> {
    let mut watch = EarlierWatch::default();
    sessions.iter().for_each(|s| watch.add(s));
    watch.earlier()
}

fn title_and_line(f: &Finding) -> (String, u64) {
    (f.title.clone(), f.line)
}
