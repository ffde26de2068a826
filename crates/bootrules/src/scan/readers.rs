//! The readers archives are opened through: each one bounds or watches one thing, and says in
//! its error what it stopped.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom};

use super::{Limits, Notes, RATIO_GRACE};

/// Bytes a [`Peek`] buffers.
const BUFFER: usize = 64 * 1024;

/// A buffered stream that can look as far ahead as a format needs. (std's `BufReader` reads
/// once per fill, so a pipe or a decoder that hands out a few bytes at a time would have its
/// format judged on those few.)
pub(super) struct Peek<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
}

impl<R: Read> Peek<R> {
    pub(super) fn new(inner: R) -> Self {
        Self {
            inner,
            buf: vec![0; BUFFER],
            pos: 0,
            end: 0,
        }
    }

    /// The next `n` bytes (fewer only at the end of the stream), without consuming them.
    pub(super) fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.end - self.pos < n {
            if self.buf.len() - self.pos < n {
                self.buf.copy_within(self.pos..self.end, 0);
                self.end -= self.pos;
                self.pos = 0;
                if self.buf.len() < n {
                    self.buf.resize(n, 0);
                }
            }
            while self.end - self.pos < n {
                match self.inner.read(&mut self.buf[self.end..]) {
                    Ok(0) => break,
                    Ok(read) => self.end += read,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(&self.buf[self.pos..self.end])
    }
}

impl<R: Read> Read for Peek<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.end && out.len() >= self.buf.len() {
            return self.inner.read(out);
        }
        let n = {
            let waiting = self.fill_buf()?;
            let n = waiting.len().min(out.len());
            out[..n].copy_from_slice(&waiting[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Peek<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.end {
            self.pos = 0;
            self.end = 0;
            self.end = self.inner.read(&mut self.buf)?;
        }
        Ok(&self.buf[self.pos..self.end])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.end);
    }
}

/// A reader that fails once more than `limit` bytes came through it.
pub(super) struct Limited<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R> Limited<R> {
    pub(super) fn new(inner: R, limit: u64) -> Self {
        Self {
            inner,
            left: limit,
            limit,
        }
    }
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One more byte tells a stream that ends exactly at the limit from a bigger one.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(format!(
                    "expands to more than {}, the limit of one member (--max-member-mib; an \
                     archive bomb?)",
                    bytes(self.limit)
                ))),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// What one input may expand to, all the members of its archives together (nested archives
/// included): at most `--max-archive-mib` in all, and past [`RATIO_GRACE`] at most
/// `--max-ratio` times the input's own size. Decompressed bytes are counted where they come
/// out of a decompressor (a gzip stream, a zip member), at every level of nesting.
pub(super) struct Budget {
    limit: u64,
    ratio: u64,
    /// Decompressed bytes so far.
    used: Cell<u64>,
    /// The input's own size; for a stream of unknown size, what was read of it so far.
    size: Cell<u64>,
    /// Why the budget is spent, once it is: every later read fails with it.
    spent: RefCell<Option<String>>,
}

impl Budget {
    pub(super) fn new(limits: &Limits, size: u64) -> Self {
        Self {
            limit: limits.archive_bytes,
            ratio: limits.ratio,
            used: Cell::new(0),
            size: Cell::new(size),
            spent: RefCell::new(None),
        }
    }

    /// Why nothing more is read from this input, once the budget is spent.
    pub(super) fn spent(&self) -> Option<String> {
        self.spent.borrow().clone()
    }

    fn charge(&self, n: u64) -> io::Result<()> {
        let used = self.used.get().saturating_add(n);
        self.used.set(used);
        let size = self.size.get();
        let why = if used > self.limit {
            format!(
                "the archive expands to more than {} in all, the limit (--max-archive-mib; an \
                 archive bomb?)",
                bytes(self.limit)
            )
        } else if used > RATIO_GRACE && used > size.saturating_mul(self.ratio) {
            format!(
                "the archive expands to more than {} times its own {size} bytes, the limit \
                 (--max-ratio; an archive bomb?)",
                self.ratio
            )
        } else {
            return Ok(());
        };
        *self.spent.borrow_mut() = Some(why.clone());
        Err(io::Error::other(why))
    }
}

/// The output of a decompressor, charged to the input's [`Budget`].
pub(super) struct Metered<'b, R> {
    inner: R,
    budget: &'b Budget,
}

impl<'b, R> Metered<'b, R> {
    pub(super) fn new(inner: R, budget: &'b Budget) -> Self {
        Self { inner, budget }
    }
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(why) = self.budget.spent() {
            return Err(io::Error::other(why));
        }
        let n = self.inner.read(buf)?;
        self.budget.charge(n as u64)?;
        Ok(n)
    }
}

/// A stream of unknown size (standard input) that tells the [`Budget`] how much of it was
/// read, as the size its expansion is measured against.
pub(super) struct Counted<'b, R> {
    inner: R,
    budget: &'b Budget,
}

impl<'b, R> Counted<'b, R> {
    pub(super) fn new(inner: R, budget: &'b Budget) -> Self {
        Self { inner, budget }
    }
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let size = &self.budget.size;
        size.set(size.get().saturating_add(n as u64));
        Ok(n)
    }
}

/// How much an archive format may read for its own bookkeeping (a tar header with its long
/// name or pax records, a zip's directory) before it hands out a member. The tar and zip
/// readers keep what they read there in memory, trusting sizes the archive states; this is
/// what bounds it. Bytes below `from` read as zeros meanwhile: a zip's directory is read from
/// its end, and what comes before it (members' data, where anyone can write anything) must
/// not be taken for another directory.
pub(super) struct Allowance {
    left: Cell<u64>,
    from: Cell<u64>,
    tripped: Cell<bool>,
}

