//! One followed stream: lines go through the same [`Checker`] as `check`, and between lines
//! the follower tells what changed (stages reached, findings settled, sessions closed), each
//! once, and what the open session looks like when the console goes quiet.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc::Receiver;

use bootrules_core::{Checker, Finding, Mark, Outcome, RuleSet, Session};

use super::event::Event;
use super::lines::Splitter;

/// What has been told about the sessions of the stream, so nothing is told twice.
#[derive(Debug, Default)]
struct Told {
    /// The session whose stages `stages` holds.
    open: usize,
    stages: Vec<usize>,
    /// Per session, the lines of each rule's findings told.
    findings: BTreeMap<usize, BTreeMap<String, Vec<u64>>>,
    sessions: BTreeSet<usize>,
}

impl Told {
    /// Forgets sessions long closed: the stream may run for days.
    fn forget_before(&mut self, session: usize) {
        let keep = session.saturating_sub(2);
        self.findings.retain(|&s, _| s >= keep);
        self.sessions.retain(|&s| s >= keep);
    }

    /// Is this finding (of a session's whole list, `all`) one told already? A rule's single
    /// finding is the same finding when its evidence moved on (a progress line that grows).
    fn knows(&self, session: usize, finding: &Finding, all: &[Finding]) -> bool {
        let Some(lines) = self
            .findings
            .get(&session)
            .and_then(|rules| rules.get(&finding.rule))
        else {
            return false;
        };
        lines.contains(&finding.line) || all.iter().filter(|f| f.rule == finding.rule).count() == 1
    }

    /// Sessions the checker handed over that were not told yet.
    fn tell_handed(&mut self, handed: &Receiver<Session>, events: &mut Vec<Event>) {
        while let Ok(session) = handed.try_recv() {
            self.tell_session(session, events);
        }
    }

    /// Tells a session's findings not told yet, then its verdict, unless told already.
    fn tell_session(&mut self, session: Session, events: &mut Vec<Event>) {
        let index = session.index;
        if self.sessions.contains(&index) {
            return;
        }
        self.tell_findings(index, &session.findings, events);
        self.sessions.insert(index);
        events.push(Event::Session {
            session: index,
            line: session.end_line,
            outcome: session.outcome,
            report: Box::new(session),
        });
    }

    fn tell_findings(&mut self, session: usize, all: &[Finding], events: &mut Vec<Event>) {
        for finding in all {
            if !self.knows(session, finding, all) {
                self.tell(session, finding);
                events.push(Event::Finding {
                    session,
                    line: finding.line,
                    finding: finding.clone(),
                });
            }
        }
    }

    fn tell(&mut self, session: usize, finding: &Finding) {
        self.findings
            .entry(session)
            .or_default()
            .entry(finding.rule.clone())
            .or_default()
            .push(finding.line);
    }
}

/// Follows one stream (a file from its start, or a pipe) through a checker.
pub struct Follower<'r, 'e, R: RuleSet> {
    checker: Checker<'r, 'e, R>,
    /// Sessions the checker handed over (after the next one closed, or at the end).
    handed: Receiver<Session>,
    splitter: Splitter,
    told: Told,
    closed: usize,
    /// A session of the stream reached the booted stage.
    pub booted: bool,
}

impl<'r, 'e, R: RuleSet> Follower<'r, 'e, R> {
    /// Follows through `checker`, whose sessions arrive on `handed`.
    pub fn new(checker: Checker<'r, 'e, R>, handed: Receiver<Session>) -> Self {
        Self {
            checker,
            handed,
            splitter: Splitter::default(),
            told: Told::default(),
            closed: 0,
            booted: false,
        }
    }

    /// Lines skipped at the start (following from the end of a file).
    pub fn skip(&mut self, lines: u64) {
        self.splitter.skip(lines);
    }

    /// Takes bytes as they arrived; tells what the lines they complete changed.
    pub fn bytes(&mut self, bytes: &[u8], events: &mut Vec<Event>) {
        let mut splitter = std::mem::take(&mut self.splitter);
        splitter.push(bytes, &mut |number, line| self.line(number, line, events));
        self.splitter = splitter;
    }

