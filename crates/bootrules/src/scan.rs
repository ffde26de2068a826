//! One input to reports: plain logs, `.gz`, `.zip`, `.tar`, `.tar.gz`/`.tgz` (members read as
//! streams, never extracted to disk), and files that are clearly not console logs.
//!
//! Every input and every archive member ends as a report: checked, an error, or skipped with
//! the reason. Limits bound what an input may cost whatever its archives hold: decompressed
//! bytes of one member, of all members together and per byte of the input, the members read,
//! the nesting, and what a tar header or a zip directory may take in memory. An archive bomb
//! becomes an error for the member that reached a limit and a skipped report for each member
//! after it, instead of an endless run or an exhausted memory.

mod cloud_json;
pub mod console;
mod readers;
mod zipdir;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Cursor, Read, Seek};
use std::path::Path;

use bootrules_core::{check_reader, FileReport};
use bootrules_rules::Pack;

use crate::inputs::Input;
use readers::{
    bytes, Allowance, Allowed, Budget, Counted, GzMembers, Limited, Metered, Peek, Watched, Whole,
};

/// Bounds on what archives may expand to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Decompressed bytes of one member (or of one `.gz` file).
    pub member_bytes: u64,
    /// Members read from one archive.
    pub members: usize,
    /// Decompressed bytes of one input in all: every member of its archives, nested ones
    /// included.
    pub archive_bytes: u64,
    /// Decompressed bytes per byte of the input itself, once past [`RATIO_GRACE`].
    pub ratio: u64,
    /// Lines kept on each side of a finding's evidence (0: none, and no second read).
    pub context: u64,
    /// Check text that shows no console-log evidence too (`--all-text`).
    pub all_text: bool,
}

impl Default for Limits {
    /// The command line's defaults.
    fn default() -> Self {
        Self {
            member_bytes: 4096 << 20,
            members: 100_000,
            archive_bytes: 16384 << 20,
            ratio: 100,
            context: 0,
            all_text: false,
        }
    }
}

/// Decompressed bytes an input may always expand to: the ratio limit applies past them (a
/// small `.gz` of a log full of NUL runs may well expand a thousandfold).
pub const RATIO_GRACE: u64 = 64 << 20;

/// Archives inside archives are opened this deep, no deeper.
const MAX_DEPTH: usize = 3;

/// Bytes looked at to tell what a stream holds.
const SNIFF_BYTES: usize = 8192;

/// Bytes a tar reader may read for one member's header, GNU long names and pax records (it
/// keeps them in memory, whatever size the archive states).
const MAX_TAR_HEADER: u64 = 1 << 20;

/// A buffered stream of any origin. Archive members are streams inside streams; erasing the
/// type keeps that nesting from becoming a type of its own at every level.
type Stream<'a> = Peek<Box<dyn Read + 'a>>;

fn stream<'a>(reader: impl Read + 'a) -> Stream<'a> {
    Peek::new(Box::new(reader))
}

/// What the readers under a log noticed on the way, for its report: data that was ignored (NUL
/// padding after a gzip stream), a file that shrank while it was read.
#[derive(Debug, Default)]
pub struct Notes(RefCell<Vec<String>>);

impl Notes {
    /// Adds a note for the report of the log being read.
    pub fn add(&self, note: String) {
        self.0.borrow_mut().push(note);
    }

    /// The notes made so far, leaving none.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

/// Where scanning puts what it finds, in input order: reports of whole inputs, and logs to check.
pub trait Reports {
    /// Takes the report of an input or member (checked whole, unreadable or skipped).
    fn add(&mut self, report: FileReport);

