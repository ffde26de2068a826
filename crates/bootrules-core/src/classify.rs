//! The seam between the engine and a rule pack.
//!
//! The engine calls [`RuleSet::classify`] once per line and hands the resulting signals to
//! the session's [`Judge`]; it never looks inside a signal. This keeps every stage name and
//! failure signature in the rule pack, where support engineers edit them.

use crate::finding::{Finding, Judgement};
use crate::line::Line;
use crate::progress::Progress;
use crate::stage::{StageMatch, StageModel};

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
    /// can withdraw, each told once. Absences, counts, scripts and whatever depends on how the
    /// session ends wait for [`Self::finish`] or [`Self::provisional`]. A follower of a live
    /// console prints them as they happen.
    fn settled(&mut self, _signals: &[u32], _progress: &Progress) -> Vec<Finding> {
        Vec::new()
    }

    /// What [`Self::finish`] would say if the session ended at `last`, leaving the judge as it
    /// was (a live console that has gone quiet).
    fn provisional(&self, progress: &Progress, last: &Line<'_>) -> Judgement;
}
