//! The JSON contract of the SPEC: `{ "version", "files": [...] }`, or one file object a line.

use std::io::{self, Write};

use bootrules_core::FileReport;
use serde::Serialize;

use super::Summary;

#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    files: &'a [FileReport],
    summary: &'a Summary,
}

/// One JSON document holding every file, then the totals of the run.
pub fn write_document(
    out: &mut dyn Write,
    files: &[FileReport],
    summary: &Summary,
) -> io::Result<()> {
    let doc = Document {
        version: env!("CARGO_PKG_VERSION"),
        files,
        summary,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// One file object on one line (`--format jsonl`).
pub fn write_line(out: &mut dyn Write, file: &FileReport) -> io::Result<()> {
    serde_json::to_writer(&mut *out, file)?;
    writeln!(out)
}
