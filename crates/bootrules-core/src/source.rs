//! Bytes in: decoding and line splitting with bounded memory.
//!
//! Lines are split on `\n` only, so line numbers agree with `grep -n` on the original file.
//! A text with no `\n` in its head but carriage returns that start new text (classic Mac OS
//! line ends, some terminal capture tools) has its lines end at each bare `\r` until a `\n`
//! shows, as an editor shows them: split on `\n`, the whole log would be one line. Its line
//! numbers count those carriage returns; a console's redraws (`\r` then an escape sequence, as
//! systemd's spinner does) never choose this.
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
    /// The line's bytes (without its `\n`), at most [`MAX_LINE_BYTES`] long: a longer line is
    /// cut there.
    pub bytes: &'a [u8],
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
        let utf16 = if head.starts_with(&[0xFF, 0xFE]) {
            Some((UTF_16LE, 2))
        } else if head.starts_with(&[0xFE, 0xFF]) {
            Some((UTF_16BE, 2))
        } else {
            sniff_utf16_without_bom(&head).map(|encoding| (encoding, 0))
        };
        let utf8_bom = head.starts_with(&[0xEF, 0xBB, 0xBF]);
        let cr_line_ends = utf16.is_none() && bare_carriage_returns(&head);
        let whole = io::Cursor::new(head).chain(reader);
        // Plain bytes (nearly every log) are read as they are; only UTF-16 or a byte order
        // mark goes through a decoder, which costs a copy of every byte.
        let inner: Box<dyn BufRead + 'a> = match utf16 {
            Some((encoding, bom)) => Box::new(BufReader::with_capacity(
                64 * 1024,
                Utf16Lines::new(whole, encoding, bom),
            )),
            None if utf8_bom => {
                let decoded = DecodeReaderBytesBuilder::new()
                    .bom_sniffing(true)
                    .build(whole);
                Box::new(BufReader::with_capacity(
                    64 * 1024,
                    CarriageReturnLines::new(decoded, cr_line_ends),
                ))
            }
            None => Box::new(BufReader::with_capacity(
                64 * 1024,
                CarriageReturnLines::new(whole, cr_line_ends),
            )),
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
            }));
        }
        self.buf.clear();
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
        }))
    }
}

/// Whether `head` ends its lines with bare carriage returns: no `\n` at all, and at least two
/// `\r` that start new text (not another `\r`, nor the escape sequence of a console redrawing
/// its line).
fn bare_carriage_returns(head: &[u8]) -> bool {
    memchr::memchr(b'\n', head).is_none()
        && memchr::memchr_iter(b'\r', head)
            .filter(|&at| {
                head.get(at + 1)
                    .is_some_and(|&b| !matches!(b, b'\r' | 0x1b))
            })
            .nth(1)
            .is_some()
}

/// A text whose lines end in `\r`, read with `\n` line ends until the text shows a `\n` of
/// its own; from there on (or from the start, for any other text) bytes pass unchanged.
struct CarriageReturnLines<R> {
    inner: R,
    passing: bool,
}

impl<R> CarriageReturnLines<R> {
    fn new(inner: R, carriage_return_line_ends: bool) -> Self {
        Self {
            inner,
            passing: !carriage_return_line_ends,
        }
    }
}

impl<R: Read> Read for CarriageReturnLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.passing {
            return Ok(n);
        }
        let read = &mut buf[..n];
        let until = memchr::memchr(b'\n', read).unwrap_or(n);
        self.passing = until < n;
        // (the `\r` of the first CRLF stays: that line ends at its `\n`)
        let converted = if self.passing && until > 0 && read[until - 1] == b'\r' {
            until - 1
        } else {
            until
        };
        for byte in &mut read[..converted] {
            if *byte == b'\r' {
                *byte = b'\n';
            }
        }
        Ok(n)
    }
}

/// Bytes looked at, where a UTF-16 line could begin, to tell whether the text goes on as 8-bit
/// text instead.
const SWITCH_WINDOW: usize = 256;

