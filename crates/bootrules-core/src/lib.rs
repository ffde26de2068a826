//! The bootrules event pipeline.
//!
//! Data flows one way: bytes ([`source`]) → normalised lines ([`line`](mod@line)) → stage hits and
//! signature signals from a rule pack ([`classify`]) → the open session's [`progress`] → sessions
//! split by [`checker`], with outcomes ([`outcome`]), causes ([`cause`]) and timelines
//! ([`timeline`](mod@timeline)) → a per-file report ([`report`]). What a session holds is
//! [`session`]; findings are [`finding`]; a rule that failed to run is a [`diagnostic`]. This crate knows no stage names and no failure names:
//! those come from the rule pack.

// Tests may unwrap: a panic there is a failed test, not a crash on user input.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

/// `fn name() -> &'static Regex` for a pattern of the engine's own, compiled on first use.
/// The patterns are constants of this crate, each tested, so compiling them cannot fail.
macro_rules! static_regex {
    ($(#[$doc:meta])* fn $name:ident = $pattern:expr) => {
        $(#[$doc])*
        #[allow(clippy::expect_used)]
        fn $name() -> &'static regex::Regex {
            static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
            RE.get_or_init(|| regex::Regex::new($pattern).expect("static regex"))
        }
    };
}

pub mod cause;
pub mod checker;
pub mod classify;
pub mod diagnostic;
pub mod finding;
pub mod line;
pub mod outcome;
pub mod progress;
pub mod report;
pub mod session;
pub mod source;
pub mod stage;
#[cfg(test)]
mod testutil;
pub mod timeline;
pub mod trace;

pub use checker::{check_log_with, Checker};
pub use classify::{Judge, LineHits, RuleSet};
pub use diagnostic::{Diagnostic, Level, Span};
pub use finding::{Finding, Judgement, Severity};
pub use line::{Line, Normaliser};
pub use progress::{Progress, Reached};
pub use report::{check_bytes, check_reader, check_reader_with, FileReport, FileStatus, Omitted};
pub use session::{FindingRef, Gap, Outcome, Session, StageHit, Timeline, Usual};
pub use source::LineReader;
pub use stage::{Mark, Phase, Rank, StageDef, StageMatch, StageModel};
pub use trace::{Pause, Trace, TraceLine};
