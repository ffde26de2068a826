//! Compiling a pack's regular expressions on every core before the loader walks its rules.
//!
//! Building the regexes is most of the time a pack takes to load, and each pattern builds on
//! its own, so all of them are built in parallel up front; the loader then looks each one up
//! by its text. A pattern that fails keeps its error, which the loader reports where the
//! pattern is written.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

use regex::{Regex, RegexBuilder};

use crate::prefilter::required_literals;

/// Compiled size allowed for one pattern; a pattern over it is reported, not run.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// More threads than this only add start-up cost for a pack of a few hundred patterns.
const MAX_THREADS: usize = 8;

/// One pattern, built: its regex (or why not) and the literals the prefilter needs.
#[derive(Debug)]
pub struct Compiled {
    /// The regex, or the reason it cannot be built.
    pub regex: Result<Regex, regex::Error>,
    /// See [`required_literals`].
    pub literals: Option<Vec<Vec<u8>>>,
}

/// Builds one pattern's regex with the pack's size limit.
pub fn build(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
}

/// Builds every pattern (given once each), on as many threads as there are cores.
pub fn compile_all<'a>(patterns: &[&'a str]) -> HashMap<&'a str, Compiled> {
    let threads = std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(MAX_THREADS)
        .min(patterns.len());
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        while let Some(&pattern) = patterns.get(next.fetch_add(1, Ordering::Relaxed)) {
            let compiled = Compiled {
                regex: build(pattern),
                literals: required_literals(pattern),
            };
            done.push((pattern, compiled));
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