    /// Checks one log and takes its report, with the notes its readers made as warnings; a
    /// sink that writes as it goes may stream the sessions of a long log instead of gathering
    /// them.
    fn check(&mut self, pack: &Pack, shown: &str, log: &mut dyn Read, notes: &Notes) {
        let mut report = check_reader(pack, shown, log);
        report.warnings.extend(notes.take());
        self.add(report);
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

/// Checks one input into `out`; archives give one report per member.
pub fn scan_into(pack: &Pack, input: &Input, limits: Limits, out: &mut dyn Reports) {
    match input {
        Input::Stdin => {
            // Standard input has no size to measure its expansion by: what was read of it is.
            let scan = Scan::new(pack, limits, 0).named("-");
            let stdin = Counted::new(io::stdin().lock(), &scan.budget);
            scan.stream("-", stream(stdin), 0, out);
        }
        Input::Unreadable { path, error } => out.add(FileReport::failed(path, error)),
        Input::File(path) => scan_file(pack, path, false, limits, out),
        Input::Named(path) => scan_file(pack, path, true, limits, out),
    }
}

/// Checks bytes held in memory as if they were a file named `shown` (archives included).
pub fn scan_bytes(pack: &Pack, shown: &str, bytes: &[u8], limits: Limits) -> Vec<FileReport> {
    let mut out = Vec::new();
    let scan = Scan::new(pack, limits, bytes.len() as u64);
    if sniff(bytes) == Kind::Zip {
        scan.zip(shown, Cursor::new(bytes), 0, &mut out);
    } else {
        scan.stream(shown, stream(bytes), 0, &mut out);
    }
    out
}

/// `named`: the user named the file (its text is checked without asking it to look like a log).
fn scan_file(pack: &Pack, path: &Path, named: bool, limits: Limits, out: &mut dyn Reports) {
    let shown = path.display().to_string();
    let size = match std::fs::metadata(path) {
        Err(e) => return out.add(FileReport::failed(&shown, format!("cannot open: {e}"))),
        Ok(meta) if !meta.is_file() => {
            return out.add(FileReport::skipped(
                &shown,
                "not a regular file (a device, FIFO or socket)",
            ))
        }
        Ok(meta) => meta.len(),
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) => return out.add(FileReport::failed(&shown, format!("cannot open: {e}"))),
    };
    let mut scan = Scan::new(pack, limits, size);
    if named {
        scan = scan.named(&shown);
    }
    let mut reader = stream(Watched::new(file, size, &scan.notes));
    let kind = match reader.peek(SNIFF_BYTES) {
        Ok(head) => sniff(head),
        Err(e) => return out.add(FileReport::failed(&shown, format!("cannot read: {e}"))),
    };
    if kind == Kind::Zip {
        // A zip's directory is at its end: read it from the file, not as a stream.
        match File::open(path) {
            Ok(file) => scan.zip(&shown, file, 0, out),
            Err(e) => out.add(FileReport::failed(&shown, format!("cannot open: {e}"))),
        }
        return;
    }
    scan.dispatch(&shown, reader, kind, 0, out);
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

/// One input being scanned: what its archives may still expand to, and the notes its readers
/// make for the report of the log they are reading.
struct Scan<'p> {
    pack: &'p Pack,
    limits: Limits,
    budget: Budget,
    notes: Notes,
    /// The report name of an input the user named: its own text (also gzipped) is checked
    /// even when it shows no console-log line; an archive's members are not it.
    named: Option<String>,
}

impl<'p> Scan<'p> {
    /// `size`: the input's own size in bytes, which its expansion is measured against.
    fn new(pack: &'p Pack, limits: Limits, size: u64) -> Self {
        Self {
            pack,
            limits,
            budget: Budget::new(&limits, size),
            notes: Notes::default(),
            named: None,
        }
    }

    /// The same scan, for the input the user named `shown`.
    fn named(mut self, shown: &str) -> Self {
        self.named = Some(shown.to_owned());
        self
    }