/// UTF-16 transcoded to UTF-8 until the text turns out to go on in 8-bit form (a capture tool
/// that wrote UTF-16, then one that appended UTF-8 to the same file); from there the bytes pass
/// through as they are. (The other way round needs nothing: UTF-16 text read as bytes is the
/// text with a NUL after every character, and NUL bytes are removed from every line.)
///
/// Where a line could begin (after a newline, or after any `\n` byte, which is how 8-bit text
/// reads in the middle of UTF-16), the next [`SWITCH_WINDOW`] bytes are looked at: UTF-16 of
/// any script holds NUL bytes there (its newline and every ASCII character have one) or is not
/// valid UTF-8, so text with neither is taken for 8-bit text.
struct Utf16Lines<R> {
    inner: R,
    /// Bytes read and not yet decoded or passed on: `raw[start..]`.
    raw: Vec<u8>,
    start: usize,
    eof: bool,
    decoder: encoding_rs::Decoder,
    big_endian: bool,
    /// Bytes of the UTF-16 text decoded so far, for the parity of a code unit.
    fed: u64,
    /// Decoded text not yet handed out: `out[given..]`.
    out: Vec<u8>,
    given: usize,
    /// At a place where a line could begin: the text may switch to 8-bit form here.
    at_line_start: bool,
    /// The text went on in 8-bit form: bytes pass through.
    passthrough: bool,
    /// The decoder was told the input ended; it is not used again.
    done: bool,
    /// Bytes of a byte order mark still to drop.
    bom: usize,
}

impl<R: Read> Utf16Lines<R> {
    fn new(inner: R, encoding: &'static Encoding, bom: usize) -> Self {
        Self {
            inner,
            raw: Vec::with_capacity(64 * 1024),
            start: 0,
            eof: false,
            decoder: encoding.new_decoder_without_bom_handling(),
            big_endian: encoding == UTF_16BE,
            fed: 0,
            out: Vec::new(),
            given: 0,
            at_line_start: false,
            passthrough: false,
            done: false,
            bom,
        }
    }

    /// Reads until `want` bytes are waiting, or the input ended.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        if self.raw.len() - self.start >= want || self.eof {
            return Ok(());
        }
        self.raw.drain(..self.start);
        self.start = 0;
        let mut chunk = [0u8; 16 * 1024];
        while self.raw.len() < want {
            match self.inner.read(&mut chunk) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.raw.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Decodes the next stretch (up to the next place a line could begin) into `out`, or
    /// switches to passing bytes through; false at the end of the input.
    fn decode_some(&mut self) -> io::Result<bool> {
        if self.done {
            return Ok(false);
        }
        self.fill(SWITCH_WINDOW.max(self.bom))?;
        if self.bom > 0 {
            let dropped = self.bom.min(self.raw.len() - self.start);
            self.start += dropped;
            self.bom -= dropped;
        }
        if self.at_line_start {
            self.at_line_start = false;
            let window = &self.raw[self.start..];
            if looks_like_8bit_text(&window[..window.len().min(SWITCH_WINDOW)], self.eof) {
                self.passthrough = true;
                self.decode(0, true);
                return Ok(true);
            }
        }
        let waiting = &self.raw[self.start..];
        if waiting.is_empty() {
            // The end: a lone byte left in the decoder becomes a replacement character.
            self.decode(0, true);
            return Ok(!self.out.is_empty());
        }
        let end = match memchr::memchr(b'\n', waiting) {
            None => waiting.len(),
            Some(i) => {
                let unit_low = (self.fed + i as u64) % 2 == 0;
                if !self.big_endian && unit_low && waiting.len() == i + 1 && !self.eof {
                    // Whether this is a UTF-16LE newline depends on the next byte.
                    self.fill(i + 2)?;
                }
                let waiting = &self.raw[self.start..];
                let newline_unit = !self.big_endian && unit_low && waiting.get(i + 1) == Some(&0);
                self.at_line_start = true;
                if newline_unit {
                    i + 2
                } else {
                    i + 1
                }
            }
        };
        self.decode(end, false);
        Ok(true)
    }

    /// Decodes the next `len` waiting bytes into `out` (`last`: the decoder's end of input).
    fn decode(&mut self, len: usize, last: bool) {
        let input = &self.raw[self.start..self.start + len];
        let room = self
            .decoder
            .max_utf8_buffer_length(input.len())
            .unwrap_or(input.len() * 3 + 16);
        self.out.clear();
        self.out.resize(room, 0);
        let (_, read, written, _) = self.decoder.decode_to_utf8(input, &mut self.out, last);
        self.done = last;
        self.out.truncate(written);
        self.given = 0;
        self.start += read;
        self.fed += read as u64;
    }
}

impl<R: Read> Read for Utf16Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.given < self.out.len() {
                let n = buf.len().min(self.out.len() - self.given);
                buf[..n].copy_from_slice(&self.out[self.given..self.given + n]);
                self.given += n;
                return Ok(n);
            }
            if self.passthrough {
                if self.start < self.raw.len() {
                    let n = buf.len().min(self.raw.len() - self.start);
                    buf[..n].copy_from_slice(&self.raw[self.start..self.start + n]);
                    self.start += n;
                    return Ok(n);
                }
                return self.inner.read(buf);
            }
            if !self.decode_some()? {
                return Ok(0);
            }
        }
    }
}

