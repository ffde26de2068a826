//! Positions in a rule file: the line and column of a byte offset, and the offset of a line
//! and column, counted in one place.

use std::ops::Range;

use bootrules_core::Diagnostic;

/// Where each line of a text begins, so the line of an offset is found by a binary search
/// instead of counting newlines from the top of the file for every rule (quadratic in a pack of
/// thousands of rules). Lines are 1-based; columns are 1-based and count characters.
#[derive(Debug, Clone)]
pub struct SourceMap<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> SourceMap<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> Self {
        // memchr: the default pack's 650 KB are indexed on every load
        let newlines = memchr::memchr_iter(b'\n', text.as_bytes());
        Self {
            text,
            starts: std::iter::once(0).chain(newlines.map(|i| i + 1)).collect(),
        }
    }

    /// The text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }

    /// The byte where the line holding `offset` begins.
    fn line_start(&self, offset: usize) -> usize {
        self.starts[self.line_of(offset) - 1]
    }

    /// The column of byte `offset` (which must lie on a character).
    pub fn column_of(&self, offset: usize) -> usize {
        self.text[self.line_start(offset)..offset].chars().count() + 1
    }

    /// The bytes of the line holding `offset`, up to its newline (a carriage return before it
    /// included).
    pub fn line_around(&self, offset: usize) -> Range<usize> {
        let end = self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i);
        self.line_start(offset)..end
    }

    /// `diagnostic` placed at a byte span of the text: its line and column, and the line shown
    /// with a pointer under the span (to the end of the line at most, one character at least).
    pub fn place(&self, diagnostic: Diagnostic, span: Range<usize>) -> Diagnostic {
        let start = span.start.min(self.text.len());
        let line = self.line_around(start);
        let end = span.end.clamp(start, line.end);
        let shown = self.text[line].trim_end_matches('\r');
        let placed = diagnostic.at(self.line_of(start), self.column_of(start));
        if shown.is_empty() {
            return placed;
        }
        placed.pointing(shown, self.text[start..end].chars().count().max(1))
    }

    /// The byte offset of a line and column; past the end of a line, its end; past the last
    /// line, the end of the text.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len());
        let line_text = self.text[start..].split('\n').next().unwrap_or("");
        start
            + line_text
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(line_text.len(), |(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::SourceMap;
    use bootrules_core::Diagnostic;

    #[test]
    fn a_placed_diagnostic_shows_its_line_with_a_pointer() {
        let text = "[[stage]]\nid = \"x\"\npatterns = ['(']\n";
        let at = text.find("'('").unwrap();
        let d = Diagnostic::error("bad-regex", "r.toml", "bad regex");
        let d = SourceMap::new(text).place(d, at..at + 3);
        assert_eq!(
            d.to_string(),
            "r.toml:3:13: error[bad-regex]: bad regex\n  | patterns = ['(']\n  |             ^^^"
        );
    }

    #[test]
    fn offsets_and_positions_agree() {
        let map = SourceMap::new("ab\nçd\r\n\nx");
        assert_eq!(map.line_of(0), 1);
        assert_eq!(map.line_of(2), 1, "the newline is its line's");
        assert_eq!(map.line_of(3), 2);
        let d = "ab\nçd".find('d').unwrap();
        assert_eq!((map.line_of(d), map.column_of(d)), (2, 2));
        assert_eq!(map.offset(2, 2), d);
        assert_eq!(map.line_around(d), 3..d + 2, "up to the newline");
        assert_eq!(map.offset(2, 10), d + 2, "past the line's end");
        assert_eq!(map.offset(9, 1), map.text().len(), "past the last line");
    }
}
