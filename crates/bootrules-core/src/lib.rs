//! The bootrules event pipeline.
//!
//! Data flows one way: bytes ([`source`]) → normalised lines ([`line`](mod@line)) → stage hits and
//! signature signals from a rule pack ([`classify`]) → sessions with stages and outcomes
//! ([`session`]) → findings ([`finding`]) → a per-file report ([`report`]). This crate knows
//! no stage names and no failure names: those come from the rule pack.

// Tests may unwrap: a panic there is a failed test, not a crash on user input.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod cause;
pub mod checker;
pub mod classify;
pub mod finding;
pub mod line;
pub mod report;
pub mod session;
pub mod source;
pub mod stage;
pub mod timeline;
pub mod trace;

pub use checker::{check_log_with, Checker};
pub use classify::{Judge, LineHits, RuleSet, StageMatch};
pub use finding::{Finding, Judgement, RuleFailure, Severity};
pub use line::{Line, Normaliser};
pub use report::{check_bytes, check_reader, check_reader_with, FileReport, FileStatus, Omitted};
pub use session::{Outcome, Progress, Reached, Session, StageHit};
pub use source::LineReader;
pub use stage::{Mark, Phase, Rank, StageDef, StageModel};
pub use timeline::{Gap, Timeline};
pub use trace::{Pause, Trace, TraceLine};
