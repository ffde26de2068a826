//! The seam between the engine and a rule pack.
//!
//! The engine calls [`RuleSet::classify`] once per line and hands the resulting signals to
//! the session's [`Judge`]; it never looks inside a signal. This keeps every stage name and
//! failure signature in the rule pack, where support engineers edit them.

use crate::finding::{Finding, Judgement};
use crate::line::Line;
use crate::session::Progress;
use crate::stage::StageModel;

/// A stage marker that matched a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageMatch {
    /// Index of the stage in the pack's [`StageModel`].
    pub stage: usize,
    /// Byte offset of the match in the line's message (a prompt may precede a new boot).
    pub at: usize,
    /// Which of the pack's markers matched, for stages whose markers print once per boot.
    pub marker: u32,
    /// The marker says the bootloader handed over to the OS (`Starting kernel ...`).
    pub handoff: bool,
    /// The line shows the stage was reached without being its marker (a dracut message shows
    /// the initramfs runs): it never begins a session, so an excerpt is judged by what it shows.
    pub shown: bool,
    /// The line shows only that the stage or a later one was reached (a systemd status line:
    /// userspace runs), not that the session is in it.
    pub lower_bound: bool,
    /// The line shows the stage unless the session is in one of the stages its definition
    /// names (`StageDef::shown_outside`): the initramfs' systemd prints it too.
    pub conditional: bool,
}

impl StageMatch {
    /// A line that shows `stage` was reached (see [`StageMatch::shown`]).
    pub fn shown(stage: usize) -> Self {
        Self {
            stage,
            at: 0,
            marker: u32::MAX,
            handoff: false,
            shown: true,
            lower_bound: false,
            conditional: false,
        }
    }

    /// A line that shows `stage` or a later one was reached (see [`StageMatch::lower_bound`]).
    pub fn at_least(stage: usize) -> Self {
        Self {
            lower_bound: true,
            ..Self::shown(stage)
        }
    }

    /// A line that shows `stage` outside the stages its definition names (see
    /// [`StageMatch::conditional`]).
    pub fn shown_outside(stage: usize) -> Self {
        Self {
            conditional: true,
            ..Self::shown(stage)
        }
    }
}

/// What one line matched.
#[derive(Debug, Default, Clone)]
pub struct LineHits {
    /// Stage markers that matched.
    pub stages: Vec<StageMatch>,
    /// Opaque ids of signature patterns that matched, for the session's judge.
    pub signals: Vec<u32>,
    /// Working space the classifier may reuse from line to line (no allocation per line).
    pub scratch: Vec<u32>,
}

impl LineHits {
    /// Empties both lists, keeping their memory.
    pub fn clear(&mut self) {
        self.stages.clear();
        self.signals.clear();
    }
}

/// A compiled rule pack.
pub trait RuleSet: Sync {
    /// Evaluates the signatures of one session.
    type Judge<'a>: Judge
    where
        Self: 'a;

    /// What the judges of one file share (a time budget, say); made fresh for every file.
    type FileState: Default;

    /// The pack's stages.
    fn stages(&self) -> &StageModel;

    /// Matches one line against every stage marker and signature pattern.
    fn classify(&self, line: &Line<'_>, hits: &mut LineHits);

    /// A fresh judge for a new session of the file whose state is `file`.
    fn judge<'a>(&'a self, file: &'a Self::FileState) -> Self::Judge<'a>;

    /// True when `cause` (an earlier finding) can explain `effect`: an emergency shell is
    /// explained by the disk it waited for. None does by default.
    fn explains(&self, _cause: &Finding, _effect: &Finding) -> bool {
        false
    }
}

/// Watches one session's signals and says at its end what was found.
pub trait Judge {
    /// Called for every line of the session that had signals, after its stages were applied.
    fn observe(&mut self, line: &Line<'_>, signals: &[u32], progress: &Progress);

    /// Called once when the session ends; `last` is its last non-blank line.
    fn finish(self, progress: &Progress, last: &Line<'_>) -> Judgement;

    /// The findings the line just observed (with these `signals`) settled: those no later line
    /// can withdraw, each told once. Absences, counts and scripts wait for [`Self::finish`] or
    /// [`Self::provisional`]. A follower of a live console prints them as they happen.
    fn settled(&mut self, _signals: &[u32], _progress: &Progress) -> Vec<Finding> {
        Vec::new()
    }

    /// What [`Self::finish`] would say if the session ended at `last`, leaving the judge as it
    /// was (a live console that has gone quiet).
    fn provisional(&self, progress: &Progress, last: &Line<'_>) -> Judgement;
}
