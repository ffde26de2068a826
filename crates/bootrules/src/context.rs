//! Lines around each finding's evidence, for reports that show the evidence in context
//! (`--format html`).
//!
//! The engine keeps no lines on its way through a log, so the fast path pays nothing for this.
//! When context is asked for, the text stream of each input (plain file, `.gz`, archive member
//! or standard input alike) is copied to an anonymous temporary file while it is checked, and
//! read a second time once the findings are known, through the same reader and normaliser, so
//! the line numbers agree. The copy is deleted as soon as the input is done, and holds at most
//! [`SPOOL_LIMIT`] bytes: findings past it are shown without context.
//!
//! Such a report keeps the sessions a page shows ([`Keeper`]) and counts the others, so a log
//! of any number of boots is checked in bounded memory here too.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};

use bootrules_core::{
    check_reader_with, FileReport, FileStatus, LineReader, Normaliser, RuleSet, TraceLine,
};

use crate::report::html::keep::Keeper;

/// Longest text kept of one context line.
const TEXT_CAP: usize = 400;

/// Bytes of an input copied for its context lines.
pub const SPOOL_LIMIT: u64 = 256 << 20;

/// Checks `reader` as [`bootrules_core::check_reader`] does, keeping the sessions a page shows
/// (the others only counted), then adds to the report the lines within `radius` lines of each
/// kept finding (inside its session). Without a temporary file, the report comes without
/// context.
pub fn check_with_context<R: RuleSet>(
    rules: &R,
    path: &str,
    reader: impl Read,
    radius: u64,
) -> FileReport {
    let mut tee = Tee::spool(reader);
    let mut keeper = Keeper::default();
    let mut report = check_reader_with(rules, path, &mut tee, &mut |s| keeper.add(s));
    if report.status == FileStatus::Ok {
        (report.sessions, report.omitted) = keeper.finish();
    }
    if report.sessions.is_empty() {
        return report;
    }
    let Some(spool) = tee.reread() else {
        return report;
    };
    let wanted = wanted_lines(&report, radius);
    report.context = read_lines(spool, &wanted).unwrap_or_default();
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

/// Passes reads through and keeps a copy of the first `room` bytes; a failed copy only loses
/// the context.
pub struct Tee<R, W> {
    inner: R,
    copy: Option<W>,
    room: u64,
}

impl<R: Read> Tee<R, BufWriter<File>> {
    /// Copies what is read of `reader` (up to [`SPOOL_LIMIT`] bytes) to an anonymous temporary
    /// file; without one, reads still pass through and there is nothing to read again.
    pub fn spool(reader: R) -> Self {
        Self {
            inner: reader,
            copy: tempfile::tempfile().ok().map(BufWriter::new),
            room: SPOOL_LIMIT,
        }
    }

    /// The copy, rewound to be read a second time (`None` when it could not be kept).
    pub fn reread(self) -> Option<File> {
        let mut file = self.copy?.into_inner().ok()?;
        file.rewind().ok()?;
        Some(file)
    }
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let take = n.min(usize::try_from(self.room).unwrap_or(usize::MAX));
        if let Some(copy) = self.copy.as_mut().filter(|_| take > 0) {
            if copy.write_all(&buf[..take]).is_err() {
                self.copy = None;
            }
            self.room -= take as u64;
        }
        Ok(n)
    }
}
