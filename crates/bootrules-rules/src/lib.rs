//! Rule packs for bootrules: stage markers and known-failure signatures written in TOML.
//!
//! [`load()`] parses and validates packs (every error at once, each a [`Diagnostic`] with file,
//! line, column and a stable [`Code`]) and compiles them into a [`Pack`], which the core engine
//! runs through the [`bootrules_core::RuleSet`] trait. The default pack from `rules/` is embedded at build time.

// Tests may unwrap: a panic there is a failed test, not a crash on user input.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod catalogue;
pub mod codes;
mod every_problem;
pub mod examples;
pub mod judge;
mod known_requirements;
mod line_starts;
pub mod lint;
mod literal_set;
pub mod load;
mod memo;
mod owner;
pub mod pack;
pub mod pattern;
pub mod precompile;
pub mod prefilter;
mod requirement;
mod rule_set;
pub mod schema;
pub mod script;
pub mod source_map;
pub mod spanned;
pub mod spec;
pub mod suggest;
pub mod terms;

pub use bootrules_core::{Diagnostic, Level, Span};
pub use codes::Code;
pub use examples::{run_examples, ExampleRun};
pub use lint::lints;
pub use load::{default_sources, load, sources_from_dir, RuleSource};
pub use pack::{Ignore, Pack, Signature, Stage};
pub use terms::{Category, Status};

/// Loads the embedded default pack.
pub fn default_pack() -> Result<Pack, Vec<Diagnostic>> {
    load(&[default_sources()])
}
