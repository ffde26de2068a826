//! The subcommands and the exit status they end with.

mod check;
mod ordered;
mod rules;
mod suggest;
mod watch;

use anyhow::Result;
use bootrules_rules::{load, sources_from_dir, Code, Diagnostic, Pack, RuleSource};

use crate::args::{self, Args, Command, PackArgs};
use crate::report::shown;

/// Exit statuses of the SPEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Checked; nothing at or above `--fail-on`.
    Ok = 0,
    /// Findings at or above `--fail-on`.
    Findings = 1,
    /// Usage error or invalid rules.
    Usage = 2,
    /// Some input could not be read.
    Unreadable = 3,
    /// `watch --timeout` ran out before its `--exit-on` condition happened.
    TimedOut = 4,
}

/// Runs one parsed command line.
pub fn run(args: Args) -> Result<Status> {
    match args.command {
        Command::Check(check) => check::run(&check),
        Command::Timeline(check) => check::run(&args::CheckArgs {
            timeline: true,
            ..check
        }),
        Command::Suggest(suggest) => suggest::run(&suggest),
        Command::Watch(watch) => watch::run(&watch),
        Command::Rules { command } => rules::run(command),
    }
}

/// Threads to check `inputs` inputs on: `--jobs` when given (and not 0), else one per core,
/// never more than there are inputs.
pub fn workers(requested: Option<usize>, inputs: usize) -> usize {
    requested
        .filter(|&n| n > 0)
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(1)
        .min(inputs.max(1))
}

/// Loads the default pack (unless disabled) and the `--rules` directories, printing every
/// warning, or every error and their count; `None` when the packs are invalid.
///
/// The pack lives until the process exits: freeing its thousands of strings and regexes one
/// by one took a tenth of a check of a short log, for memory the exit returns anyway.
pub fn load_packs(packs: &PackArgs) -> Option<&'static Pack> {
    match load_packs_quietly(packs) {
        Ok((pack, warnings)) => {
            for warning in &warnings {
                eprintln!("{}", shown::lines(&warning.to_string()));
            }
            Some(Box::leak(Box::new(pack)))
        }
        Err(errors) => {
            for line in error_lines(&errors) {
                eprintln!("{}", shown::lines(&line));
            }
            None
        }
    }
}

/// What the command line prints on standard error for packs that do not load: each error,
/// then their count. Other front ends (the Python module) show the same text.
pub fn error_lines(errors: &[Diagnostic]) -> Vec<String> {
    let mut lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    lines.push(format!(
        "bootrules: {} error{} in rule files",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    ));
    lines
}

/// Loads packs as [`load_packs`] does, printing nothing: the pack with its warnings, or every
/// error.
pub fn load_packs_quietly(packs: &PackArgs) -> Result<(Pack, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut layers: Vec<Vec<RuleSource>> = Vec::new();
    if !packs.no_default_rules {
        layers.push(bootrules_rules::default_sources());
    }
    let mut errors = Vec::new();
    for dir in &packs.rules {
        match sources_from_dir(dir) {
            Ok(sources) => layers.push(sources),
            Err(e) => errors.push(*e),
        }
    }
    if errors.is_empty() {
        match load(&layers) {
            Ok(mut pack) => {
                let mut warnings = pack.warnings().to_vec();
                for id in pack.disable(packs.disable.iter().map(String::as_str)) {
                    let message = format!("`{id}` names no signature");
                    warnings.push(Code::UnknownDisabledId.diagnostic("--disable", message));
                }
                return Ok((pack, warnings));
            }
            Err(e) => errors = e,
        }
    }
    Err(errors)
}