    /// Sniffs a stream (from as many reads as it takes to have [`SNIFF_BYTES`] or the whole
    /// stream), then checks it or opens it as an archive.
    fn stream(&self, shown: &str, mut reader: Stream<'_>, depth: usize, out: &mut dyn Reports) {
        let kind = match reader.peek(SNIFF_BYTES) {
            Ok(head) => sniff(head),
            Err(e) => return out.add(FileReport::failed(shown, format!("cannot read: {e}"))),
        };
        self.dispatch(shown, reader, kind, depth, out);
    }

    fn dispatch(
        &self,
        shown: &str,
        reader: Stream<'_>,
        kind: Kind,
        depth: usize,
        out: &mut dyn Reports,
    ) {
        if depth > MAX_DEPTH && !matches!(kind, Kind::Text | Kind::Binary(_)) {
            return out.add(FileReport::skipped(shown, "archive nested too deeply"));
        }
        let limits = &self.limits;
        match kind {
            Kind::Text => {
                let mut reader = reader;
                let head = match reader.peek(console::CONSOLE_SNIFF_BYTES) {
                    Ok(head) => head,
                    Err(e) => {
                        return out.add(FileReport::failed(shown, format!("cannot read: {e}")))
                    }
                };
                if depth <= MAX_DEPTH && cloud_json::is_console_dump(head) {
                    return self.console_dump(shown, reader, depth, out);
                }
                let asked = limits.all_text || self.named.as_deref() == Some(shown);
                if !asked && !console::looks_like_console_log(self.pack, head) {
                    return out.add(FileReport::skipped(shown, console::NOT_CONSOLE));
                }
                self.check_text(shown, reader, depth, out);
            }
            Kind::Binary(what) => out.add(FileReport::skipped(
                shown,
                format!("not a console log: {what}"),
            )),
            // A `.gz` holds one stream: a log, or a tar (`.tar.gz`).
            Kind::Gzip => {
                let decoded = Metered::new(GzMembers::new(reader, &self.notes), &self.budget);
                let limited = Limited::new(decoded, limits.member_bytes);
                self.stream(shown, stream(limited), depth + 1, out);
            }
            Kind::Tar => self.tar(shown, reader, depth, out),
            Kind::Zip => self.spooled_zip(shown, reader, depth, out),
        }
    }

    /// A cloud API's JSON dump of a console: its console text is the log. A dump that is not
    /// valid JSON (pasted with its newlines unescaped) is checked as the text it is.
    fn console_dump(&self, shown: &str, reader: Stream<'_>, depth: usize, out: &mut dyn Reports) {
        let mut bytes = Vec::new();
        if let Err(e) = Limited::new(reader, self.limits.member_bytes).read_to_end(&mut bytes) {
            return out.add(FileReport::failed(shown, format!("cannot read: {e}")));
        }
        match cloud_json::console_text(&bytes) {
            Some((text, field)) => {
                self.notes.add(format!(
                    "the console text is the JSON field `{field}`; line numbers count its lines"
                ));
                let text = stream(Cursor::new(text.into_bytes()));
                self.stream(shown, text, depth + 1, out);
            }
            None => self.check_text(shown, stream(Cursor::new(bytes)), depth, out),
        }
    }

    /// Checks a text stream as a console log.
    fn check_text(&self, shown: &str, reader: Stream<'_>, depth: usize, out: &mut dyn Reports) {
        let limits = &self.limits;
        let limit = if depth == 0 {
            u64::MAX
        } else {
            limits.member_bytes
        };
        let mut limited = Limited::new(reader, limit);
        if limits.context > 0 {
            let mut report =
                crate::context::check_with_context(self.pack, shown, &mut limited, limits.context);
            report.warnings.extend(self.notes.take());
            out.add(report);
        } else {
            out.check(self.pack, shown, &mut limited, &self.notes);
        }
    }

