//! Rule file errors that point at the offending text.

use std::fmt;
use std::ops::Range;

use crate::source_map::SourceMap;

/// A problem in a rule file, with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleError {
    /// The rule file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The source line, for the pointer under it.
    pub source_line: String,
    /// How many characters the pointer covers.
    pub width: usize,
}

impl RuleError {
    /// An error at a byte span of the text `map` indexes.
    pub fn at(
        file: &str,
        map: &SourceMap<'_>,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        let text = map.text();
        let start = span.start.min(text.len());
        let line = map.line_around(start);
        let end = span.end.clamp(start, line.end);
        Self {
            file: file.to_owned(),
            line: map.line_of(start),
            column: map.column_of(start),
            message: message.into(),
            source_line: text[line].trim_end_matches('\r').to_owned(),
            width: text[start..end].chars().count().max(1),
        }
    }

    /// An error about a whole file (it could not be read, say).
    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            line: 1,
            column: 1,
            message: message.into(),
            source_line: String::new(),
            width: 0,
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )?;
        if !self.source_line.is_empty() {
            let pad = " ".repeat(self.column - 1);
            write!(
                f,
                "\n  | {}\n  | {pad}{}",
                self.source_line,
                "^".repeat(self.width)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_and_pointer_come_from_the_span() {
        let text = "[[stage]]\nid = \"x\"\npatterns = ['(']\n";
        let at = text.find("'('").unwrap();
        let e = RuleError::at("r.toml", &SourceMap::new(text), at..at + 3, "bad regex");
        assert_eq!((e.line, e.column), (3, 13));
        assert_eq!(
            e.to_string(),
            "r.toml:3:13: bad regex\n  | patterns = ['(']\n  |             ^^^"
        );
    }
}
