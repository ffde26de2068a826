//! A zip's directory found and checked before the zip reader is let at it.
//!
//! The zip reader trusts what a zip says of itself: it searches the whole file backwards for
//! the end of the directory, makes room for as many members as the directory claims, and keeps
//! every directory entry in memory. Here the end record is looked for where the format puts it
//! (within its last 64 KiB), the directory's size and member count are checked against
//! [`MAX_DIRECTORY`], and a directory that hides another end record (which the reader would try
//! next, with whatever counts it states) is refused. A zip that is not whole gets an error that
//! says so.

use std::io::{self, Read, Seek, SeekFrom};

use super::readers::bytes;

/// Largest zip directory read (some 300,000 members with ordinary names).
pub(super) const MAX_DIRECTORY: u64 = 32 << 20;

/// Bytes of the end-of-directory record without its comment.
const END: u64 = 22;

/// Bytes of the smallest directory entry.
const ENTRY: u64 = 46;

/// Where the end record may start: within its own size and the longest comment of the end.
const TAIL: u64 = END + u16::MAX as u64;

const END_SIG: &[u8; 4] = b"PK\x05\x06";
const END64_SIG: &[u8; 4] = b"PK\x06\x06";
const LOCATOR64_SIG: &[u8; 4] = b"PK\x06\x07";

/// Where a zip's directory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Directory {
    /// Offset of its first entry.
    pub start: u64,
    /// Bytes before the zip proper (a self-extracting stub), to add to the offsets it states.
    pub archive_offset: u64,
}

/// Finds and checks the directory; the error says what is wrong with the zip.
pub(super) fn locate<R: Read + Seek>(reader: &mut R) -> Result<Directory, String> {
    let io = |e: io::Error| e.to_string();
    let len = reader.seek(SeekFrom::End(0)).map_err(io)?;
    let tail_start = len.saturating_sub(TAIL);
    reader.seek(SeekFrom::Start(tail_start)).map_err(io)?;
    let mut tail = Vec::new();
    reader.take(TAIL).read_to_end(&mut tail).map_err(io)?;
    // The last end record whose comment fits in the file, as the zip reader chooses it.
    let found = (0..tail.len().saturating_sub(END as usize - 1))
        .rev()
        .filter(|&i| tail[i..].starts_with(END_SIG))
        .find(|&i| {
            let comment = u64::from(le16(&tail[i + 20..]));
            tail_start + i as u64 + END + comment <= len
        });
    let Some(at) = found else {
        return Err(
            "not a whole zip: no zip directory at its end (the zip was cut short, or is not a \
             zip at all)"
                .to_owned(),
        );
    };
    let record = &tail[at..];
    let end_pos = tail_start + at as u64;
    let (entries, size, offset) = (
        u64::from(le16(&record[10..])),
        u64::from(le32(&record[12..])),
        u64::from(le32(&record[16..])),
    );
    let zip64 = entries == 0xFFFF || offset == 0xFFFF_FFFF;
    let locator = at
        .checked_sub(20)
        .filter(|&l| zip64 && tail[l..].starts_with(LOCATOR64_SIG));
    let (entries, size, start, end, archive_offset) = match locator {
        None => {
            let start = end_pos.checked_sub(size).ok_or_else(|| {
                format!("a damaged zip: its directory of {size} bytes does not fit before its end")
            })?;
            let archive_offset = start.checked_sub(offset).ok_or_else(|| {
                "a damaged zip: its directory is not where its end record says".to_owned()
            })?;
            (entries, size, start, end_pos, archive_offset)
        }
        Some(l) => {
            let stated = le64(&tail[l + 8..]);
            let locator_pos = tail_start + l as u64;
            let end64 = zip64_end(reader, locator_pos, stated).map_err(io)?;
            let Some((end64_pos, record)) = end64 else {
                return Err("a damaged zip: its zip64 end record is missing".to_owned());
            };
            let (entries, size, offset) = (
                le64(&record[32..]),
                le64(&record[40..]),
                le64(&record[48..]),
            );
            let archive_offset = end64_pos.saturating_sub(stated);
            let start = offset.saturating_add(archive_offset);
            if start.saturating_add(size) > end64_pos {
                return Err("a damaged zip: its directory is not where its end record says".into());
            }
            (entries, size, start, start + size, archive_offset)
        }
    };
    if size > MAX_DIRECTORY {
        return Err(format!(
            "its directory takes {}, more than the {} bootrules reads (too many members, or a \
             crafted zip)",
            bytes(size),
            bytes(MAX_DIRECTORY)
        ));
    }
    if entries.saturating_mul(ENTRY) > size {
        return Err(format!(
            "a damaged zip: it claims {entries} members in a directory of {size} bytes"
        ));
    }
    if hides_an_end_record(reader, start, end).map_err(io)? {
        return Err(
            "a crafted zip: its directory holds another end-of-directory record".to_owned(),
        );
    }
    Ok(Directory {
        start,
        archive_offset,
    })
}