    fn tar(&self, shown: &str, reader: Stream<'_>, depth: usize, out: &mut dyn Reports) {
        let before = out.count();
        let allowance = Allowance::new();
        let mut archive = tar::Archive::new(Allowed::new(reader, &allowance));
        let mut entries = match archive.entries() {
            Ok(entries) => entries,
            Err(e) => return out.add(FileReport::failed(shown, format!("cannot read tar: {e}"))),
        };
        let mut members = 0;
        // Bytes of the last member the tar reader skips itself on its way to the next header.
        let mut unread = 0;
        let mut last = None;
        loop {
            allowance.allow(MAX_TAR_HEADER.saturating_add(unread), 0);
            let mut entry = match entries.next() {
                None => break,
                Some(Ok(entry)) => entry,
                Some(Err(e)) => {
                    let why = if allowance.tripped() {
                        format!(
                            "a member's header, long name or pax records take more than {} (a \
                             crafted archive?)",
                            bytes(MAX_TAR_HEADER)
                        )
                    } else {
                        e.to_string()
                    };
                    let after = last.map(|m| format!(" after {m}")).unwrap_or_default();
                    out.add(FileReport::failed(
                        shown,
                        format!("cannot read tar{after}: {why}; the rest was not read"),
                    ));
                    break;
                }
            };
            allowance.lift();
            unread = 0;
            let kind = entry.header().entry_type();
            if !(kind.is_dir() || kind.is_pax_global_extensions()) {
                members += 1;
                if members > self.limits.members {
                    out.add(FileReport::failed(
                        shown,
                        format!(
                            "more than {} members; the rest were not read",
                            self.limits.members
                        ),
                    ));
                    break;
                }
                let name = entry
                    .path()
                    .map(|p| member_name(&p.to_string_lossy()))
                    .unwrap_or_else(|_| "(unreadable name)".to_owned());
                let member = format!("{shown}!/{name}");
                if kind.is_file() || kind.is_contiguous() {
                    let declared = entry.size();
                    let whole = Whole::new(&mut entry, declared);
                    let limited = Limited::new(whole, self.limits.member_bytes);
                    self.stream(&member, stream(limited), depth + 1, out);
                } else {
                    out.add(FileReport::skipped(&member, special_member(&entry)));
                }
                last = Some(name);
            }
            if kind.is_gnu_sparse() {
                // Read through the entry, its holes would come out as zeros: let the tar
                // reader skip the bytes it holds.
                unread = entry.header().entry_size().unwrap_or(0).div_ceil(512) * 512;
                continue;
            }
            // What is left of the member is read here, so that the tar reader only reads
            // headers on its way to the next one.
            if let Err(e) = io::copy(&mut entry, &mut io::sink()) {
                let after = last.map(|m| format!(" after {m}")).unwrap_or_default();
                out.add(FileReport::failed(
                    shown,
                    format!("cannot read tar{after}: {e}; the rest was not read"),
                ));
                break;
            }
        }
        if out.count() == before {
            out.add(FileReport::skipped(shown, "an archive with no files in it"));
        }
    }

    /// A zip inside another archive. Its directory is at its end, so it is copied to an
    /// anonymous temporary file first (at most a member's size, deleted when closed), never
    /// held in memory.
    fn spooled_zip(&self, shown: &str, reader: Stream<'_>, depth: usize, out: &mut dyn Reports) {
        let spool = match tempfile::tempfile() {
            Ok(spool) => spool,
            Err(e) => {
                return out.add(FileReport::failed(
                    shown,
                    format!("cannot read zip: no temporary file to copy it to: {e}"),
                ))
            }
        };
        let mut writer = BufWriter::with_capacity(64 * 1024, spool);
        let mut limited = Limited::new(reader, self.limits.member_bytes);
        let spooled = io::copy(&mut limited, &mut writer)
            .and_then(|_| writer.into_inner().map_err(|e| e.into_error()))
            .and_then(|mut spool| spool.rewind().map(|()| spool));
        match spooled {
            Ok(spool) => self.zip(shown, spool, depth, out),
            Err(e) => out.add(FileReport::failed(shown, format!("cannot read: {e}"))),
        }
    }

