//! The trait every output format implements: a run's report, written file after file (a file
//! whole, or piece by piece when it holds many boots), as grep-printer's sinks receive a search.
//!
//! [`super::Printer`] counts the totals, makes texts safe for the formats people read and
//! calls one writer; each writer says only how its format looks.

use std::io::{self, Write};

use bootrules_core::{FileReport, Session};

use super::attention::Earlier;
use super::Summary;

/// What the end of a file written piece by piece knows about its sessions.
pub struct Ended<'a> {
    /// How many sessions were written.
    pub sessions: usize,
    /// The last of them.
    pub last: Option<&'a Session>,
    /// Its earlier sessions that need attention.
    pub earlier: Option<&'a Earlier>,
}

/// One output format.
pub trait Writer: Send {
    /// True for the formats people read: their texts go through [`super::shown`], so names
    /// and log text cannot drive a terminal or forge a line.
    fn for_people(&self) -> bool {
        true
    }

    /// Writes what opens the format.
    fn start(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    /// Writes one whole file; `index` counts the files written before it.
    fn file(&mut self, out: &mut dyn Write, index: usize, report: &FileReport) -> io::Result<()>;

    /// Begins a file whose sessions follow one by one.
    fn begin(&mut self, _out: &mut dyn Write, _index: usize, _path: &str) -> io::Result<()> {
        Ok(())
    }

    /// Writes the next session (the `index`th) of the file begun last, whose path is `path`.
    fn session(
        &mut self,
        out: &mut dyn Write,
        path: &str,
        index: usize,
        session: &Session,
    ) -> io::Result<()>;

    /// Ends the file begun last; `report` says whether it was read to its end.
    fn end(
        &mut self,
        out: &mut dyn Write,
        ended: &Ended<'_>,
        report: &FileReport,
    ) -> io::Result<()>;

    /// Writes what closes the format, with the totals of the `files` written (made safe to
    /// show when the format is [for people](Writer::for_people)).
    fn finish(
        &mut self,
        _out: &mut dyn Write,
        _files: usize,
        _summary: &Summary,
    ) -> io::Result<()> {
        Ok(())
    }
}
