//! Lines out of bytes that arrive in pieces: each line as soon as its newline arrives, and the
//! line still being typed (a `login: ` prompt) when the follower asks for it.

use bootrules_core::source::MAX_LINE_BYTES;

/// Splits a stream on `\n`, numbering lines as `grep -n` does.
#[derive(Debug, Default)]
pub struct Splitter {
    /// The line being received (its first [`MAX_LINE_BYTES`] bytes).
    partial: Vec<u8>,
    /// Lines completed so far.
    done: u64,
    /// How many bytes of the partial line were already handed out by [`Self::take_partial`].
    handed: Option<usize>,
}

impl Splitter {
    /// Adds bytes; calls `line` with each line they complete (number, bytes). A line handed
    /// out unfinished comes again, whole, once it has grown.
    pub fn push(&mut self, mut bytes: &[u8], line: &mut dyn FnMut(u64, &[u8])) {
        while let Some(end) = memchr::memchr(b'\n', bytes) {
            self.keep(&bytes[..end]);
            let number = self.done + 1;
            if self.handed != Some(self.partial.len()) {
                line(number, &self.partial);
            }
            self.done = number;
            self.partial.clear();
            self.handed = None;
            bytes = &bytes[end + 1..];
        }
        self.keep(bytes);
    }

    /// The line being received, if it has bytes not yet handed out: a prompt that waits for
    /// input never ends with a newline.
    pub fn take_partial(&mut self) -> Option<(u64, &[u8])> {
        let fresh = !self.partial.is_empty() && self.handed != Some(self.partial.len());
        fresh.then(|| {
            self.handed = Some(self.partial.len());
            (self.done + 1, self.partial.as_slice())
        })
    }

    /// Counts lines that were skipped (following from the end of a file).
    pub fn skip(&mut self, lines: u64) {
        self.done += lines;
        self.partial.clear();
        self.handed = None;
    }

    fn keep(&mut self, bytes: &[u8]) {
        let room = MAX_LINE_BYTES.saturating_sub(self.partial.len());
        self.partial
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(pieces: &[&[u8]]) -> Vec<(u64, String)> {
        let mut splitter = Splitter::default();
        let mut lines = Vec::new();
        for piece in pieces {
            splitter.push(piece, &mut |n, b| {
                lines.push((n, String::from_utf8_lossy(b).into_owned()))
            });
        }
        lines
    }

    #[test]
    fn lines_split_across_pieces_are_joined() {
        let lines = split(&[b"Linux ver", b"sion 6.1\nsecond\nthi", b"rd\n"]);
        assert_eq!(
            lines,
            [
                (1, "Linux version 6.1".to_owned()),
                (2, "second".to_owned()),
                (3, "third".to_owned())
            ]
        );
    }

    #[test]
    fn a_prompt_is_handed_out_once_and_again_when_it_grows() {
        let mut splitter = Splitter::default();
        let mut lines = Vec::new();
        splitter.push(b"booted\nhost login: ", &mut |n, _| lines.push(n));
        assert_eq!(splitter.take_partial(), Some((2, &b"host login: "[..])));
        assert_eq!(splitter.take_partial(), None);
        // the newline alone adds nothing: the line is not handed out twice
        splitter.push(b"\n", &mut |n, _| lines.push(n));
        splitter.push(b"x login: ", &mut |n, _| lines.push(n));
        assert!(splitter.take_partial().is_some());
        splitter.push(b"root\n", &mut |n, _| lines.push(n));
        assert_eq!(lines, [1, 3]);
    }

    #[test]
    fn an_overlong_line_keeps_its_head_and_its_number() {
        let long = vec![b'a'; MAX_LINE_BYTES * 2];
        let mut splitter = Splitter::default();
        let mut seen = Vec::new();
        splitter.push(&long, &mut |_, _| {});
        splitter.push(b"\nnext\n", &mut |n, b| seen.push((n, b.len())));
        assert_eq!(seen, [(1, MAX_LINE_BYTES), (2, 4)]);
    }

    #[test]
    fn skipped_bytes_keep_the_numbering() {
        let mut splitter = Splitter::default();
        splitter.skip(2);
        let mut seen = Vec::new();
        splitter.push(b"four\n", &mut |n, _| seen.push(n));
        assert_eq!(seen, [3]);
    }
}