    fn zip<R: Read + Seek>(&self, shown: &str, reader: R, depth: usize, out: &mut dyn Reports) {
        let allowance = Allowance::new();
        let mut reader = Allowed::new(reader, &allowance);
        let directory = match zipdir::locate(&mut reader) {
            Ok(directory) => directory,
            Err(why) => {
                // a zip cut short (an upload that stopped) has no directory at all
                allowance.lift();
                let why = why.to_string();
                return self.zip_by_local_headers(shown, &mut reader, 0, &why, depth, out);
            }
        };
        // The zip reader reads the directory and its end, bounded, and sees nothing before it.
        allowance.allow(zipdir::MAX_DIRECTORY + (1 << 20), directory.start);
        let config = zip::read::Config {
            archive_offset: zip::read::ArchiveOffset::Known(directory.archive_offset),
        };
        let mut archive = match zip::ZipArchive::with_config(config, &mut reader) {
            Ok(archive) => archive,
            Err(e) => {
                // (the zip reader says "Could not find EOCD" for most kinds of damage)
                let e = e.to_string();
                let why = if allowance.tripped() || e.contains("EOCD") {
                    "a damaged zip: its directory cannot be read".to_owned()
                } else {
                    e
                };
                allowance.lift();
                let start = directory.archive_offset;
                return self.zip_by_local_headers(shown, &mut reader, start, &why, depth, out);
            }
        };
        allowance.lift();
        let before = out.count();
        let total = archive.len();
        if total > self.limits.members {
            out.add(FileReport::failed(
                shown,
                format!(
                    "{total} members, more than the limit of {}; only the first were read",
                    self.limits.members
                ),
            ));
        }
        let count = total.min(self.limits.members);
        let overlaps = overlapping(&mut archive, count);
        for index in 0..count {
            let raw = archive.name_for_index(index).unwrap_or_default();
            if raw.ends_with(['/', '\\']) {
                continue; // a folder
            }
            let name = format!("{shown}!/{}", member_name(raw));
            if let Some(why) = self.budget.spent() {
                out.add(FileReport::skipped(&name, format!("not read: {why}")));
                continue;
            }
            if let Some(&other) = overlaps.get(&index) {
                let other = archive.name_for_index(other).unwrap_or_default();
                out.add(FileReport::failed(
                    &name,
                    format!(
                        "its data overlaps that of {} in the zip (a zip bomb reuses compressed \
                         data for many members this way); not read",
                        member_name(other)
                    ),
                ));
                continue;
            }
            let member = match archive.by_index(index) {
                Ok(member) => member,
                Err(e) => {
                    out.add(FileReport::failed(
                        &name,
                        format!("cannot read zip member: {e}"),
                    ));
                    continue;
                }
            };
            if member.is_symlink() {
                out.add(FileReport::skipped(&name, "a symbolic link (not followed)"));
                continue;
            }
            let size = member.size();
            self.zip_member(&name, size, member, depth, out);
        }
        if out.count() == before {
            out.add(FileReport::skipped(shown, "an archive with no files in it"));
        }
    }
}

impl Scan<'_> {
    /// One member of a zip, of the size its header states: refused over the member limit, else
    /// decompressed within the input's budget and checked.
    fn zip_member(
        &self,
        name: &str,
        size: u64,
        member: impl Read,
        depth: usize,
        out: &mut dyn Reports,
    ) {
        if size > self.limits.member_bytes {
            return out.add(FileReport::failed(
                name,
                format!(
                    "expands to {size} bytes, over the limit of {} (--max-member-mib; an archive \
                     bomb?)",
                    bytes(self.limits.member_bytes)
                ),
            ));
        }
        let decoded = Metered::new(member, &self.budget);
        let limited = Limited::new(decoded, self.limits.member_bytes);
        self.stream(name, stream(limited), depth + 1, out);
    }

