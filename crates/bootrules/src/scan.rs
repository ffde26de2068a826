//! One input to reports: plain logs, `.gz`, `.zip`, `.tar`, `.tar.gz`/`.tgz` (members read as
//! streams, never extracted to disk), and files that are clearly not console logs.
//!
//! Every input and every archive member ends as a report: checked, an error, or skipped with
//! the reason. Limits on decompressed bytes and member count turn an archive bomb into a
//! per-member error instead of an endless run.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;

use bootrules_core::{check_reader, FileReport};
use bootrules_rules::Pack;
use flate2::read::MultiGzDecoder;

use crate::inputs::Input;

/// Bounds on what archives may expand to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Decompressed bytes of one member (or of one `.gz` file).
    pub member_bytes: u64,
    /// Members read from one archive.
    pub members: usize,
    /// Lines kept on each side of a finding's evidence (0: none, and no second read).
    pub context: u64,
}

/// Archives inside archives are opened this deep, no deeper.
const MAX_DEPTH: usize = 3;

/// Bytes looked at to tell what a stream holds.
const SNIFF_BYTES: usize = 8192;

/// A buffered stream of any origin. Archive members are streams inside streams; erasing the
/// type keeps that nesting from becoming a type of its own at every level.
type Stream<'a> = BufReader<Box<dyn Read + 'a>>;

fn stream<'a>(reader: impl Read + 'a) -> Stream<'a> {
    BufReader::with_capacity(64 * 1024, Box::new(reader))
}

/// Where scanning puts what it finds, in input order: reports of whole inputs, and logs to check.
pub trait Reports {
    /// Takes the report of an input or member (checked whole, unreadable or skipped).
    fn add(&mut self, report: FileReport);

    /// Checks one log and takes its report; a sink that writes as it goes may stream the
    /// sessions of a long log instead of gathering them.
    fn check(&mut self, pack: &Pack, shown: &str, log: &mut dyn Read) {
        self.add(check_reader(pack, shown, log));
    }

    /// How many reports it has taken (an archive that added none is reported as empty).
    fn count(&self) -> usize;
}

impl Reports for Vec<FileReport> {
    fn add(&mut self, report: FileReport) {
        self.push(report);
    }

    fn count(&self) -> usize {
        self.len()
    }
}

/// Checks one input; archives give one report per member.
pub fn scan(pack: &Pack, input: &Input, limits: Limits) -> Vec<FileReport> {
    let mut out = Vec::new();
    scan_into(pack, input, limits, &mut out);
    out
}

/// Checks one input into `out`; archives give one report per member.
pub fn scan_into(pack: &Pack, input: &Input, limits: Limits, out: &mut dyn Reports) {
    match input {
        Input::Stdin => scan_stream(pack, "-", stream(io::stdin().lock()), limits, 0, out),
        Input::Unreadable { path, error } => out.add(FileReport::failed(path, error)),
        Input::File(path) => scan_file(pack, path, limits, out),
    }
}

/// Checks bytes held in memory as if they were a file named `shown` (archives included).
pub fn scan_bytes(pack: &Pack, shown: &str, bytes: &[u8], limits: Limits) -> Vec<FileReport> {
    let mut out = Vec::new();
    if sniff(bytes) == Kind::Zip {
        scan_zip(pack, shown, Cursor::new(bytes), limits, 0, &mut out);
    } else {
        scan_stream(pack, shown, stream(bytes), limits, 0, &mut out);
    }
    out
}

fn scan_file(pack: &Pack, path: &Path, limits: Limits, out: &mut dyn Reports) {
    let shown = path.display().to_string();
    match std::fs::metadata(path) {
        Err(e) => return out.add(FileReport::failed(&shown, format!("cannot open: {e}"))),
        Ok(meta) if !meta.is_file() => {
            return out.add(FileReport::skipped(
                &shown,
                "not a regular file (a device, FIFO or socket)",
            ))
        }
        Ok(_) => {}
    }
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) => return out.add(FileReport::failed(&shown, format!("cannot open: {e}"))),
    };
    let mut reader = stream(file);
    let kind = match reader.fill_buf() {
        Ok(head) => sniff(head),
        Err(e) => return out.add(FileReport::failed(&shown, format!("cannot read: {e}"))),
    };
    if kind == Kind::Zip {
        // A zip's directory is at its end: read it from the file, not as a stream.
        match File::open(path) {
            Ok(file) => scan_zip(pack, &shown, file, limits, 0, out),
            Err(e) => out.add(FileReport::failed(&shown, format!("cannot open: {e}"))),
        }
        return;
    }
    dispatch(pack, &shown, reader, kind, limits, 0, out);
}

