//! Bytes in: decoding and line splitting with bounded memory.
//!
//! Lines are split on `\n` only, so line numbers agree with `grep -n` on the original file.
//! A line longer than [`MAX_LINE_BYTES`] keeps its first bytes for matching and the rest is
//! skipped without being stored, so a log made of one giant line still runs in bounded memory.

use std::io::{self, BufRead, BufReader, Read};

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};
use encoding_rs_io::DecodeReaderBytesBuilder;

/// Bytes of one line kept for matching; the rest of an overlong line is skipped.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// How many leading bytes are sniffed for a UTF-16 text that has no byte order mark.
const SNIFF_BYTES: usize = 4096;

/// One raw line as read from the input, before normalisation.
#[derive(Debug)]
pub struct RawLine<'a> {
    /// 1-based line number in the original file.
    pub number: u64,
    /// The line's bytes (without its `\n`), at most [`MAX_LINE_BYTES`] long.
    pub bytes: &'a [u8],
    /// True when the line was longer than [`MAX_LINE_BYTES`] and was cut.
    pub truncated: bool,
}

/// Reads a byte stream as lines, decoding UTF-16 to UTF-8 on the way.
pub struct LineReader<'a> {
    inner: Box<dyn BufRead + 'a>,
    buf: Vec<u8>,
    /// Bytes of the line last handed out in place, consumed when the next is asked for.
    pending: usize,
    number: u64,
    done: bool,
}

impl<'a> LineReader<'a> {
    /// Wraps a reader; UTF-16 input (with a byte order mark, or sniffed from its NUL pattern)
    /// is transcoded to UTF-8, everything else passes through byte for byte.
    pub fn new<R: Read + 'a>(mut reader: R) -> io::Result<Self> {
        // Gather the head whatever sizes the reads come in (a pipe or a decoder may hand out
        // a few bytes at a time), so the encoding is judged on the same bytes every time.
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        (&mut reader)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)?;
        let encoding = sniff_utf16_without_bom(&head);
        let has_bom = [&[0xEF, 0xBB, 0xBF][..], &[0xFF, 0xFE], &[0xFE, 0xFF]]
            .iter()
            .any(|bom| head.starts_with(bom));
        let whole = BufReader::with_capacity(64 * 1024, io::Cursor::new(head).chain(reader));
        // Plain bytes (nearly every log) are read as they are; only UTF-16 or a byte order
        // mark goes through the decoder, which costs a copy of every byte.
        let inner: Box<dyn BufRead + 'a> = if encoding.is_none() && !has_bom {
            Box::new(whole)
        } else {
            let decoded = DecodeReaderBytesBuilder::new()
                .encoding(encoding)
                .bom_sniffing(true)
                .build(whole);
            Box::new(BufReader::with_capacity(64 * 1024, decoded))
        };
        Ok(Self {
            inner,
            buf: Vec::with_capacity(256),
            pending: 0,
            number: 0,
            done: false,
        })
    }

    /// The next line, or `None` at the end of the input.
    pub fn next_line(&mut self) -> io::Result<Option<RawLine<'_>>> {
        if self.done {
            return Ok(None);
        }
        self.inner.consume(std::mem::take(&mut self.pending));
        // A line that lies whole in the read buffer is handed out where it is.
        let whole_line =
            memchr::memchr(b'\n', self.inner.fill_buf()?).filter(|&end| end <= MAX_LINE_BYTES);
        if let Some(end) = whole_line {
            self.pending = end + 1;
            self.number += 1;
            // A second look at a buffer that is not empty reads nothing.
            let chunk = self.inner.fill_buf()?;
            return Ok(Some(RawLine {
                number: self.number,
                bytes: &chunk[..end],
                truncated: false,
            }));
        }
        self.buf.clear();
        let mut truncated = false;
        let mut saw_any = false;
        loop {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                self.done = true;
                if !saw_any {
                    return Ok(None);
                }
                break;
            }
            saw_any = true;
            let (take, found_newline) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            let room = MAX_LINE_BYTES.saturating_sub(self.buf.len());
            if take > room {
                truncated = true;
            }
            self.buf.extend_from_slice(&chunk[..take.min(room)]);
            let consumed = if found_newline { take + 1 } else { take };
            self.inner.consume(consumed);
            if found_newline {
                break;
            }
        }
        self.number += 1;
        Ok(Some(RawLine {
            number: self.number,
            bytes: &self.buf,
            truncated,
        }))
    }
}

