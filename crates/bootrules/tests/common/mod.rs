//! What the command-line test suites share: running the binary and finding the lab logs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `bootrules` binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bootrules"))
}

/// Runs the binary with `args` and collects what it printed.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("binary runs")
}

/// A real lab log shipped in `tests/fixtures/lab/logs`.
pub fn lab(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/lab/logs")
        .join(name)
}

/// A folder of its own under the system's temporary folder, removed when dropped.
pub struct Dir(pub PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh [`Dir`] named after the test suite, the test and the process.
pub fn scratch_dir(suite: &str, name: &str) -> Dir {
    let path =
        std::env::temp_dir().join(format!("bootrules-{suite}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).unwrap();
    Dir(path)
}