    /// The line still being received (a prompt with no newline), checked as it stands.
    pub fn take_partial(&mut self, events: &mut Vec<Event>) {
        let mut splitter = std::mem::take(&mut self.splitter);
        if let Some((number, line)) = splitter.take_partial() {
            self.line(number, line, events);
        }
        self.splitter = splitter;
    }

    fn line(&mut self, number: u64, bytes: &[u8], events: &mut Vec<Event>) {
        self.checker.line(number, bytes);
        if self.checker.closed() > self.closed {
            self.closed = self.checker.closed();
            self.told.tell_handed(&self.handed, events);
            if let Some(held) = self.checker.held() {
                let held = held.clone();
                self.told.tell_session(held, events);
            }
            self.told.forget_before(self.closed);
        }
        let open = self.checker.closed();
        let Some(progress) = self.checker.open_progress() else {
            return;
        };
        self.booted |= progress.booted_at.is_some();
        if self.told.open != open {
            self.told.open = open;
            self.told.stages.clear();
        }
        if progress.stages_reached().len() != self.told.stages.len() {
            let model = self.checker.rules().stages();
            for &stage in progress.stages_reached() {
                if self.told.stages.contains(&stage) {
                    continue;
                }
                self.told.stages.push(stage);
                let Some(at) = progress.reached(stage) else {
                    continue;
                };
                events.push(Event::Stage {
                    session: open,
                    line: at.line,
                    stage: model.get(stage).id.clone(),
                    time: at.time,
                    text: progress.reached_text(stage).unwrap_or_default().to_owned(),
                });
            }
        }
        for finding in self.checker.settled_findings() {
            self.told.tell(open, &finding);
            events.push(Event::Finding {
                session: open,
                line: finding.line,
                finding,
            });
        }
    }

    /// The console has printed nothing for `seconds`: the line being typed is checked, and the
    /// open session judged as if nothing more came. A session that powered off or restarted
    /// is told as ended; one still booting or shutting down (or stopped by a failure) raises
    /// a stall; one that booted is idle, which is fine. Returns the outcome so far.
    pub fn quiet(&mut self, seconds: f64, events: &mut Vec<Event>) -> Option<Outcome> {
        self.take_partial(events);
        let session = self.checker.provisional()?;
        let index = session.index;
        if self.told.sessions.contains(&index) {
            return Some(session.outcome);
        }
        let outcome = session.outcome;
        let ended = self
            .checker
            .open_progress()
            .is_some_and(|p| matches!(p.end_mark, Some((Mark::PoweredOff | Mark::Rebooted, _))));
        if ended {
            self.told.tell_session(session, events);
            return Some(outcome);
        }
        if outcome == Outcome::Booted {
            return Some(outcome);
        }
        self.told.tell_findings(index, &session.findings, events);
        events.push(Event::Stalled {
            session: index,
            line: session.end_line,
            stage: session.last_stage.clone(),
            outcome,
            seconds,
            text: self.checker.last_text().to_owned(),
        });
        Some(outcome)
    }

    /// The open session's end mark (power-off or restart), if it has one.
    pub fn end_mark(&self) -> Option<Mark> {
        self.checker
            .open_progress()
            .and_then(|p| p.end_mark)
            .map(|(mark, _)| mark)
    }

    /// True when the open session has a fatal finding before its shutdown began.
    pub fn failed_so_far(&self, events: &[Event]) -> bool {
        let shutting_down = self
            .checker
            .open_progress()
            .is_some_and(|p| p.shutdown_at.is_some());
        !shutting_down
            && events
                .iter()
                .any(|e| matches!(e, Event::Finding { finding, .. } if finding.fatal))
    }

    /// Ends the stream: the open session closes as at the end of a log, and every session not
    /// told yet is told, as `check` on the bytes so far would report it.
    pub fn finish(mut self, events: &mut Vec<Event>) {
        self.take_partial(events);
        let Self {
            checker,
            handed,
            mut told,
            ..
        } = self;
        checker.finish();
        told.tell_handed(&handed, events);
    }
}
