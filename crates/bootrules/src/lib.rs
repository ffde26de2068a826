//! The `bootrules` command as a library: arguments, inputs (files, folders, archives), the
//! commands and the report formats. `main.rs` only parses arguments and maps the result to an
//! exit status; fuzzing and other front ends reuse the same pieces.

// Tests may unwrap: a panic there is a failed test, not a crash on user input.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod args;
pub mod commands;
pub mod context;
pub mod inputs;
pub mod report;
pub mod scan;
pub mod suggest;
pub mod watch;