/// Recognises UTF-16 without a byte order mark: text of mostly ASCII characters has a NUL in
/// every other byte. A NUL flood (NULs in both halves) is not UTF-16.
fn sniff_utf16_without_bom(head: &[u8]) -> Option<&'static Encoding> {
    let head = &head[..head.len().min(SNIFF_BYTES) & !1];
    if head.len() < 16 || head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return None;
    }
    let pairs = head.len() / 2;
    let (mut even_nul, mut odd_nul) = (0usize, 0usize);
    for pair in head.chunks_exact(2) {
        even_nul += usize::from(pair[0] == 0);
        odd_nul += usize::from(pair[1] == 0);
    }
    let mostly = |n: usize| n * 10 >= pairs * 9;
    let rarely = |n: usize| n * 10 <= pairs;
    if mostly(odd_nul) && rarely(even_nul) {
        Some(UTF_16LE)
    } else if mostly(even_nul) && rarely(odd_nul) {
        Some(UTF_16BE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: &[u8]) -> Vec<(u64, String, bool)> {
        let mut reader = LineReader::new(io::Cursor::new(bytes.to_vec())).unwrap();
        let mut out = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            out.push((
                line.number,
                String::from_utf8_lossy(line.bytes).into_owned(),
                line.truncated,
            ));
        }
        out
    }

    #[test]
    fn splits_on_newline_only_and_keeps_carriage_returns() {
        let got = lines(b"a\r\nb\rc\n\nlast");
        let texts: Vec<_> = got.iter().map(|(n, t, _)| (*n, t.as_str())).collect();
        assert_eq!(texts, [(1, "a\r"), (2, "b\rc"), (3, ""), (4, "last")]);
    }

    #[test]
    fn overlong_line_is_cut_and_the_next_line_keeps_its_number() {
        let mut input = vec![b'x'; MAX_LINE_BYTES * 3];
        input.extend_from_slice(b"\nnext\n");
        let got = lines(&input);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1.len(), MAX_LINE_BYTES);
        assert!(got[0].2);
        assert_eq!((got[1].0, got[1].1.as_str(), got[1].2), (2, "next", false));
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        for (bom, encode) in [
            (vec![0xFF, 0xFE], u16::to_le_bytes as fn(u16) -> [u8; 2]),
            (vec![0xFE, 0xFF], u16::to_be_bytes),
        ] {
            let mut input = bom;
            for unit in "Linux version 6.1\nlogin: ".encode_utf16() {
                input.extend_from_slice(&encode(unit));
            }
            let got = lines(&input);
            assert_eq!(got[0].1, "Linux version 6.1");
            assert_eq!(got[1].1, "login: ");
        }
    }

    #[test]
    fn utf16le_without_bom_is_sniffed() {
        let mut input = Vec::new();
        for unit in "[    0.000000] Linux version 6.1.0\nsecond line\n".encode_utf16() {
            input.extend_from_slice(&unit.to_le_bytes());
        }
        let got = lines(&input);
        assert_eq!(got[0].1, "[    0.000000] Linux version 6.1.0");
        assert_eq!(got[1].1, "second line");
    }

    #[test]
    fn nul_flood_is_not_mistaken_for_utf16() {
        let mut input = vec![0u8; 4096];
        input.extend_from_slice(b"\nafter\n");
        let got = lines(&input);
        assert_eq!(got[1].1, "after");
    }

    #[test]
    fn empty_input_has_no_lines() {
        assert!(lines(b"").is_empty());
    }
}
