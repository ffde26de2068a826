//! Compiling a pack's regular expressions on every core before the loader walks its rules.
//!
//! Building the regexes is most of the time a pack takes to load, and each pattern builds on
//! its own, so all of them are built in parallel up front; the loader then looks each one up
//! by its text. A pattern that fails keeps its error, which the loader reports where the
//! pattern is written. (The embedded pack's patterns are not built here but when a run first
//! needs them: see [`crate::pattern`].)
//!
//! A pack also has a budget for all its patterns together: each pattern costs the size class
//! its compiled form fits in, and once the pack has spent its budget no further pattern is
//! built, so a pack of thousands of huge patterns stops at the budget instead of exhausting
//! memory.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

use regex::{Regex, RegexBuilder};

/// Compiled size allowed for one pattern; a pattern over it is reported, not run.
pub const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// Compiled size allowed for all the patterns of a pack together (about the memory they take:
/// the default pack spends a tenth of it).
pub const PACK_SIZE_LIMIT: usize = 256 << 20;

/// Size classes a pattern is built at, smallest first; the first it fits is what it costs.
/// A failed try stops as soon as the class is exceeded, so trying costs little.
const SIZE_CLASSES: [usize; 3] = [16 << 10, 128 << 10, PATTERN_SIZE_LIMIT];

/// More threads than this only add start-up cost for a pack of a few hundred patterns.
const MAX_THREADS: usize = 8;

/// Why a pattern has no regex.
#[derive(Debug, Clone)]
pub enum Unbuilt {
    /// The regex crate refused it (syntax, or over [`PATTERN_SIZE_LIMIT`]).
    Invalid(regex::Error),
    /// The pack had spent [`PACK_SIZE_LIMIT`] before this pattern's turn.
    OverBudget,
}

/// One pattern, built: its regex (or why not) and what it costs the pack.
#[derive(Debug)]
pub struct Compiled {
    /// The regex, or the reason there is none.
    pub regex: Result<Regex, Unbuilt>,
    /// Its size class in bytes (0 when not built).
    pub cost: usize,
}

/// Bytes of the cache one pattern's regex may fill while it matches (its lazy DFA's states), per
/// thread. The regex crate's default, 2 MiB, lets thousands of patterns that run on every line
/// take gigabytes; past this the cache is cleared and rebuilt, which costs time, not memory.
/// At 64 KiB the default pack's busiest patterns (`\S.*\.$` over every status line) rebuilt
/// theirs often enough to cost 7% of a check of the lab logs; 128 KiB costs no more memory on
/// them, and 256 KiB saves no more time.
pub const MATCH_CACHE_LIMIT: usize = 128 << 10;

/// Builds one pattern's regex (with [`ascii_classes`]) in the smallest size class it fits;
/// returns it with its cost. A syntax error is the one the pattern as written has, so its
/// position is where the rule's author wrote it.
pub fn build(pattern: &str) -> Result<(Regex, usize), regex::Error> {
    let ascii = ascii_classes(pattern);
    let mut outcome = None;
    for class in SIZE_CLASSES {
        match RegexBuilder::new(&ascii)
            .size_limit(class)
            .dfa_size_limit(MATCH_CACHE_LIMIT)
            .build()
        {
            Ok(regex) => return Ok((regex, class)),
            Err(e @ regex::Error::CompiledTooBig(_)) => outcome = Some(e),
            Err(e) => return Err(Regex::new(pattern).err().unwrap_or(e)),
        }
    }
    Err(outcome.unwrap_or(regex::Error::CompiledTooBig(PATTERN_SIZE_LIMIT)))
}

/// Builds every pattern (given once each), on as many threads as there are cores, until the
/// pack's budget is spent.
pub fn compile_all<'a>(patterns: &[&'a str]) -> HashMap<&'a str, Compiled> {
    let threads = std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(MAX_THREADS)
        .min(patterns.len());
    let next = AtomicUsize::new(0);
    let spent = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        while let Some(&pattern) = patterns.get(next.fetch_add(1, Ordering::Relaxed)) {
            let (regex, cost) = if spent.load(Ordering::Relaxed) > PACK_SIZE_LIMIT {
                (Err(Unbuilt::OverBudget), 0)
            } else {
                match build(pattern) {
                    Ok((regex, cost)) => (Ok(regex), cost),
                    Err(e) => (Err(Unbuilt::Invalid(e)), 0),
                }
            };
            spent.fetch_add(cost, Ordering::Relaxed);
            done.push((pattern, Compiled { regex, cost }));
        }
        done
    };
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut all: HashMap<_, _> = work().into_iter().collect();
        for helper in helpers {
            let done = helper
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            all.extend(done);
        }
        all
    })
}

/// The pattern with `\w`, `\d` and `\b` read as ASCII: console text names units, devices and
/// paths in ASCII, and Unicode's word and digit tables make every regex that uses them several
/// times larger, slower to build and unable to use the lazy DFA on a line with a non-ASCII
/// character (`\b`). Their negations keep their Unicode meaning (an ASCII `\W` could match
/// half a character).
pub fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push(c);
                    break;
                };
                match (next, in_class) {
                    ('w', false) => out.push_str("[0-9A-Za-z_]"),
                    ('w', true) => out.push_str("0-9A-Za-z_"),
                    ('d', false) => out.push_str("[0-9]"),
                    ('d', true) => out.push_str("0-9"),
                    ('b', false) => out.push_str("(?-u:\\b)"),
                    _ => {
                        out.push(c);
                        out.push(next);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // a `]` or `^]` right after the opening bracket is a literal
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().unwrap_or('^'));
                }
                if chars.peek() == Some(&']') {
                    out.push(chars.next().unwrap_or(']'));
                }
            }
            '[' if in_class && chars.peek() == Some(&':') => {
                // a POSIX class `[:alpha:]` inside a class
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == ']' {
                        break;
                    }
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_digit_and_boundary_classes_are_ascii() {
        assert_eq!(
            ascii_classes(r"\bsd\w+ \d+"),
            r"(?-u:\b)sd[0-9A-Za-z_]+ [0-9]+"
        );
        assert_eq!(ascii_classes(r"[\w.-]+[^\d]"), r"[0-9A-Za-z_.-]+[^0-9]");
        // escaped backslashes, negations, POSIX classes and a leading `]` are left alone
        assert_eq!(ascii_classes(r"\\w \W\D\B"), r"\\w \W\D\B");
        assert_eq!(
            ascii_classes(r"[]\w][[:alpha:]\d]"),
            r"[]0-9A-Za-z_][[:alpha:]0-9]"
        );
        let (regex, _) = build(r"\b(?P<unit>[\w@.-]+)\.service\b").unwrap();
        assert!(regex.is_match("Started foo@1.service."));
        // a non-ASCII letter is not a word character
        let unit = regex
            .captures("Started f\u{f6}o.service")
            .map(|c| c["unit"].to_owned());
        assert_eq!(unit.as_deref(), Some("o"));
    }

    #[test]
    fn a_syntax_error_points_into_the_pattern_as_written() {
        let written = r"\w+ (unclosed";
        let error = build(written).unwrap_err().to_string();
        assert_eq!(error, Regex::new(written).unwrap_err().to_string());
    }
}
