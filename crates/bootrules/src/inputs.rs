//! Expanding command-line paths into the inputs to check, in a stable order.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// One thing to check.
#[derive(Debug)]
pub enum Input {
    /// A file on disk, found by walking a folder: checked when its text shows a console log.
    File(PathBuf),
    /// A file named on the command line: its text is checked whatever it shows (the user asked
    /// for it); members of an archive it holds are still sniffed.
    Named(PathBuf),
    /// Standard input.
    Stdin,
    /// A path that could not be walked; reported, never dropped.
    Unreadable {
        /// The path as walked.
        path: String,
        /// Why it could not be read.
        error: String,
    },
}

impl Input {
    /// The name reports give it (an archive's members are named after it).
    pub fn shown(&self) -> String {
        match self {
            Self::File(path) | Self::Named(path) => path.display().to_string(),
            Self::Stdin => "-".to_owned(),
            Self::Unreadable { path, .. } => path.clone(),
        }
    }
}

/// Files as given, directories walked recursively in sorted order, `-` as standard input.
pub fn expand(paths: &[PathBuf]) -> Vec<Input> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if path.is_dir() {
            walk(path, &mut inputs);
        } else {
            inputs.push(Input::Named(path.clone()));
        }
    }
    inputs
}

fn walk(dir: &Path, inputs: &mut Vec<Input>) {
    for entry in WalkDir::new(dir).follow_links(true).sort_by_file_name() {
        match entry {
            // Files, and anything else that is not a folder (a FIFO, a device): those are
            // reported as skipped rather than silently left out.
            Ok(entry) if !entry.file_type().is_dir() => inputs.push(Input::File(entry.into_path())),
            Ok(_) => {}
            Err(e) => inputs.push(Input::Unreadable {
                path: e.path().unwrap_or(dir).display().to_string(),
                error: e.to_string(),
            }),
        }
    }
}
