//! The JSON contract of the SPEC: `{ "version", "files": [...] }`, or one file object a line.
//!
//! File objects are written piece by piece (path, then each session, then the status), so a
//! log with any number of boots streams out without being held in memory. Written whole, a
//! file object is the same as serde's serialization of [`FileReport`].

use std::io::{self, Write};

use bootrules_core::{FileReport, Session};
use serde::Serialize;

use super::writer::{Ended, Writer};
use super::Summary;

/// `--format json` and `--format jsonl`: exact texts, for tools.
pub struct Json {
    /// One document, or a file object a line.
    pub style: Style,
}

impl Writer for Json {
    fn for_people(&self) -> bool {
        false
    }

    fn start(&mut self, out: &mut dyn Write) -> io::Result<()> {
        match self.style {
            Style::Document => start_document(out),
            Style::Line => Ok(()),
        }
    }

    fn file(&mut self, out: &mut dyn Write, index: usize, report: &FileReport) -> io::Result<()> {
        write_file(out, self.style, index, report)?;
        self.flush_line(out)
    }

    fn begin(&mut self, out: &mut dyn Write, index: usize, path: &str) -> io::Result<()> {
        begin_file(out, self.style, index, path)
    }

    fn session(
        &mut self,
        out: &mut dyn Write,
        _path: &str,
        index: usize,
        session: &Session,
    ) -> io::Result<()> {
        self::session(out, self.style, index, session)
    }

    fn end(
        &mut self,
        out: &mut dyn Write,
        ended: &Ended<'_>,
        report: &FileReport,
    ) -> io::Result<()> {
        end_file(out, self.style, ended.sessions, report)?;
        self.flush_line(out)
    }

    fn finish(&mut self, out: &mut dyn Write, files: usize, summary: &Summary) -> io::Result<()> {
        match self.style {
            Style::Document => finish_document(out, files, summary),
            Style::Line => Ok(()),
        }
    }
}

impl Json {
    /// A JSONL line goes out as soon as it is complete, for a reader that follows the output.
    fn flush_line(&self, out: &mut dyn Write) -> io::Result<()> {
        match self.style {
            Style::Line => out.flush(),
            Style::Document => Ok(()),
        }
    }
}

/// Compact, one file object a line (`jsonl`), or indented inside one document (`json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `--format jsonl`.
    Line,
    /// `--format json`.
    Document,
}

/// Indentation of a file object inside the document's `files` array.
const FILE_INDENT: &str = "    ";
/// Indentation of a file object's fields (`FILE_INDENT` and two spaces).
const FILE_INDENT_INNER: &str = "      ";
const SESSION_INDENT: &str = "        ";

/// Opens the document (`json` only).
pub fn start_document(out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        "{{\n  \"version\": \"{}\",\n  \"files\": [",
        env!("CARGO_PKG_VERSION")
    )
}

/// Closes the document with the totals of the run (`json` only).
pub fn finish_document(out: &mut dyn Write, files: usize, summary: &Summary) -> io::Result<()> {
    if files > 0 {
        write!(out, "\n  ")?;
    }
    write!(out, "],\n  \"summary\": ")?;
    value(out, summary, Some("  "))?;
    writeln!(out, "\n}}")
}

/// Begins a file object: everything up to its first session. `index` counts file objects.
pub fn begin_file(out: &mut dyn Write, style: Style, index: usize, path: &str) -> io::Result<()> {
    let path = serde_json::to_string(path)?;
    match style {
        Style::Line => write!(out, "{{\"path\":{path},\"sessions\":["),
        Style::Document => {
            let comma = if index > 0 { "," } else { "" };
            write!(
                out,
                "{comma}\n{FILE_INDENT}{{\n{FILE_INDENT}  \"path\": {path},\n{FILE_INDENT}  \"sessions\": ["
            )
        }
    }
}

/// Writes one session of the file object begun last; `index` counts its sessions.
pub fn session(
    out: &mut dyn Write,
    style: Style,
    index: usize,
    session: &Session,
) -> io::Result<()> {
    let comma = if index > 0 { "," } else { "" };
    match style {
        Style::Line => {
            write!(out, "{comma}")?;
            value(out, session, None)
        }
        Style::Document => {
            write!(out, "{comma}\n{SESSION_INDENT}")?;
            value(out, session, Some(SESSION_INDENT))
        }
    }
}