/// What a stream holds, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gzip,
    Zip,
    Tar,
    Text,
    Binary(&'static str),
}

fn sniff(head: &[u8]) -> Kind {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF", "a PDF document"),
        (b"\x7fELF", "an executable (ELF)"),
        (b"QFI\xfb", "a QCOW disk image"),
        (b"conectix", "a VHD disk image"),
        (b"7z\xbc\xaf", "a 7-Zip archive (not supported)"),
        (b"\xfd7zXZ\x00", "an xz archive (not supported)"),
        (b"BZh", "a bzip2 archive (not supported)"),
        (b"\x28\xb5\x2f\xfd", "a zstd archive (not supported)"),
        (b"Rar!", "a RAR archive (not supported)"),
    ];
    if head.starts_with(b"\x1f\x8b") {
        return Kind::Gzip;
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Kind::Zip;
    }
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        return Kind::Tar;
    }
    if let Some((_, what)) = MAGIC.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Kind::Binary(what);
    }
    // Console logs hold text, escapes and NUL runs; binary data holds other control bytes.
    let head = &head[..head.len().min(SNIFF_BYTES)];
    let odd = head
        .iter()
        .filter(|&&b| {
            b < 0x20 && !matches!(b, 0 | b'\t' | b'\n' | b'\r' | 0x1b | 0x07 | 0x08 | 0x0c)
        })
        .count();
    if head.len() >= 64 && odd * 10 > head.len() {
        Kind::Binary("binary data, not a text log")
    } else {
        Kind::Text
    }
}

/// Sniffs a stream, then checks it or opens it as an archive.
fn scan_stream(
    pack: &Pack,
    shown: &str,
    mut reader: Stream<'_>,
    limits: Limits,
    depth: usize,
    out: &mut dyn Reports,
) {
    // One fill holds at least the first read's bytes: enough to recognise a format.
    let kind = match reader.fill_buf() {
        Ok(head) => sniff(head),
        Err(e) => return out.add(FileReport::failed(shown, format!("cannot read: {e}"))),
    };
    dispatch(pack, shown, reader, kind, limits, depth, out);
}

fn dispatch(
    pack: &Pack,
    shown: &str,
    reader: Stream<'_>,
    kind: Kind,
    limits: Limits,
    depth: usize,
    out: &mut dyn Reports,
) {
    if depth > MAX_DEPTH && !matches!(kind, Kind::Text | Kind::Binary(_)) {
        return out.add(FileReport::skipped(shown, "archive nested too deeply"));
    }
    match kind {
        Kind::Text => {
            let mut limited = Limited::new(
                reader,
                if depth == 0 {
                    u64::MAX
                } else {
                    limits.member_bytes
                },
            );
            if limits.context > 0 {
                out.add(crate::context::check_with_context(
                    pack,
                    shown,
                    &mut limited,
                    limits.context,
                ));
            } else {
                out.check(pack, shown, &mut limited);
            }
        }
        Kind::Binary(what) => out.add(FileReport::skipped(
            shown,
            format!("not a console log: {what}"),
        )),
        // A `.gz` holds one stream: a log, or a tar (`.tar.gz`).
        Kind::Gzip => {
            let decoded = Limited::new(MultiGzDecoder::new(reader), limits.member_bytes);
            scan_stream(pack, shown, stream(decoded), limits, depth + 1, out);
        }
        Kind::Tar => scan_tar(pack, shown, reader, limits, depth, out),
        Kind::Zip => {
            // A zip inside another archive: read it into memory (bounded) to reach its directory.
            let mut bytes = Vec::new();
            match Limited::new(reader, limits.member_bytes).read_to_end(&mut bytes) {
                Ok(_) => scan_zip(pack, shown, Cursor::new(bytes), limits, depth, out),
                Err(e) => out.add(FileReport::failed(shown, format!("cannot read: {e}"))),
            }
        }
    }
}

fn scan_tar(
    pack: &Pack,
    shown: &str,
    reader: Stream<'_>,
    limits: Limits,
    depth: usize,
    out: &mut dyn Reports,
) {
    let before = out.count();
    let mut archive = tar::Archive::new(reader);
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => return out.add(FileReport::failed(shown, format!("cannot read tar: {e}"))),
    };
    let mut members = 0;
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                out.add(FileReport::failed(shown, format!("cannot read tar: {e}")));
                break;
            }
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        members += 1;
        if members > limits.members {
            out.add(FileReport::failed(
                shown,
                format!(
                    "more than {} members; the rest were not read",
                    limits.members
                ),
            ));
            break;
        }
        let name = entry
            .path()
            .map(|p| member_name(&p.to_string_lossy()))
            .unwrap_or_else(|_| "(unreadable name)".to_owned());
        let member = format!("{shown}!/{name}");
        let declared = entry.header().size().unwrap_or(0);
        let limited = Limited::new(Whole::new(entry, declared), limits.member_bytes);
        scan_stream(pack, &member, stream(limited), limits, depth + 1, out);
    }
    if out.count() == before {
        out.add(FileReport::skipped(shown, "an archive with no files in it"));
    }
}

