//! The files of one load, by number: their text and line index, which of them are the embedded
//! pack's, and a problem at a place in one of them turned into a [`Diagnostic`].

use std::ops::Range;

use bootrules_core::Diagnostic;

use crate::codes::Code;
use crate::pack::Origin;
use crate::source_map::SourceMap;

use super::sources::RuleSource;

/// A problem at a byte span of one of the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    /// What kind of problem.
    pub code: Code,
    /// The file's number.
    pub file: usize,
    /// Bytes of the file.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    pub fn new(code: Code, file: usize, span: Range<usize>, message: impl Into<String>) -> Self {
        Self {
            code,
            file,
            span,
            message: message.into(),
        }
    }
}

/// Every file of every pack, in load order.
pub(super) struct Files<'a> {
    sources: Vec<&'a RuleSource>,
    maps: Vec<SourceMap<'a>>,
    embedded: Vec<bool>,
}

impl<'a> Files<'a> {
    pub fn new(packs: &'a [Vec<RuleSource>]) -> Self {
        let sources: Vec<&RuleSource> = packs.iter().flatten().collect();
        Self {
            maps: sources.iter().map(|s| SourceMap::new(&s.text)).collect(),
            embedded: sources.iter().map(|s| s.is_embedded()).collect(),
            sources,
        }
    }

    pub fn source(&self, file: usize) -> &'a RuleSource {
        self.sources[file]
    }

    pub fn map(&self, file: usize) -> &SourceMap<'a> {
        &self.maps[file]
    }

    /// The last file's path (where a problem of the whole run is reported).
    pub fn last_path(&self) -> &'a str {
        self.sources.last().map_or("rules", |f| f.path.as_str())
    }

    /// Is the file one of the embedded pack's? Its patterns are built when first needed.
    pub fn is_embedded(&self, file: usize) -> bool {
        self.embedded[file]
    }

    /// The number of the file at `path`.
    pub fn find(&self, path: &str) -> Option<usize> {
        self.sources.iter().position(|f| same_path(&f.path, path))
    }

    pub fn diagnostic(&self, problem: Problem) -> Diagnostic {
        let path = &self.sources[problem.file].path;
        let diagnostic = problem.code.diagnostic(path, problem.message);
        self.maps[problem.file].place(diagnostic, problem.span)
    }

    /// Where the rule whose id is at `span` is defined.
    pub fn origin(&self, file: usize, span: Range<usize>) -> Origin {
        Origin {
            file: self.sources[file].path.clone(),
            line: self.maps[file].line_of(span.start),
            column: self.maps[file].column_of(span.start),
        }
    }
}

fn same_path(a: &str, b: &str) -> bool {
    let clean = |p: &str| p.trim_start_matches("./").replace('\\', "/");
    clean(a) == clean(b)
}
