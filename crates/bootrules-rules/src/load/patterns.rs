//! Building a pack's patterns in rule order: each one numbered with what it belongs to, all of
//! them within the pack's budget, and a bad one reported where it is written.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use crate::codes::Code;
use crate::owner::Owner;
use crate::pattern::Pattern;
use crate::precompile::{self, Compiled, Unbuilt};
use crate::spanned::Spanned;

use super::files::{Files, Problem};

/// The patterns of the pack being built, and the problems met building them.
pub(super) struct Patterns<'a> {
    files: &'a Files<'a>,
    /// The patterns, built beforehand by their text.
    compiled: &'a HashMap<&'a str, Compiled>,
    pub problems: Vec<Problem>,
    pub regexes: Vec<Pattern>,
    pub owners: Vec<Owner>,
    /// Pattern texts already counted against the pack's budget, and what they cost.
    charged: HashSet<String>,
    pub spent: usize,
    /// The budget error is reported once, at the first pattern over it.
    over_budget: bool,
}

impl<'a> Patterns<'a> {
    pub fn new(files: &'a Files<'a>, compiled: &'a HashMap<&'a str, Compiled>) -> Self {
        Self {
            files,
            compiled,
            problems: Vec::new(),
            regexes: Vec::new(),
            owners: Vec::new(),
            charged: HashSet::new(),
            spent: 0,
            over_budget: false,
        }
    }

    pub fn files(&self) -> &'a Files<'a> {
        self.files
    }

    /// One pattern, not numbered (an `exclude`, a unit category's unit); `None` when it is
    /// reported.
    pub fn regex(&mut self, pattern: &Spanned<String>, file: usize) -> Option<Pattern> {
        let text = pattern.get_ref().as_str();
        if self.files.is_embedded(file) {
            return Some(Pattern::deferred(text));
        }
        let built = match self.compiled.get(text) {
            Some(compiled) => compiled.regex.clone().map(|re| (re, compiled.cost)),
            None => precompile::build(text).map_err(Unbuilt::Invalid),
        };
        let problem = match built {
            Ok((re, cost)) => {
                if self.charged.insert(text.to_owned()) {
                    self.spent += cost;
                }
                if self.spent <= precompile::PACK_SIZE_LIMIT {
                    return Some(Pattern::built(text, re));
                }
                None
            }
            Err(Unbuilt::Invalid(e)) => Some(e),
            Err(Unbuilt::OverBudget) => None,
        };
        let mut span = pattern.span();
        let (code, message) = match problem {
            Some(e) => {
                if let Some(inner) = regex_error_span(text) {
                    let file_text = &self.files.source(file).text;
                    span = span_in_file(file_text, pattern.span(), text, inner);
                }
                let message = format!("bad regular expression: {}", regex_problem(&e));
                (Code::BadRegex, message)
            }
            None if self.over_budget => return None,
            None => {
                self.over_budget = true;
                let message = format!(
                    "the pack's patterns need more than {} MiB compiled from here on \
                     (the limit for all patterns of a run together); remove rules or simplify \
                     patterns",
                    precompile::PACK_SIZE_LIMIT >> 20
                );
                (Code::PackTooLarge, message)
            }
        };
        self.problems.push(Problem::new(code, file, span, message));
        None
    }

    /// Patterns numbered as `owner`'s.
    pub fn number(&mut self, list: &[Spanned<String>], file: usize, owner: Owner) {
        for pattern in list {
            if let Some(re) = self.regex(pattern, file) {
                self.regexes.push(re);
                self.owners.push(owner);
            }
        }
    }
}

/// The regex crate's explanation without its own copy of the pattern (the pointer under the
/// rule file's line shows where the pattern is).
fn regex_problem(e: &regex::Error) -> String {
    let text = e.to_string();
    match text
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
    {
        Some(problem) => problem.to_owned(),
        None => text.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// Where in a pattern its syntax error lies (bytes of the pattern), as regex-syntax finds it.
fn regex_error_span(pattern: &str) -> Option<Range<usize>> {
    let span = match regex_syntax::Parser::new().parse(pattern) {
        Err(regex_syntax::Error::Parse(e)) => *e.span(),
        Err(regex_syntax::Error::Translate(e)) => *e.span(),
        _ => return None,
    };
    Some(span.start.offset..span.end.offset.max(span.start.offset + 1))
}

/// The file bytes of `inner` (bytes of the pattern) when the pattern is written as is between
/// its quotes (a literal string, or a basic one without escapes); else the whole string.
fn span_in_file(
    text: &str,
    string: Range<usize>,
    pattern: &str,
    inner: Range<usize>,
) -> Range<usize> {
    for quotes in [1, 3] {
        let body = string.start + quotes..string.end.saturating_sub(quotes);
        if text.get(body.clone()) == Some(pattern) {
            let end = (body.start + inner.end).min(body.end);
            return body.start + inner.start..end;
        }
    }
    string
}