fn scan_zip<R: Read + io::Seek>(
    pack: &Pack,
    shown: &str,
    reader: R,
    limits: Limits,
    depth: usize,
    out: &mut dyn Reports,
) {
    let mut archive = match zip::ZipArchive::new(reader) {
        Ok(archive) => archive,
        Err(e) => return out.add(FileReport::failed(shown, format!("cannot read zip: {e}"))),
    };
    let before = out.count();
    let total = archive.len();
    if total > limits.members {
        out.add(FileReport::failed(
            shown,
            format!(
                "{total} members, more than the limit of {}; only the first were read",
                limits.members
            ),
        ));
    }
    for index in 0..total.min(limits.members) {
        let member = match archive.by_index(index) {
            Ok(member) => member,
            Err(e) => {
                out.add(FileReport::failed(
                    format!("{shown}!/#{index}"),
                    format!("cannot read zip member: {e}"),
                ));
                continue;
            }
        };
        if member.is_dir() {
            continue;
        }
        let name = format!("{shown}!/{}", member_name(member.name()));
        if member.size() > limits.member_bytes {
            out.add(FileReport::failed(
                &name,
                format!(
                    "expands to {} bytes, over the limit of {} (an archive bomb?)",
                    member.size(),
                    limits.member_bytes
                ),
            ));
            continue;
        }
        let limited = Limited::new(member, limits.member_bytes);
        scan_stream(pack, &name, stream(limited), limits, depth + 1, out);
    }
    if out.count() == before {
        out.add(FileReport::skipped(shown, "an archive with no files in it"));
    }
}

/// A member's path as shown: relative, without `..` or a leading `/` (a hostile tar may name
/// `../../etc/passwd`; nothing is written anywhere, but the name should not mislead).
fn member_name(raw: &str) -> String {
    let parts: Vec<&str> = raw
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect();
    if parts.is_empty() {
        "(unnamed)".to_owned()
    } else {
        parts.join("/")
    }
}

/// A tar member's reader that fails if the archive ends before the member's declared size
/// (a truncated download), instead of passing the cut member off as whole.
struct Whole<R> {
    inner: R,
    declared: u64,
    read: u64,
}

impl<R> Whole<R> {
    fn new(inner: R, declared: u64) -> Self {
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

/// A reader that fails once more than `limit` bytes came through it.
struct Limited<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R> Limited<R> {
    fn new(inner: R, limit: u64) -> Self {
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
                    "expands to more than {} bytes, the limit (an archive bomb?)",
                    self.limit
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_their_first_bytes() {
        assert_eq!(sniff(b"\x1f\x8b\x08\x00"), Kind::Gzip);
        assert_eq!(sniff(b"PK\x03\x04rest"), Kind::Zip);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), Kind::Binary("a PNG image"));
        assert_eq!(sniff(b"[    0.000000] Linux version 6.1\n"), Kind::Text);
        assert_eq!(
            sniff(&[0u8; 4096]),
            Kind::Text,
            "NUL runs occur in serial logs"
        );
        assert!(matches!(sniff(&[1u8; 4096]), Kind::Binary(_)));
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff(&tar), Kind::Tar);
    }

    #[test]
    fn member_names_cannot_climb_out() {
        assert_eq!(member_name("../../etc/passwd"), "etc/passwd");
        assert_eq!(member_name("/abs/path.log"), "abs/path.log");
        assert_eq!(member_name("./a//b.log"), "a/b.log");
        assert_eq!(member_name(".."), "(unnamed)");
    }

    #[test]
    fn limited_reader_stops_past_its_limit() {
        let mut ok = Vec::new();
        Limited::new(&b"12345"[..], 5).read_to_end(&mut ok).unwrap();
        assert_eq!(ok, b"12345");
        let mut too_much = Vec::new();
        let e = Limited::new(&b"123456"[..], 5)
            .read_to_end(&mut too_much)
            .unwrap_err();
        assert!(e.to_string().contains("more than 5 bytes"));
    }
}