/// Whether `window`, the bytes where a line could begin, is 8-bit text rather than UTF-16: no
/// NUL byte, valid UTF-8 (but for a character cut by the window's end), no control bytes but
/// those of console text, and long enough to tell (or all that is left of the input).
fn looks_like_8bit_text(window: &[u8], at_end: bool) -> bool {
    if window.is_empty() || (window.len() < 8 && !at_end) {
        return false;
    }
    let console_bytes = window
        .iter()
        .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r' | 0x1b | 0x07 | 0x08 | 0x0c));
    console_bytes
        && match std::str::from_utf8(window) {
            Ok(_) => true,
            Err(e) => e.error_len().is_none() && window.len() == SWITCH_WINDOW,
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

    fn lines(bytes: &[u8]) -> Vec<(u64, String)> {
        let mut reader = LineReader::new(io::Cursor::new(bytes.to_vec())).unwrap();
        let mut out = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            out.push((
                line.number,
                String::from_utf8_lossy(line.bytes).into_owned(),
            ));
        }
        out
    }

    #[test]
    fn splits_on_newline_only_and_keeps_carriage_returns() {
        let got = lines(b"a\r\nb\rc\n\nlast");
        let texts: Vec<_> = got.iter().map(|(n, t)| (*n, t.as_str())).collect();
        assert_eq!(texts, [(1, "a\r"), (2, "b\rc"), (3, ""), (4, "last")]);
    }

    #[test]
    fn bare_carriage_returns_end_lines_when_no_newline_is_in_the_head() {
        let got = lines(b"Linux version 6.1\rvm login: \rroot\r");
        let texts: Vec<_> = got.iter().map(|(n, t)| (*n, t.as_str())).collect();
        assert_eq!(
            texts,
            [(1, "Linux version 6.1"), (2, "vm login: "), (3, "root")]
        );
        // one line that only ends in `\r` is still one line
        assert_eq!(lines(b"only\r").len(), 1);
        // from the first newline on, the text is read as it is (a CRLF line is one line)
        let mut input = b"line\r".repeat(1000);
        input.extend_from_slice(b"x\r\ny\rz\n");
        let got = lines(&input);
        assert_eq!(got.len(), 1002);
        assert_eq!((got[1000].0, got[1000].1.as_str()), (1001, "x\r"));
        assert_eq!(got[1001].1, "y\rz");
    }

    #[test]
    fn a_console_redrawing_its_line_is_not_taken_for_carriage_return_line_ends() {
        let spinner = b"[ ***  ] A start job is running\r\x1b[K[  *** ] A start job is running\r\x1b[K[   ***] A start job\nnext\n";
        assert_eq!(lines(spinner).len(), 2);
    }

    #[test]
    fn overlong_line_is_cut_and_the_next_line_keeps_its_number() {
        let mut input = vec![b'x'; MAX_LINE_BYTES * 3];
        input.extend_from_slice(b"\nnext\n");
        let got = lines(&input);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1.len(), MAX_LINE_BYTES);
        assert_eq!((got[1].0, got[1].1.as_str()), (2, "next"));
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
    fn utf16_of_any_script_is_not_taken_for_8bit_text() {
        let text = "上海市\n東京都上野\n서울\nΑθήνα\n上\nend\n";
        for (bom, encode) in [
            (vec![0xFF, 0xFE], u16::to_le_bytes as fn(u16) -> [u8; 2]),
            (vec![0xFE, 0xFF], u16::to_be_bytes),
        ] {
            let mut input = bom;
            for unit in text.encode_utf16() {
                input.extend_from_slice(&encode(unit));
            }
            let got: Vec<String> = lines(&input).into_iter().map(|(_, t)| t).collect();
            assert_eq!(got, ["上海市", "東京都上野", "서울", "Αθήνα", "上", "end"]);
        }
    }

    #[test]
    fn utf16_then_8bit_text_reads_both() {
        let mut input = vec![0xFF, 0xFE];
        for unit in "first\nsecond\n".encode_utf16() {
            input.extend_from_slice(&unit.to_le_bytes());
        }
        input.extend_from_slice("\nthird caf\u{e9}\r\nfourth\n".as_bytes());
        let got: Vec<String> = lines(&input).into_iter().map(|(_, t)| t).collect();
        assert_eq!(got, ["first", "second", "", "third caf\u{e9}\r", "fourth"]);
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
