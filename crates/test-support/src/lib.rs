//! What the test suites share: finding resources that live outside the repository (the shared
//! corpus beside the workspace, Chromium, the Spark environment) and saying when one is missing;
//! and reading a crate's module import graph ([`modules`]).
//!
//! A test that cannot use a resource must not look like a pass. Without `CI` in the
//! environment it prints `SKIPPED <test>: <reason>` straight to the terminal (past the test
//! harness' capture, so it shows in the default `cargo test` output) and carries on with what it
//! can do; with `CI` set it fails, since a CI machine is expected to provide everything.

use std::io::Write;
use std::path::{Path, PathBuf};

pub mod modules;

/// The root of the workspace.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/corpus` beside the workspace, when it is there (it holds `LABELS.toml`);
/// otherwise reports it missing (see [`missing`]) and returns `None`.
pub fn shared_corpus() -> Option<PathBuf> {
    let dir = workspace_root().join("../shared/corpus");
    if dir.join("LABELS.toml").is_file() {
        Some(dir)
    } else {
        missing(&format!(
            "{} is absent (a clone outside the workspace)",
            dir.display()
        ));
        None
    }
}

/// True when the tests run under CI, where every resource must be present.
pub fn under_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Reports a resource the running test needs but cannot find: a failure under CI, a visible
/// `SKIPPED` line elsewhere.
#[track_caller]
pub fn missing(reason: &str) {
    if under_ci() {
        panic!("a resource is missing under CI: {reason}");
    }
    announce("SKIPPED", reason);
}

/// Reports a check this machine cannot make (it needs root, or must not run as root) while
/// another test covers the same ground: visible, never a failure.
pub fn not_here(reason: &str) {
    announce("NOT RUN HERE", reason);
}

/// Writes to the process' standard error directly: the test harness captures only the
/// `print!` family, so this line shows even when the test passes.
fn announce(label: &str, reason: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr().lock(), "\n{label} {test}: {reason}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test, since it changes the process' environment.
    #[test]
    fn a_missing_resource_fails_under_ci() {
        std::env::remove_var("CI");
        assert!(!under_ci());
        std::env::set_var("CI", "true");
        assert!(under_ci());
        let failed = std::panic::catch_unwind(|| missing("a resource"));
        std::env::set_var("CI", "false");
        assert!(!under_ci());
        assert!(failed.is_err());
    }
}
