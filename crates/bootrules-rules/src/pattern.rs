//! A pattern of a loaded pack: its text, and its regex, built when first needed.
//!
//! The embedded default pack holds well over a thousand patterns; building all their regexes
//! would take most of the time a run of a small log takes, and a log needs only the few its
//! lines bring up. Its patterns are checked by its own tests (every one builds, within the
//! size limits), so a run builds each one the first time a line may match it. Patterns of
//! other packs are built, and their errors reported, when the pack loads.

use std::sync::OnceLock;

use regex::Regex;

use crate::precompile;

/// One pattern and its regex.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    regex: OnceLock<Regex>,
}

impl Pattern {
    /// A pattern whose regex is built already (and checked) from `text`.
    pub(crate) fn built(text: &str, regex: Regex) -> Self {
        Self {
            text: text.to_owned(),
            regex: OnceLock::from(regex),
        }
    }

    /// A pattern of the embedded pack, built when first used.
    pub(crate) fn deferred(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            regex: OnceLock::new(),
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The regex, built on first use.
    pub fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            // Only the embedded pack's patterns are deferred, and its tests build every one of
            // them with these same limits (`default_pack_builds_every_pattern`).
            #[allow(clippy::expect_used)]
            precompile::build(&self.text)
                .map(|(regex, _)| regex)
                .expect("the embedded pack's patterns are built by its tests")
        })
    }

    /// Does the pattern match `text`?
    pub fn is_match(&self, text: &str) -> bool {
        self.regex().is_match(text)
    }
}
