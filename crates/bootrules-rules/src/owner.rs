//! What each numbered pattern of a pack belongs to: a stage, a signature (and which part of
//! it), or an ignore. Filled at load, read when a line matches.

/// Which part of a signature a pattern is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// `patterns`: the evidence.
    Evidence,
    /// `sequence.then`: the line that must follow.
    Then,
    /// `missing.patterns`: the line whose absence is the finding.
    Expected,
    /// `script-events`: a line only the script reads.
    Event,
}

/// How a line that is not a stage's marker shows the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shown {
    /// `shown-by`: the session is at the stage (or later).
    At,
    /// `shown-at-least-by`: the stage or a later one was reached.
    AtLeast,
    /// `shown-by-outside`: unless the session is in one of the listed stages.
    Outside,
    /// `undone-by`: the stage, if it is the furthest, was not reached after all.
    Undone,
}

/// What a stage's marker says besides the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// `patterns`: the stage alone.
    Plain,
    /// `handoff-patterns`: also the hand-off to the OS.
    Handoff,
    /// `separators`: a log's line between two boots, which begins the next boot without saying
    /// how the last one ended.
    Separator,
    /// `patterns-if-followed`: the stage, once another line follows.
    IfFollowed,
}

/// What one pattern of the pack belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner {
    /// A stage marker, and what else it says.
    Stage(usize, Marker),
    /// A line that shows the stage was reached without being its marker.
    ShownStage(usize, Shown),
    /// A signature's pattern.
    Signature(usize, Role),
    /// An ignore's pattern.
    Ignore,
}
