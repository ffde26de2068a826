//! Writing the reports of inputs checked in parallel, in input order.
//!
//! Each worker gathers the reports of its input and hands them over when done; they are
//! written as soon as every input before them is written. The worker whose input is next in
//! order (the head) writes directly instead, and a long log there (a VM's serial log of
//! thousands of boots) is written session by session as it is read, so one huge file is
//! checked in bounded memory. A long log that is not at the head is gathered until it is, up
//! to [`GATHER_LIMIT`] sessions; its worker then waits for its turn.
//! Workers take inputs in order and wait before running more than [`AHEAD`] inputs ahead of
//! the output, so what is held waiting stays bounded in a batch of any size.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use bootrules_core::{check_reader_with, FileReport, FileStatus, Session};
use bootrules_rules::Pack;
use indicatif::ProgressBar;

use crate::report::{Printer, Summary};
use crate::scan::{Notes, Reports};

/// Sessions of one log gathered before it is written session by session (if at the head):
/// ordinary logs are written whole, with their verdict first in the human report.
const STREAM_AFTER: usize = 64;

/// Sessions of a log gathered while other inputs are still being written before its worker
/// waits for its turn, so a batch of several huge logs holds at most this many per worker
/// (about 8 KiB each: some 64 MiB). Logs of fewer boots, nearly all, never wait.
const GATHER_LIMIT: usize = 8192;

/// How far ahead of the input being written a worker may start another input.
const AHEAD: usize = 256;

/// The printer, shared by the workers.
///
/// Two locks, so that writing never holds up checking: `queue` is held only to hand reports
/// over or move the head, `printer` only by the head while it writes. A worker that finishes
/// or starts an input while the head writes a batch of reports goes on at once.
pub struct Ordered<'a> {
    /// The input whose reports are written next; moved only under the `queue` lock.
    next: AtomicUsize,
    /// Set with the first write error or a worker's internal error: nothing more is written.
    stopped: AtomicBool,
    queue: Mutex<Queue>,
    /// Signalled whenever `next` moves or writing stops.
    moved: Condvar,
    printer: Mutex<Printer<'a>>,
    progress: &'a ProgressBar,
}

struct Queue {
    /// Reports of inputs done before their turn, by input index.
    waiting: BTreeMap<usize, Vec<FileReport>>,
    /// The first write error, or the internal error of a worker that panicked.
    failed: Option<io::Error>,
}

impl<'a> Ordered<'a> {
    pub fn new(printer: Printer<'a>, progress: &'a ProgressBar) -> Self {
        Self {
            next: AtomicUsize::new(0),
            stopped: AtomicBool::new(false),
            queue: Mutex::new(Queue {
                waiting: BTreeMap::new(),
                failed: None,
            }),
            moved: Condvar::new(),
            printer: Mutex::new(printer),
            progress,
        }
    }

    /// The sink for input `index`; call [`InputReports::done`] when the input is scanned.
    pub fn input(&self, index: usize) -> InputReports<'_, 'a> {
        InputReports {
            index,
            shared: self,
            held: Vec::new(),
            given: 0,
        }
    }

