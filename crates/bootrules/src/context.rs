//! Lines around each finding's evidence, for reports that show the evidence in context
//! (`--format html`).
//!
//! The engine keeps no lines on its way through a log, so the fast path pays nothing for this.
//! When context is asked for, the text stream of each input (plain file, `.gz`, archive member
//! or standard input alike) is copied to an anonymous temporary file while it is checked, and
//! read a second time once the findings are known, through the same reader and normaliser, so
//! the line numbers agree. The copy is deleted as soon as the input is done.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};

use bootrules_core::{check_reader, FileReport, LineReader, Normaliser, RuleSet, TraceLine};

/// Longest text kept of one context line.
const TEXT_CAP: usize = 400;

/// Checks `reader` as [`check_reader`] does, then adds to the report the lines within `radius`
/// lines of each finding (inside its session). Without a temporary file, the report comes
/// without context.
pub fn check_with_context<R: RuleSet>(
    rules: &R,
    path: &str,
    reader: impl Read,
    radius: u64,
) -> FileReport {
    let Ok(spool) = tempfile::tempfile() else {
        return check_reader(rules, path, reader);
    };
    let mut tee = Tee {
        inner: reader,
        copy: BufWriter::new(spool),
        failed: false,
    };
    let mut report = check_reader(rules, path, &mut tee);
    if tee.failed || report.sessions.is_empty() {
        return report;
    }
    let wanted = wanted_lines(&report, radius);
    if let Ok(mut spool) = tee.copy.into_inner() {
        if spool.rewind().is_ok() {
            report.context = read_lines(spool, &wanted).unwrap_or_default();
        }
    }
    report
}

/// The line numbers to show around each finding, kept inside the finding's session.
fn wanted_lines(report: &FileReport, radius: u64) -> BTreeSet<u64> {
    let mut wanted = BTreeSet::new();
    for session in &report.sessions {
        for finding in &session.findings {
            let first = finding.line.saturating_sub(radius).max(session.start_line);
            let last = (finding.line + radius).min(session.end_line);
            wanted.extend(first..=last);
        }
    }
    wanted
}

fn read_lines(spool: File, wanted: &BTreeSet<u64>) -> io::Result<Vec<TraceLine>> {
    let Some(&last) = wanted.last() else {
        return Ok(Vec::new());
    };
    let mut reader = LineReader::new(spool)?;
    let mut normaliser = Normaliser::default();
    let mut lines = Vec::with_capacity(wanted.len());
    while let Some(raw) = reader.next_line()? {
        if raw.number > last {
            break;
        }
        if wanted.contains(&raw.number) {
            let line = normaliser.normalise(raw.number, raw.bytes);
            let mut end = line.text.len().min(TEXT_CAP);
            while !line.text.is_char_boundary(end) {
                end -= 1;
            }
            lines.push(TraceLine {
                line: line.number,
                time: line.time,
                text: line.text[..end].to_owned(),
            });
        }
    }
    Ok(lines)
}

/// Passes reads through and keeps a copy; a failed copy only loses the context.
struct Tee<R, W> {
    inner: R,
    copy: W,
    failed: bool,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if !self.failed && self.copy.write_all(&buf[..n]).is_err() {
            self.failed = true;
        }
        Ok(n)
    }
}
