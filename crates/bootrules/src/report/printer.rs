//! Writes a run's report in the chosen format, file after file, counting the totals as it goes.
//!
//! A file comes whole ([`Printer::file`]) or, when it holds many boots, piece by piece
//! ([`Printer::begin`], [`Printer::session`], [`Printer::end`]) so it is never held in memory.
//! Formats that people read get their texts through [`shown`], JSON gets them exact.

use std::borrow::Cow;
use std::io::{self, Write};

use bootrules_core::{FileReport, Session};

use super::attention::EarlierWatch;
use super::{html, human, json, shown, table, FileTally, Summary};
use crate::args::Format;

/// The report being written, and the totals of the files written so far.
pub struct Printer<'a> {
    format: Format,
    out: &'a mut (dyn Write + Send),
    summary: Summary,
    /// File objects written (JSON needs commas between them).
    files: usize,
    /// The file being written piece by piece.
    open: Option<OpenFile>,
    /// Add each session's timeline to the readable report.
    timeline: bool,
    /// The page (`--format html`), written file by file to its spools (see [`html::Page`]).
    page: Option<html::Page>,
    /// The file being written piece by piece to the page, until its end.
    page_file: Option<FileReport>,
    /// Sessions the page shows in full, over all files (see [`html::keep`]).
    kept_sessions: usize,
    /// The sessions a page shows of the file being written piece by piece.
    keeper: Option<html::keep::Keeper>,
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
    /// A printer that counts into `summary` (which knows the pack loaded).
    pub fn new(format: Format, out: &'a mut (dyn Write + Send), summary: Summary) -> Self {
        Self {
            format,
            out,
            summary,
            files: 0,
            open: None,
            timeline: false,
            page: (format == Format::Html).then(|| html::Page::new(String::new())),
            page_file: None,
            kept_sessions: 0,
            keeper: None,
        }
    }

    /// The folder the files share, shown once at the top of the page (`--format html`) so the
    /// page shows short names; set before the first file.
    pub fn page_folder(&mut self, dir: String) {
        if let Some(page) = self.page.as_mut() {
            // compared with the paths as the page shows them, escapes and all
            *page = html::Page::new(shown::text(&dir).into_owned());
        }
    }

    /// Adds each session's timeline to the readable report (`--timeline`).
    pub fn show_timeline(&mut self, on: bool) {
        self.timeline = on;
    }

    /// Writes what opens the format.
    pub fn start(&mut self) -> io::Result<()> {
        match self.format {
            Format::Csv => table::csv_header(self.out),
            Format::Markdown => table::markdown_header(self.out),
            Format::Json => json::start_document(self.out),
            Format::Human | Format::Jsonl | Format::Html => Ok(()),
        }
    }

    /// True for the formats people read (every one but JSON): their texts go through
    /// [`shown`], so names and log text cannot drive a terminal or forge a line.
    fn for_people(&self) -> bool {
        !matches!(self.format, Format::Json | Format::Jsonl)
    }

    /// The report as this format shows it: a [`shown`] copy for people, else the report itself.
    fn as_shown<'r>(&self, report: &'r FileReport) -> Cow<'r, FileReport> {
        if self.for_people() {
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
        let report = report.as_ref();
        match self.format {
            Format::Human => human::write_file(self.out, report, self.timeline),
            Format::Jsonl => {
                json::write_file(self.out, json::Style::Line, index, report)?;
                self.out.flush()
            }
            Format::Json => json::write_file(self.out, json::Style::Document, index, report),
            Format::Csv => table::csv_file(self.out, report),
            Format::Markdown => table::markdown_file(self.out, report),
            Format::Html => {
                let mut report = report.clone();
                self.kept_sessions += html::keep::fit_page(&mut report, self.kept_sessions);
                match self.page.as_mut() {
                    Some(page) => page.add(&report),
                    None => Ok(()),
                }
            }
        }
    }

    /// Begins a file whose sessions follow one by one.
    pub fn begin(&mut self, path: &str) -> io::Result<()> {
        let index = self.files;
        self.files += 1;
        let shown_path;
        let path = if self.for_people() {
            shown_path = shown::text(path).into_owned();
            &shown_path
        } else {
            path
        };
        self.open = Some(OpenFile {
            path: path.to_owned(),
            sessions: 0,
            last: None,
            tally: FileTally::default(),
            watch: EarlierWatch::default(),
        });
        match self.format {
            Format::Human => human::begin_streamed(self.out, path),
            Format::Jsonl => json::begin_file(self.out, json::Style::Line, index, path),
            Format::Json => json::begin_file(self.out, json::Style::Document, index, path),
            Format::Html => {
                self.page_file = Some(FileReport::failed(path, ""));
                self.keeper = Some(html::keep::Keeper::default());
                Ok(())
            }
            Format::Csv | Format::Markdown => Ok(()),
        }
    }

    /// Writes the next session of the file begun last.
    pub fn session(&mut self, session: Session) -> io::Result<()> {
        let for_people = self.for_people();
        let Some(open) = self.open.as_mut() else {
            return Err(io::Error::other("a session outside any file"));
        };
        self.summary.add_session(&mut open.tally, &session);
        open.watch.add(&session);
        let session = if for_people {
            shown::session(session)
        } else {
            session
        };
        let (out, path, index) = (&mut *self.out, open.path.as_str(), open.sessions);
        open.sessions += 1;
        match self.format {
            Format::Human => {
                human::write_session(out, &session)?;
                if self.timeline {
                    super::timeline::write(out, &session)?;
                }
            }
            Format::Jsonl => json::session(out, json::Style::Line, index, &session)?,
            Format::Json => json::session(out, json::Style::Document, index, &session)?,
            Format::Csv => table::csv_session(out, path, &session)?,
            Format::Markdown => table::markdown_session(out, path, &session)?,
            Format::Html => {
                if let Some(keeper) = self.keeper.as_mut() {
                    keeper.add(session.clone());
                }
            }
        }
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
        let report = report.as_ref();
        let out = &mut *self.out;
        match self.format {
            Format::Human => {
                let earlier = open.watch.earlier();
                let last = open.last.as_ref();
                human::end_streamed(out, report, last, earlier.as_ref(), open.sessions)
            }
            Format::Jsonl => {
                json::end_file(out, json::Style::Line, open.sessions, report)?;
                out.flush()
            }
            Format::Json => json::end_file(out, json::Style::Document, open.sessions, report),
            Format::Csv => table::csv_end(out, report),
            Format::Markdown => table::markdown_end(out, report),
            Format::Html => {
                // The file begun in `begin`: now its status and sessions are known.
                let Some(mut file) = self.page_file.take() else {
                    return Ok(());
                };
                file.status = report.status;
                file.error.clone_from(&report.error);
                (file.sessions, file.omitted) = self.keeper.take().unwrap_or_default().finish();
                self.kept_sessions += html::keep::fit_page(&mut file, self.kept_sessions);
                match self.page.as_mut() {
                    Some(page) => page.add(&file),
                    None => Ok(()),
                }
            }
        }
    }

    /// Writes what closes the format and returns the totals.
    pub fn finish(self) -> io::Result<Summary> {
        let summary = if self.for_people() {
            shown::summary(&self.summary)
        } else {
            Summary::default()
        };
        match self.format {
            Format::Human => human::write_summary(self.out, &summary),
            Format::Json => json::finish_document(self.out, self.files, &self.summary),
            Format::Markdown => table::markdown_footer(self.out, &summary),
            Format::Html => match self.page {
                Some(page) => page.finish(self.out, &summary),
                None => Ok(()),
            },
            Format::Jsonl | Format::Csv => Ok(()),
        }?;
        self.out.flush()?;
        Ok(self.summary)
    }
}
