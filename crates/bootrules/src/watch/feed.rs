//! Bytes from a console as it prints: a file that grows (followed as `tail -F` does) or a
//! pipe, read on a thread of their own and handed over a channel, so the follower can keep
//! time (stall alarms) while nothing arrives.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender};
use std::thread;
use std::time::Duration;

/// How often a file is looked at for new bytes: events come at most this late.
pub const POLL: Duration = Duration::from_millis(25);

/// Bytes read at once.
const CHUNK: usize = 64 * 1024;

/// What the reading thread hands over.
#[derive(Debug)]
pub enum Feed {
    /// New bytes.
    Bytes(Vec<u8>),
    /// Lines that were already in the file when following began from its end (counted, so
    /// line numbers agree with `grep -n`, not checked).
    Skipped(u64),
    /// The file starts over (truncated, or replaced by a new file): a new log from line 1.
    StartsOver(String),
    /// Something worth saying that changes nothing (waiting for the file to appear).
    Notice(String),
    /// The pipe was closed: no more bytes will come.
    End,
    /// Reading failed.
    Failed(io::Error),
}

/// Where the bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Standard input.
    Stdin,
    /// A file followed by name.
    File {
        /// Its path.
        path: PathBuf,
        /// Check what the file already holds (else start at its end).
        from_start: bool,
    },
}

/// Starts reading `source` on its own thread.
pub fn start(source: Source) -> Receiver<Feed> {
    // A few chunks in flight: a large file read from its start waits for the checker instead
    // of filling memory.
    let (tx, rx) = std::sync::mpsc::sync_channel(16);
    thread::spawn(move || match source {
        Source::Stdin => read_pipe(io::stdin().lock(), &tx),
        Source::File { path, from_start } => follow_file(&path, from_start, &tx),
    });
    rx
}

/// Reads a pipe until it closes.
pub fn read_pipe(mut input: impl Read, tx: &SyncSender<Feed>) {
    let mut buf = vec![0; CHUNK];
    loop {
        let message = match input.read(&mut buf) {
            Ok(0) => Feed::End,
            Ok(n) => Feed::Bytes(buf[..n].to_vec()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => Feed::Failed(e),
        };
        let last = matches!(message, Feed::End | Feed::Failed(_));
        if tx.send(message).is_err() || last {
            return;
        }
    }
}

/// The identity of a file (device and inode), to notice that a path now names another file.
#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Follows the file at `path` by name: waits for it to exist, reads what it gains, starts
/// over when it is truncated or replaced (log rotation, a VM restarted onto the same
/// `-serial file:`), and keeps reading the old file while the name is missing.
fn follow_file(path: &Path, from_start: bool, tx: &SyncSender<Feed>) {
    let shown = crate::report::shown::text(&path.display().to_string()).into_owned();
    let mut said_waiting = false;
    let mut first = true;
    loop {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if !said_waiting {
                    said_waiting = true;
                    let waiting = format!("waiting for {shown} to appear");
                    if tx.send(Feed::Notice(waiting)).is_err() {
                        return;
                    }
                }
                thread::sleep(POLL);
                continue;
            }
            Err(e) => {
                let _ = tx.send(Feed::Failed(e));
                return;
            }
        };
        if said_waiting {
            said_waiting = false;
            if tx.send(Feed::Notice(format!("{shown} appeared"))).is_err() {
                return;
            }
        }
        let skip_existing = first && !from_start;
        first = false;
        match follow_one(file, path, &shown, skip_existing, tx) {
            Ok(Some(why)) => {
                if tx.send(Feed::StartsOver(why)).is_err() {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) => {
                let _ = tx.send(Feed::Failed(e));
                return;
            }
        }
    }
}

/// Reads one file until the path names another file or the file shrinks; says why it
/// stopped, or `None` when the receiver has gone.
fn follow_one(
    mut file: File,
    path: &Path,
    shown: &str,
    skip_existing: bool,
    tx: &SyncSender<Feed>,
) -> io::Result<Option<String>> {
    let id = identity(&file.metadata()?);
    let mut position = 0u64;
    let mut buf = vec![0; CHUNK];
    if skip_existing {
        // The lines already there are counted (so numbers agree with `grep -n`), not checked.
        let mut skipped = 0;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            position += n as u64;
            skipped += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        }
        if tx.send(Feed::Skipped(skipped)).is_err() {
            return Ok(None);
        }
    }
    loop {
        let n = match file.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n > 0 {
            position += n as u64;
            if tx.send(Feed::Bytes(buf[..n].to_vec())).is_err() {
                return Ok(None);
            }
            continue;
        }
        thread::sleep(POLL);
        if file.metadata()?.len() < position {
            return Ok(Some(format!(
                "{shown} was truncated: reading it from its start"
            )));
        }
        if let Ok(now) = std::fs::metadata(path) {
            if id.is_some() && identity(&now) != id {
                // What the old file gained before it was replaced is read first.
                loop {
                    let n = file.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    if tx.send(Feed::Bytes(buf[..n].to_vec())).is_err() {
                        return Ok(None);
                    }
                }
                return Ok(Some(format!(
                    "{shown} was replaced: following the new file"
                )));
            }
        }
    }
}