/// The zip64 end record: just before its locator (where it nearly always is), or where the
/// locator says.
fn zip64_end<R: Read + Seek>(
    reader: &mut R,
    locator_pos: u64,
    stated: u64,
) -> io::Result<Option<(u64, [u8; 56])>> {
    for pos in [locator_pos.checked_sub(56), Some(stated)]
        .into_iter()
        .flatten()
    {
        let mut record = [0u8; 56];
        reader.seek(SeekFrom::Start(pos))?;
        if reader.read_exact(&mut record).is_ok() && record.starts_with(END64_SIG) {
            return Ok(Some((pos, record)));
        }
    }
    Ok(None)
}

/// Whether the directory's bytes hold an end record's signature (in a name, an extra field or
/// a comment): the zip reader, failing on the first end record, would try that one.
fn hides_an_end_record<R: Read + Seek>(reader: &mut R, start: u64, end: u64) -> io::Result<bool> {
    reader.seek(SeekFrom::Start(start))?;
    let mut directory = reader.take(end - start);
    let mut chunk = vec![0u8; 64 * 1024];
    // The last three bytes of a chunk, to find a signature across the boundary.
    let mut carried = 0;
    loop {
        let n = directory.read(&mut chunk[carried..])?;
        if n == 0 {
            return Ok(false);
        }
        let seen = &chunk[..carried + n];
        if seen
            .windows(4)
            .any(|w| w == END_SIG || w == END64_SIG || w == LOCATOR64_SIG)
        {
            return Ok(true);
        }
        carried = seen.len().min(3);
        let from = seen.len() - carried;
        chunk.copy_within(from..from + carried, 0);
    }
}

fn le16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn le64(b: &[u8]) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&b[..8]);
    u64::from_le_bytes(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use std::io::Write;

    fn zip_of(names: &[&str]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for name in names {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer
                .write_all(b"[    0.000000] Linux version 6.1\n")
                .unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn a_whole_zip_has_its_directory_found() {
        let bytes = zip_of(&["a.log", "b.log"]);
        let dir = locate(&mut Cursor::new(&bytes)).unwrap();
        assert_eq!(dir.archive_offset, 0);
        assert!(bytes[dir.start as usize..].starts_with(b"PK\x01\x02"));
        // A stub before the zip moves everything by its length.
        let mut stubbed = vec![b'#'; 1000];
        stubbed.extend_from_slice(&bytes);
        let moved = locate(&mut Cursor::new(&stubbed)).unwrap();
        assert_eq!(
            (moved.start, moved.archive_offset),
            (dir.start + 1000, 1000)
        );
    }

    #[test]
    fn a_cut_zip_says_it_is_not_whole() {
        let bytes = zip_of(&["a.log"]);
        let error = locate(&mut Cursor::new(&bytes[..bytes.len() - 10])).unwrap_err();
        assert!(error.starts_with("not a whole zip"), "{error}");
        let error = locate(&mut Cursor::new(b"PK\x03\x04")).unwrap_err();
        assert!(error.starts_with("not a whole zip"), "{error}");
    }

    #[test]
    fn a_directory_hiding_an_end_record_is_refused() {
        let bytes = zip_of(&["PK\x05\x06.log"]);
        let error = locate(&mut Cursor::new(&bytes)).unwrap_err();
        assert!(error.contains("another end-of-directory record"), "{error}");
    }

    #[test]
    fn member_counts_must_fit_the_directory() {
        let mut bytes = zip_of(&["a.log"]);
        let end = bytes.len() - 22;
        bytes[end + 10..end + 12].copy_from_slice(&9000u16.to_le_bytes());
        let error = locate(&mut Cursor::new(&bytes)).unwrap_err();
        assert!(error.contains("claims 9000 members"), "{error}");
    }
}
