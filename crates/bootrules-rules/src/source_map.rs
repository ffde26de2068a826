//! Positions in a rule file: the line and column of a byte offset, and the offset of a line
//! and column, counted in one place.

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
        let newlines = text.bytes().enumerate().filter(|&(_, b)| b == b'\n');
        Self {
            text,
            starts: std::iter::once(0)
                .chain(newlines.map(|(i, _)| i + 1))
                .collect(),
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
    pub fn line_around(&self, offset: usize) -> std::ops::Range<usize> {
        let end = self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i);
        self.line_start(offset)..end
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