    /// A zip whose directory the zip reader rejects: its members are read one after another
    /// from their own headers (as `unzip` salvages them), each report saying so, so one damaged
    /// entry does not cost the whole ticket. A member that stores its size after its data
    /// cannot be read this way and ends the salvage.
    fn zip_by_local_headers<R: Read + Seek>(
        &self,
        shown: &str,
        reader: &mut R,
        start: u64,
        why: &str,
        depth: usize,
        out: &mut dyn Reports,
    ) {
        let before = out.count();
        if let Err(e) = reader.seek(io::SeekFrom::Start(start)) {
            return out.add(FileReport::failed(shown, format!("cannot read zip: {e}")));
        }
        let note =
            format!("read from its own header: the zip's directory could not be read ({why})");
        for index in 0.. {
            if index == self.limits.members {
                out.add(FileReport::failed(
                    shown,
                    format!(
                        "more than {} members; only the first were read",
                        self.limits.members
                    ),
                ));
                break;
            }
            let member = match zip::read::read_zipfile_from_stream(reader) {
                Ok(Some(member)) => member,
                Ok(None) => break,
                Err(e) => {
                    out.add(FileReport::failed(
                        shown,
                        format!("cannot read zip: {why}; reading its members one by one stopped after {index}: {e}"),
                    ));
                    break;
                }
            };
            let raw = member.name().to_owned();
            if raw.ends_with(['/', '\\']) {
                continue;
            }
            let name = format!("{shown}!/{}", member_name(&raw));
            if let Some(spent) = self.budget.spent() {
                out.add(FileReport::skipped(&name, format!("not read: {spent}")));
                continue;
            }
            self.notes.add(note.clone());
            let size = member.size();
            self.zip_member(&name, size, member, depth, out);
            self.notes.take();
        }
        if out.count() == before {
            out.add(FileReport::failed(shown, format!("cannot read zip: {why}")));
        }
    }
}

/// Members whose bytes in the zip (local header and data) overlap another member's, each with
/// one it overlaps: a zip bomb's way to have many members expand one compressed stream (a
/// 16 MB zip can stand for 234 TiB this way, each member under any per-member limit).
fn overlapping<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    count: usize,
) -> BTreeMap<usize, usize> {
    let mut spans: Vec<(u64, u64, usize)> = (0..count)
        .filter_map(|index| {
            let member = archive.by_index_raw(index).ok()?;
            let end = member.data_start().saturating_add(member.compressed_size());
            Some((member.header_start(), end, index))
        })
        .collect();
    spans.sort_unstable();
    let mut found = BTreeMap::new();
    // The member reaching furthest so far, and where it ends.
    let mut furthest: Option<(u64, usize)> = None;
    for (start, end, index) in spans {
        match furthest {
            Some((reach, other)) if start < reach => {
                found.entry(index).or_insert(other);
                found.entry(other).or_insert(index);
                if end > reach {
                    furthest = Some((end, index));
                }
            }
            _ => furthest = Some((end, index)),
        }
    }
    found
}

