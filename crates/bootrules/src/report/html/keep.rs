//! Which sessions a page shows in full, so a page stays readable and its memory bounded
//! whatever the logs hold: a log of a million boots is shown by its boots that need attention
//! (up to a limit) and its last one, the others only counted (by outcome, severity and rule).

use bootrules_core::{FileReport, Omitted, Session};

use crate::report::attention::needs_attention;

/// Sessions that need attention shown in full per file; the file's last session is always
/// shown besides.
pub const SESSIONS_PER_FILE: usize = 20;

/// Sessions shown in full on one page, over all files; past it, files are only counted.
pub const SESSIONS_PER_PAGE: usize = 2_000;

/// Picks the sessions of one file as they come: the first [`SESSIONS_PER_FILE`] that need
/// attention and the last one are kept; the others are counted.
#[derive(Debug, Default)]
pub struct Keeper {
    kept: Vec<Session>,
    omitted: Omitted,
    /// The latest session, kept until the next one shows it was not the last.
    latest: Option<Session>,
    attention: usize,
}

impl Keeper {
    /// Takes the next session of the file.
    pub fn add(&mut self, session: Session) {
        if let Some(earlier) = self.latest.replace(session) {
            if self.attention < SESSIONS_PER_FILE && needs_attention(&earlier) {
                self.attention += 1;
                self.kept.push(earlier);
            } else {
                self.omitted.add(&earlier);
            }
        }
    }

    /// The sessions kept, in file order, and what the others add up to.
    pub fn finish(mut self) -> (Vec<Session>, Omitted) {
        self.kept.extend(self.latest);
        (self.kept, self.omitted)
    }
}

/// Trims a file's kept sessions (the earliest first) to what is left of the page once it holds
/// `shown` sessions already (see [`SESSIONS_PER_PAGE`]): past it, a file is only counted, so a
/// batch of any number of files stays a page of bounded size; returns how many it keeps.
pub fn fit_page(report: &mut FileReport, shown: usize) -> usize {
    let room = SESSIONS_PER_PAGE.saturating_sub(shown);
    if report.sessions.len() > room {
        let cut = report.sessions.len() - room;
        for session in report.sessions.drain(..cut) {
            report.omitted.add(&session);
        }
    }
    if report.sessions.is_empty() {
        report.context.clear();
    }
    report.sessions.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bootrules_core::Outcome;

    fn session(outcome: Outcome, start_line: u64) -> Session {
        Session {
            index: 0,
            start_line,
            end_line: start_line,
            outcome,
            last_stage: None,
            stages: Vec::new(),
            findings: Vec::new(),
            cause: None,
            cause_chain: Vec::new(),
            top_finding: None,
            rule_errors: Vec::new(),
            timeline: Default::default(),
        }
    }

    #[test]
    fn keeps_the_failures_up_to_the_limit_and_the_last_session() {
        let mut keeper = Keeper::default();
        for i in 0..100 {
            let outcome = if i % 2 == 0 {
                Outcome::Reset
            } else {
                Outcome::Rebooted
            };
            keeper.add(session(outcome, i));
        }
        let (kept, omitted) = keeper.finish();
        assert_eq!(kept.len(), SESSIONS_PER_FILE + 1);
        assert!(kept[..SESSIONS_PER_FILE]
            .iter()
            .all(|s| s.outcome == Outcome::Reset));
        assert_eq!(kept.last().map(|s| s.start_line), Some(99));
        assert_eq!(omitted.sessions(), 100 - kept.len());
        assert_eq!(omitted.outcomes.get("rebooted"), Some(&49));
    }
}
