//! Writes a run's report in the chosen format, file after file, counting the totals as it goes.
//!
//! A file comes whole ([`Printer::file`]) or, when it holds many boots, piece by piece
//! ([`Printer::begin`], [`Printer::session`], [`Printer::end`]) so it is never held in memory.
//! Formats that people read get their texts through [`shown`], JSON gets them exact; how each
//! format looks is its [`Writer`].

use std::borrow::Cow;
use std::io::{self, Write};

use bootrules_core::{FileReport, Session};

use super::attention::EarlierWatch;
use super::html::Html;
use super::human::Human;
use super::json::{self, Json};
use super::table::{Csv, Markdown};
use super::writer::{Ended, Writer};
use super::{shown, FileTally, Summary};
use crate::args::Format;

/// The writer of `format`: with `timeline`, the readable report adds each session's timeline;
/// `folder` is the folder the files share, shown once at the top of the page (`html`).
pub fn writer(format: Format, timeline: bool, folder: &str) -> Box<dyn Writer> {
    match format {
        Format::Human => Box::new(Human { timeline }),
        Format::Json => Box::new(Json {
            style: json::Style::Document,
        }),
        Format::Jsonl => Box::new(Json {
            style: json::Style::Line,
        }),
        Format::Csv => Box::new(Csv),
        Format::Markdown => Box::new(Markdown),
        Format::Html => Box::new(Html::new(folder)),
    }
}

/// The report being written, and the totals of the files written so far.
pub struct Printer<'a> {
    writer: Box<dyn Writer>,
    out: &'a mut (dyn Write + Send),
    summary: Summary,
    /// Files written, whole or begun.
    files: usize,
    /// The file being written piece by piece.
    open: Option<OpenFile>,
}

/// A file begun but not ended.
struct OpenFile {
    /// Its path as the format shows it.
    path: String,
    sessions: usize,
    last: Option<Session>,
    tally: FileTally,
    /// Its earlier sessions that need attention.
    watch: EarlierWatch,
}

impl<'a> Printer<'a> {
    /// A printer that writes with `writer` to `out` and counts into `summary` (which knows
    /// the pack loaded).
    pub fn new(writer: Box<dyn Writer>, out: &'a mut (dyn Write + Send), summary: Summary) -> Self {
        Self {
            writer,
            out,
            summary,
            files: 0,
            open: None,
        }
    }

    /// Writes what opens the format.
    pub fn start(&mut self) -> io::Result<()> {
        self.writer.start(self.out)
    }

    /// The report as the format shows it: a [`shown`] copy for people, else the report itself.
    fn as_shown<'r>(&self, report: &'r FileReport) -> Cow<'r, FileReport> {
        if self.writer.for_people() {
            Cow::Owned(shown::file(report.clone()))
        } else {
            Cow::Borrowed(report)
        }
    }

    /// Writes one whole file.
    pub fn file(&mut self, report: &FileReport) -> io::Result<()> {
        self.summary.add(report);
        let index = self.files;
        self.files += 1;
        let report = self.as_shown(report);
        self.writer.file(self.out, index, report.as_ref())
    }

    /// Begins a file whose sessions follow one by one.
    pub fn begin(&mut self, path: &str) -> io::Result<()> {
        let index = self.files;
        self.files += 1;
        let path = if self.writer.for_people() {
            shown::text(path).into_owned()
        } else {
            path.to_owned()
        };
        let open = self.open.insert(OpenFile {
            path,
            sessions: 0,
            last: None,
            tally: FileTally::default(),
            watch: EarlierWatch::default(),
        });
        self.writer.begin(self.out, index, &open.path)
    }

    /// Writes the next session of the file begun last.
    pub fn session(&mut self, session: Session) -> io::Result<()> {
        let Some(open) = self.open.as_mut() else {
            return Err(io::Error::other("a session outside any file"));
        };
        self.summary.add_session(&mut open.tally, &session);
        open.watch.add(&session);
        let session = if self.writer.for_people() {
            shown::session(session)
        } else {
            session
        };
        let index = open.sessions;
        open.sessions += 1;
        self.writer.session(self.out, &open.path, index, &session)?;
        open.last = Some(session);
        Ok(())
    }

    /// Ends the file begun last; `report` says whether it was read to its end (its sessions
    /// were given to [`Printer::session`]).
    pub fn end(&mut self, report: &FileReport) -> io::Result<()> {
        let Some(open) = self.open.take() else {
            return Err(io::Error::other("the end of a file never begun"));
        };
        self.summary.end_file(report, open.tally);
        let report = self.as_shown(report);
        let earlier = open.watch.earlier();
        let ended = Ended {
            sessions: open.sessions,
            last: open.last.as_ref(),
            earlier: earlier.as_ref(),
        };
        self.writer.end(self.out, &ended, report.as_ref())
    }

    /// Writes what closes the format and returns the totals.
    pub fn finish(mut self) -> io::Result<Summary> {
        let shown_summary;
        let summary = if self.writer.for_people() {
            shown_summary = shown::summary(&self.summary);
            &shown_summary
        } else {
            &self.summary
        };
        self.writer.finish(self.out, self.files, summary)?;
        self.out.flush()?;
        Ok(self.summary)
    }
}