    /// Blocks until input `index` is at most [`AHEAD`] inputs past the one being written, or
    /// writing has stopped.
    pub fn wait_for_turn(&self, index: usize) {
        // `next` only grows: when it is far enough already, there is nothing to wait for.
        if index < self.next.load(Ordering::Acquire) + AHEAD || self.failed() {
            return;
        }
        let mut queue = self.queue();
        while index >= self.next.load(Ordering::Acquire) + AHEAD && !self.failed() {
            queue = self
                .moved
                .wait(queue)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// Blocks until input `index` is the one being written, or writing has stopped.
    fn wait_for_head(&self, index: usize) {
        let mut queue = self.queue();
        while !self.at_head(index) && !self.failed() {
            queue = self
                .moved
                .wait(queue)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// Whether writing has failed (then checking more inputs is pointless).
    pub fn failed(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Closes the report; the first write error, if any.
    pub fn finish(self) -> io::Result<Summary> {
        let queue = self
            .queue
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let printer = self
            .printer
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match queue.failed {
            Some(e) => Err(e),
            None => printer.finish(),
        }
    }

    fn at_head(&self, index: usize) -> bool {
        self.next.load(Ordering::Acquire) == index
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        // A worker that panicked while holding a lock leaves it usable for the others.
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stops all writing with `error` (the first one is kept) and wakes the waiting workers.
    fn stop(&self, error: io::Error) {
        let mut queue = self.queue();
        if queue.failed.is_none() {
            queue.failed = Some(error);
        }
        self.stopped.store(true, Ordering::Release);
        drop(queue);
        self.moved.notify_all();
    }

    /// Runs `write` on the printer unless writing has stopped. Only the head writes. The queue
    /// lock is never taken while the printer's is held (`stop` runs after it is released), so
    /// the two locks cannot wait on each other.
    fn write(&self, write: impl FnOnce(&mut Printer<'a>) -> io::Result<()>) {
        let mut printer = self
            .printer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.failed() {
            return;
        }
        if let Err(e) = write(&mut printer) {
            drop(printer);
            self.stop(e);
        }
    }
}

/// Writes whole reports, in order.
fn write_reports(printer: &mut Printer<'_>, reports: &[FileReport]) -> io::Result<()> {
    reports.iter().try_for_each(|report| printer.file(report))
}

/// The reports of one input, written now if it is at the head, else held until it is.
pub struct InputReports<'s, 'a> {
    index: usize,
    shared: &'s Ordered<'a>,
    held: Vec<FileReport>,
    /// Reports given so far, held or written.
    given: usize,
}

impl InputReports<'_, '_> {
    /// The input is scanned: write its reports, and those of the inputs waiting behind it,
    /// if its turn has come; else leave them waiting.
    pub fn done(mut self) {
        let shared = self.shared;
        let mut reports = std::mem::take(&mut self.held);
        let mut index = self.index;
        {
            let mut queue = shared.queue();
            if !shared.at_head(index) {
                queue.waiting.insert(index, reports);
                return;
            }
        }
        // At the head: no other worker writes until `next` moves past this input.
        loop {
            shared.write(|printer| write_reports(printer, &reports));
            shared.progress.inc(1);
            index += 1;
            let mut queue = shared.queue();
            shared.next.store(index, Ordering::Release);
            let next = queue.waiting.remove(&index);
            drop(queue);
            // workers waiting for their turn may start as soon as the head moves
            shared.moved.notify_all();
            match next {
                Some(next) => reports = next,
                None => break,
            }
        }
    }
}

impl Drop for InputReports<'_, '_> {
    /// A worker that panics never hands its input over, so the output can never move past it:
    /// stop writing and wake the workers waiting for their turn, rather than leave them waiting
    /// forever. (The panic then ends the command.)
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.shared.stop(io::Error::other(format!(
                "checking input {} stopped on an internal error",
                self.index + 1
            )));
        }
    }
}

impl Reports for InputReports<'_, '_> {
    fn add(&mut self, report: FileReport) {
        self.given += 1;
        if self.shared.at_head(self.index) {
            let mut held = std::mem::take(&mut self.held);
            held.push(report);
            self.shared.write(|printer| write_reports(printer, &held));
        } else {
            self.held.push(report);
        }
    }

    fn check(&mut self, pack: &Pack, shown: &str, log: &mut dyn Read, notes: &Notes) {
        let mut gathered: Vec<Session> = Vec::new();
        let mut streaming = false;
        let mut report = check_reader_with(pack, shown, log, &mut |session| {
            if streaming {
                self.shared.write(|printer| printer.session(session));
                return;
            }
            gathered.push(session);
            if gathered.len() >= GATHER_LIMIT {
                self.shared.wait_for_head(self.index);
            }
            if gathered.len() >= STREAM_AFTER && self.shared.at_head(self.index) {
                let held = std::mem::take(&mut self.held);
                let sessions = std::mem::take(&mut gathered);
                self.shared.write(|printer| {
                    write_reports(printer, &held)?;
                    printer.begin(shown)?;
                    sessions.into_iter().try_for_each(|s| printer.session(s))
                });
                streaming = true;
            }
        });
        report.warnings.extend(notes.take());
        if streaming {
            self.given += 1;
            self.shared.write(|printer| printer.end(&report));
        } else {
            if report.status == FileStatus::Ok {
                report.sessions = gathered;
            }
            self.add(report);
        }
    }

    fn count(&self) -> usize {
        self.given
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::Format;

    #[test]
    fn a_worker_that_panics_leaves_no_other_worker_waiting() {
        let pack = bootrules_rules::default_pack().unwrap();
        let mut out: Vec<u8> = Vec::new();
        let progress = ProgressBar::hidden();
        let writer = crate::report::writer(Format::Jsonl, false, "");
        let printer = Printer::new(writer, &mut out, Summary::new(&pack));
        let ordered = Ordered::new(printer, &progress);
        std::thread::scope(|scope| {
            let first = scope.spawn(|| {
                let _reports = ordered.input(0);
                panic!("a bug while checking the first input");
            });
            // Input 1 can only be written after input 0, which will never be handed over.
            let second = scope.spawn(|| ordered.wait_for_head(1));
            let far = scope.spawn(|| ordered.wait_for_turn(AHEAD + 1));
            assert!(first.join().is_err());
            second.join().unwrap();
            far.join().unwrap();
        });
        assert!(ordered.failed());
    }
}