impl Allowance {
    pub(super) fn new() -> Self {
        Self {
            left: Cell::new(u64::MAX),
            from: Cell::new(0),
            tripped: Cell::new(false),
        }
    }

    /// From now on, at most `bytes` more, with the bytes before offset `from` hidden.
    pub(super) fn allow(&self, bytes: u64, from: u64) {
        self.left.set(bytes);
        self.from.set(from);
    }

    /// Lifts the limits (a member's own bytes are bounded elsewhere).
    pub(super) fn lift(&self) {
        self.allow(u64::MAX, 0);
    }

    /// Whether a read was refused.
    pub(super) fn tripped(&self) -> bool {
        self.tripped.get()
    }
}

/// A reader held to an [`Allowance`].
pub(super) struct Allowed<'a, R> {
    inner: R,
    allowance: &'a Allowance,
    pos: u64,
}

impl<'a, R> Allowed<'a, R> {
    pub(super) fn new(inner: R, allowance: &'a Allowance) -> Self {
        Self {
            inner,
            allowance,
            pos: 0,
        }
    }
}

impl<R: Read> Read for Allowed<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.allowance.left.get();
        if buf.is_empty() {
            return Ok(0);
        }
        if left == 0 {
            self.allowance.tripped.set(true);
            return Err(io::Error::other("more bookkeeping data than allowed"));
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        let hidden = self.allowance.from.get().saturating_sub(self.pos);
        buf[..n.min(usize::try_from(hidden).unwrap_or(usize::MAX))].fill(0);
        self.allowance.left.set(left - n as u64);
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for Allowed<'_, R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = self.inner.seek(to)?;
        Ok(self.pos)
    }
}

/// A tar member's reader that fails if the archive ends before the member's declared size
/// (a truncated download), instead of passing the cut member off as whole.
pub(super) struct Whole<R> {
    inner: R,
    declared: u64,
    read: u64,
}

impl<R> Whole<R> {
    pub(super) fn new(inner: R, declared: u64) -> Self {
        Self {
            inner,
            declared,
            read: 0,
        }
    }
}

impl<R: Read> Read for Whole<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if n == 0 && !buf.is_empty() && self.read < self.declared {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the archive ends inside this member ({} of {} bytes)",
                    self.read, self.declared
                ),
            ));
        }
        Ok(n)
    }
}

/// The members of a gzip stream one after another, as `gzip -d` reads them. What follows the
/// last member and is not one (NUL padding added by a tape or block device, trailing garbage)
/// is ignored with a note, as `gzip -d` does, instead of costing the whole log; a member that
/// is cut or damaged is still an error.
pub(super) struct GzMembers<'n, R: Read> {
    member: Option<flate2::bufread::GzDecoder<Peek<R>>>,
    notes: &'n Notes,
}

impl<'n, R: Read> GzMembers<'n, R> {
    pub(super) fn new(stream: Peek<R>, notes: &'n Notes) -> Self {
        Self {
            member: Some(flate2::bufread::GzDecoder::new(stream)),
            notes,
        }
    }
}

impl<R: Read> Read for GzMembers<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(member) = self.member.as_mut() else {
                return Ok(0);
            };
            let n = member.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // This member is whole (its length and checksum agree); the stream stands just
            // after it.
            let Some(mut rest) = self.member.take().map(|m| m.into_inner()) else {
                return Ok(0);
            };
            let next = rest.peek(2)?;
            if next.is_empty() {
                return Ok(0);
            }
            if next.starts_with(b"\x1f\x8b") {
                self.member = Some(flate2::bufread::GzDecoder::new(rest));
                continue;
            }
            let (count, all_nul) = measure(&mut rest)?;
            self.notes.add(if all_nul {
                format!("{count} bytes of NUL padding after the gzip data were ignored")
            } else {
                format!(
                    "{count} bytes after the gzip data were ignored: they are not gzip data \
                     (trailing garbage)"
                )
            });
            return Ok(0);
        }
    }
}

/// How many bytes are left in `reader`, and whether all of them are NUL.
fn measure(reader: &mut impl BufRead) -> io::Result<(u64, bool)> {
    let (mut count, mut all_nul) = (0u64, true);
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok((count, all_nul));
        }
        all_nul &= chunk.iter().all(|&b| b == 0);
        count += chunk.len() as u64;
        let n = chunk.len();
        reader.consume(n);
    }
}

/// A file's reader that notes when the file ends before the size it had when it was opened:
/// it was cut (a log rotated by copy and truncate) or rewritten while it was read, and the
/// report covers only what was there to read.
pub(super) struct Watched<'n> {
    file: File,
    size: u64,
    read: u64,
    noted: bool,
    notes: &'n Notes,
}

impl<'n> Watched<'n> {
    pub(super) fn new(file: File, size: u64, notes: &'n Notes) -> Self {
        Self {
            file,
            size,
            read: 0,
            noted: false,
            notes,
        }
    }
}

impl Read for Watched<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read += n as u64;
        if n == 0 && !buf.is_empty() && self.read < self.size && !self.noted {
            self.noted = true;
            let now = self
                .file
                .metadata()
                .map(|m| format!(" and {} bytes now", m.len()))
                .unwrap_or_default();
            self.notes.add(format!(
                "the file shrank while it was read ({} bytes when opened{now}): it was cut or \
                 rewritten, and only its first {} bytes were checked",
                self.size, self.read
            ));
        }
        Ok(n)
    }
}

/// A size for messages: whole MiB as such, else bytes.
pub(super) fn bytes(n: u64) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
}