/// Ends the file object: whether it was read to its end (the sessions of `report` are not
/// written here). `sessions` is how many were written.
pub fn end_file(
    out: &mut dyn Write,
    style: Style,
    sessions: usize,
    report: &FileReport,
) -> io::Result<()> {
    let status = serde_json::to_string(&report.status)?;
    let extra = [("error", &report.error), ("reason", &report.reason)];
    match style {
        Style::Line => {
            write!(out, "],\"status\":{status}")?;
            for (key, text) in extra {
                if let Some(text) = text {
                    write!(out, ",\"{key}\":{}", serde_json::to_string(text)?)?;
                }
            }
            if !report.warnings.is_empty() {
                write!(
                    out,
                    ",\"warnings\":{}",
                    serde_json::to_string(&report.warnings)?
                )?;
            }
            writeln!(out, "}}")
        }
        Style::Document => {
            if sessions > 0 {
                write!(out, "\n{FILE_INDENT}  ")?;
            }
            write!(out, "],\n{FILE_INDENT}  \"status\": {status}")?;
            for (key, text) in extra {
                if let Some(text) = text {
                    let text = serde_json::to_string(text)?;
                    write!(out, ",\n{FILE_INDENT}  \"{key}\": {text}")?;
                }
            }
            if !report.warnings.is_empty() {
                write!(out, ",\n{FILE_INDENT}  \"warnings\": ")?;
                value(out, &report.warnings, Some(FILE_INDENT_INNER))?;
            }
            write!(out, "\n{FILE_INDENT}}}")
        }
    }
}

/// Writes a whole file object.
pub fn write_file(
    out: &mut dyn Write,
    style: Style,
    index: usize,
    report: &FileReport,
) -> io::Result<()> {
    begin_file(out, style, index, &report.path)?;
    for (i, s) in report.sessions.iter().enumerate() {
        session(out, style, i, s)?;
    }
    end_file(out, style, report.sessions.len(), report)
}

/// Serializes `value` compactly, or pretty with every line after the first indented by `indent`.
fn value(out: &mut dyn Write, value: &impl Serialize, indent: Option<&str>) -> io::Result<()> {
    match indent {
        None => serde_json::to_writer(out, value)?,
        Some(indent) => {
            let mut indented = Indented { out, indent };
            serde_json::to_writer_pretty(&mut indented, value)?;
        }
    }
    Ok(())
}

/// A writer that indents every line after the first (JSON strings hold no raw newlines).
struct Indented<'a> {
    out: &'a mut dyn Write,
    indent: &'a str,
}

impl Write for Indented<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for (i, part) in buf.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                self.out.write_all(b"\n")?;
                self.out.write_all(self.indent.as_bytes())?;
            }
            self.out.write_all(part)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bootrules_core::FileStatus;

    fn sample() -> FileReport {
        let mut report = FileReport::failed("a \"b\".log", "cannot read: truncated");
        report.status = FileStatus::Ok;
        report.error = None;
        report
    }

    #[test]
    fn a_line_is_serdes_file_object() {
        let mut warned = sample();
        warned.warnings = vec!["ignored 3 bytes".to_owned(), "and \"more\"".to_owned()];
        for report in [FileReport::failed("x.log", "cannot read: no"), warned] {
            let mut out = Vec::new();
            write_file(&mut out, Style::Line, 0, &report).unwrap();
            let expected = serde_json::to_string(&report).unwrap() + "\n";
            assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
    }

    #[test]
    fn a_document_parses_to_the_same_objects() {
        let mut warned = sample();
        warned.warnings = vec!["the file shrank while it was read".to_owned()];
        let reports = [sample(), FileReport::skipped("c.png", "an image"), warned];
        let mut out = Vec::new();
        start_document(&mut out).unwrap();
        for (i, r) in reports.iter().enumerate() {
            write_file(&mut out, Style::Document, i, r).unwrap();
        }
        finish_document(&mut out, reports.len(), &Summary::default()).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        for (i, r) in reports.iter().enumerate() {
            assert_eq!(doc["files"][i], serde_json::to_value(r).unwrap());
        }
        assert!(doc["summary"].is_object());
    }
}