/// Why a tar entry that is not a file was not read.
fn special_member<R: Read>(entry: &tar::Entry<'_, R>) -> String {
    let kind = entry.header().entry_type();
    let target = || {
        entry
            .link_name()
            .ok()
            .flatten()
            .map(|p| member_name(&p.to_string_lossy()))
            .unwrap_or_else(|| "(no target)".to_owned())
    };
    if kind.is_symlink() {
        format!("a symbolic link to {} (not followed)", target())
    } else if kind.is_hard_link() {
        format!(
            "a hard link to {} (its data is that member's, read under its name)",
            target()
        )
    } else if kind.is_character_special() {
        "a character device, not a file".to_owned()
    } else if kind.is_block_special() {
        "a block device, not a file".to_owned()
    } else if kind.is_fifo() {
        "a FIFO, not a file".to_owned()
    } else if kind.is_gnu_sparse() {
        "a sparse file (holes are not expanded; not read)".to_owned()
    } else {
        format!(
            "a tar entry of type '{}', not a file",
            char::from(kind.as_byte()).escape_default()
        )
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const LOG: &[u8] =
        b"[    0.000000] Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org)\n\
        [    2.000000] Run /init as init process\n";

    /// A pipe written to slowly: every read hands out one byte.
    struct Dribble<'a>(&'a [u8]);

    impl Read for Dribble<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some((&first, rest)) = self.0.split_first() else {
                return Ok(0);
            };
            let Some(slot) = buf.first_mut() else {
                return Ok(0);
            };
            *slot = first;
            self.0 = rest;
            Ok(1)
        }
    }

    fn tar_of(name: &str, bytes: &[u8]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, bytes).unwrap();
        builder.into_inner().unwrap()
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn a_stream_read_a_byte_at_a_time_is_still_told_by_its_first_bytes() {
        let pack = bootrules_rules::default_pack().unwrap();
        let tar = tar_of("var/log/serial.log", LOG);
        for (form, bytes) in [
            ("tar", tar.clone()),
            ("tar.gz", gzip(&tar)),
            ("gz", gzip(LOG)),
        ] {
            let mut out = Vec::new();
            let scan = Scan::new(&pack, Limits::default(), 0);
            scan.stream("-", stream(Dribble(&bytes)), 0, &mut out);
            assert_eq!(out.len(), 1, "{form}: {out:#?}");
            let expected = if form == "gz" {
                "-"
            } else {
                "-!/var/log/serial.log"
            };
            assert_eq!(out[0].path, expected, "{form}");
            assert_eq!(out[0].sessions.len(), 1, "{form}: {:?}", out[0]);
        }
    }

    #[test]
    fn a_file_cut_while_it_is_read_is_noted() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&LOG.repeat(10_000)).unwrap();
        let size = file.metadata().unwrap().len();
        let cutter = file.try_clone().unwrap();
        file.rewind().unwrap();
        let notes = Notes::default();
        let mut watched = Watched::new(file, size, &notes);
        let mut first = vec![0u8; 4096];
        watched.read_exact(&mut first).unwrap();
        cutter.set_len(10_000).unwrap();
        let mut rest = Vec::new();
        watched.read_to_end(&mut rest).unwrap();
        assert_eq!(4096 + rest.len(), 10_000);
        let notes = notes.take();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("shrank while it was read"), "{notes:?}");
        assert!(notes[0].contains(&format!("{size} bytes when opened")));
    }

    #[test]
    fn overlapping_members_are_paired() {
        // a.log and b.log share their bytes; c.log has its own.
        let mut bytes = Vec::new();
        let mut writer = zip::ZipWriter::new(Cursor::new(&mut bytes));
        for name in ["a.log", "c.log"] {
            writer
                .start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(LOG).unwrap();
        }
        writer.finish().unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        assert!(overlapping(&mut archive, 2).is_empty());
        // The same zip with its first directory entry twice (the second renamed).
        let dir_start = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        let first_len = 46 + 5;
        let mut twice = bytes[..dir_start].to_vec();
        let entry = bytes[dir_start..dir_start + first_len].to_vec();
        let mut renamed = entry.clone();
        renamed[46..].copy_from_slice(b"b.log");
        let end = bytes.len() - 22;
        twice.extend_from_slice(&entry);
        twice.extend_from_slice(&renamed);
        twice.extend_from_slice(&bytes[dir_start + first_len..end]);
        let mut record = bytes[end..].to_vec();
        record[8..10].copy_from_slice(&3u16.to_le_bytes());
        record[10..12].copy_from_slice(&3u16.to_le_bytes());
        let size = (twice.len() - dir_start) as u32;
        record[12..16].copy_from_slice(&size.to_le_bytes());
        twice.extend_from_slice(&record);
        let mut archive = zip::ZipArchive::new(Cursor::new(&twice)).unwrap();
        let found = overlapping(&mut archive, 3);
        assert_eq!(found, BTreeMap::from([(0, 1), (1, 0)]));
    }

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
