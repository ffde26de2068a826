//! The literal prefilter: most console lines match no rule, so they should cost one
//! multi-literal search and no regex at all.
//!
//! For every pattern the loader derives a set of literals of which any match must contain one
//! (from the parsed regex: a concatenation needs one of its parts, an alternation needs one
//! literal per branch). One [`LiteralSet`] searches a line for all of them; only the patterns
//! whose literal was found run their regex. A pattern may need further literals besides
//! (`Reached target ` and `Rescue Mode`): the line must then hold one of each of those sets
//! too, so a common first word lets few lines through. Those are looked for only on the lines
//! the search lets through, and a pattern anchored with `^` or `$` runs only on lines that
//! begin or end as it must. Patterns without a usable literal (for
//! example case-insensitive ones) run on every line, so `rules validate` can point them out.

use std::collections::HashMap;

use crate::line_starts::LineStarts;
use crate::literal_set::LiteralSet;
pub use crate::requirement::{required_literals, requirement, Requirement};
use crate::requirement::{MIN_LITERAL_BYTES, SEARCHED_BYTES};
use memchr::memmem::Finder;

/// Picks, per line, the patterns that can possibly match.
#[derive(Debug)]
pub struct Prefilter {
    literals: LiteralSet,
    /// For each literal of the set, the patterns that need it (or another literal of its set).
    owners: Vec<Vec<u32>>,
    /// The patterns anchored with `^`, looked for only at the start of a line.
    line_starts: LineStarts,
    /// For each pattern, further sets of literals of which a line must hold one each for the
    /// pattern to match. They are looked for only on the lines that hold one of the pattern's
    /// searched literals: many are common words (`systemd`, ` - `) that would slow the search
    /// of every line.
    further: Vec<Vec<Vec<Finder<'static>>>>,
    /// For each pattern, what a line must begin and end with (see [`Requirement::starts`]).
    anchors: Vec<Anchors>,
    /// Patterns without a required literal: they run on every line.
    always: Vec<u32>,
    /// For each pattern, whether a line that passes its literals matches it (see
    /// [`Requirement::exact`]).
    exact: Vec<bool>,
}

impl Prefilter {
    /// Builds the prefilter for patterns, numbered in their order.
    #[cfg(test)]
    fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Self {
        Self::from_requirements(patterns.into_iter().map(requirement))
    }

    /// Builds the prefilter from each pattern's [`requirement`], in pattern order.
    pub fn from_requirements(patterns: impl IntoIterator<Item = Option<Requirement>>) -> Self {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<u32>> = Vec::new();
        let mut further = Vec::new();
        let mut anchors = Vec::new();
        let mut index_of: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut always = Vec::new();
        let mut exact = Vec::new();
        let mut line_starts = Vec::new();
        for (index, required) in patterns.into_iter().enumerate() {
            let index = index as u32;
            let Some(Requirement {
                literals: mut needed,
                mut also,
                starts,
                ends,
                exact: is_exact,
            }) = required
            else {
                always.push(index);
                further.push(Vec::new());
                anchors.push(Anchors::default());
                exact.push(false);
                continue;
            };
            exact.push(is_exact);
            for literal in &mut needed {
                literal.truncate(SEARCHED_BYTES);
            }
            let by_start =
                !starts.is_empty() && starts.iter().all(|s| s.len() >= MIN_LITERAL_BYTES);
            if by_start {
                line_starts.extend(starts.iter().map(|s| (s.clone(), index)));
                // The searched literals are still needed, unless the line's start holds one.
                let implied = is_exact
                    || starts
                        .iter()
                        .all(|s| needed.iter().any(|l| Finder::new(l).find(s).is_some()));
                if !implied {
                    also.insert(0, std::mem::take(&mut needed));
                }
                needed.clear();
            }
            anchors.push(Anchors {
                starts: starts.into_iter().map(Vec::into_boxed_slice).collect(),
                ends: ends.into_iter().map(Vec::into_boxed_slice).collect(),
            });
            for literal in needed {
                let at = *index_of.entry(literal).or_insert_with_key(|literal| {
                    literals.push(literal.clone());
                    owners.push(Vec::new());
                    literals.len() - 1
                });
                if !owners[at].contains(&index) {
                    owners[at].push(index);
                }
            }
            further.push(
                also.into_iter()
                    .filter(|set| set.iter().all(|l| l.len() >= MIN_LITERAL_BYTES))
                    .map(|set| set.iter().map(|l| Finder::new(l).into_owned()).collect())
                    .collect(),
            );
        }
        let literals = LiteralSet::new(literals);
        // A literal too short to search for cannot rule its patterns out.
        for (literal, patterns) in owners.iter().enumerate() {
            if literals.too_short(literal) {
                always.extend(patterns);
            }
        }
        always.sort_unstable();
        always.dedup();
        for patterns in &mut owners {
            patterns.retain(|p| always.binary_search(p).is_err());
        }
        for &pattern in &always {
            exact[pattern as usize] = false;
        }
        Self {
            literals,
            owners,
            line_starts: LineStarts::new(line_starts),
            further,
            anchors,
            always,
            exact,
        }
    }

    /// Adds to `out` every pattern whose required literals are in `text`, each once, in
    /// pattern order; the [`unfiltered`](Self::unfiltered) patterns are not included.
    pub fn candidates(&self, text: &str, out: &mut Vec<u32>) {
        // The literals found are gathered first, at the end of `out`, then replaced by the
        // patterns they let through.
        let from = out.len();
        self.literals.find_each(text.as_bytes(), |literal| {
            let literal = literal as u32;
            if !out[from..].contains(&literal) {
                out.push(literal);
            }
        });
        let found = out.len();
        let text = text.as_bytes();
        let holds = |set: &Vec<Finder>| set.iter().any(|literal| literal.find(text).is_some());
        let passes = |pattern: u32| {
            self.anchors[pattern as usize].hold(text)
                && self.further[pattern as usize].iter().all(holds)
        };
        for at in from..found {
            for &pattern in &self.owners[out[at] as usize] {
                if !out[found..].contains(&pattern) && passes(pattern) {
                    out.push(pattern);
                }
            }
        }
        self.line_starts.find_each(text, |pattern| {
            if !out[found..].contains(&pattern) && passes(pattern) {
                out.push(pattern);
            }
        });
        out.drain(from..found);
        out[from..].sort_unstable();
    }

    /// True when a line that `pattern` is a [candidate](Self::candidates) for matches it.
    pub fn is_exact(&self, pattern: u32) -> bool {
        self.exact.get(pattern as usize).copied().unwrap_or(false)
    }

    /// Indices of the patterns that run on every line.
    pub fn unfiltered(&self) -> &[u32] {
        &self.always
    }
}

/// What a line must begin and end with.
#[derive(Debug, Default)]
struct Anchors {
    starts: Vec<Box<[u8]>>,
    ends: Vec<Box<[u8]>>,
}

impl Anchors {
    /// True when `text` begins with one of `starts` and ends with one of `ends` (either may be
    /// empty: no condition).
    fn hold(&self, text: &[u8]) -> bool {
        (self.starts.is_empty() || self.starts.iter().any(|s| text.starts_with(s)))
            && (self.ends.is_empty() || self.ends.iter().any(|e| text.ends_with(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requirement::RARE_ENOUGH_BYTES;

    fn lits(pattern: &str) -> Option<Vec<String>> {
        required_literals(pattern).map(|set| {
            set.into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect()
        })
    }

    #[test]
    fn concatenation_keeps_its_longest_required_literal() {
        assert_eq!(
            lits(r"Kernel panic - not syncing: (?P<reason>.*)"),
            Some(vec!["Kernel panic - not syncing: ".into()])
        );
        assert_eq!(
            lits(r"BUG: soft lockup - CPU#(?P<cpu>\d+) stuck for (?P<s>\d+)s"),
            Some(vec!["BUG: soft lockup - CPU#".into()])
        );
    }

    #[test]
    fn whole_prefixes_beat_a_common_word() {
        let switch_root =
            lits(r"Reached target (?:initrd-switch-root\.target - )?Switch Root").unwrap();
        assert_eq!(switch_root.len(), 2);
        assert!(
            switch_root.iter().all(|l| l.ends_with("Switch Root")),
            "{switch_root:?}"
        );
        // whole prefixes or suffixes, cut to the length past which a literal is rare enough
        let starting = lits(r"^Starting (?:Power-Off|Reboot)\.\.\.").unwrap();
        assert_eq!(starting.len(), 2, "{starting:?}");
        assert!(
            starting.iter().all(|l| l.len() == RARE_ENOUGH_BYTES
                && ["Starting Power-Off...", "Starting Reboot..."]
                    .iter()
                    .any(|whole| whole.contains(l.as_str()))),
            "{starting:?}"
        );
    }

    #[test]
    fn other_parts_of_a_pattern_are_further_requirements() {
        let needs = requirement(r"Reached target (?:\S+ - )?Rescue Mode").unwrap();
        assert_eq!(needs.literals, [b"Reached target ".to_vec()]);
        assert_eq!(needs.also, [vec![b"Rescue Mode".to_vec()]]);
        let filter = Prefilter::new([r"Reached target (?:\S+ - )?Rescue Mode", r"Reached target "]);
        let mut out = Vec::new();
        filter.candidates("Reached target Basic System.", &mut out);
        assert_eq!(out, [1]);
        out.clear();
        filter.candidates("Reached target rescue.target - Rescue Mode.", &mut out);
        assert_eq!(out, [0, 1]);
    }

    #[test]
    fn anchored_patterns_need_their_literals_at_the_ends_of_the_line() {
        let needs = requirement(r"^(?:Starting|Stopping)\b.*\[\s*(?:OK|FAILED)\s*\]$").unwrap();
        assert_eq!(needs.starts, [b"Starting".to_vec(), b"Stopping".to_vec()]);
        assert_eq!(needs.ends, [b"]".to_vec()]);
        assert!(requirement(r"(?:^Starting|Stopping) x")
            .unwrap()
            .starts
            .is_empty());
        let filter = Prefilter::new([r"^(?:Starting|Stopping)\b.*\[\s*(?:OK|FAILED)\s*\]$"]);
        let candidates = |line| {
            let mut out = Vec::new();
            filter.candidates(line, &mut out);
            out
        };
        assert_eq!(candidates("Starting foo.service [  OK  ]"), [0]);
        assert!(candidates("Starting foo.service...").is_empty());
        assert!(candidates("[  OK  ] Starting foo [ OK ]").is_empty());
    }

    #[test]
    fn a_pattern_of_a_few_literals_is_matched_by_them() {
        let exact = |pattern| requirement(pattern).unwrap().exact;
        assert!(exact("Random Seed"));
        assert!(exact("(?:Power down|System halted)"));
        assert!(exact(r"EXT[34]-fs error"));
        assert!(!exact(r"Linux version \d"));
        assert!(!exact(r"Power down\b"), "an assertion is no literal");
        assert!(!exact(r"(?:abc)?def"), "a match may hold either");
        let anchored = requirement(r"^systemd(?:\[1\])?: ").unwrap();
        assert!(anchored.exact);
        assert_eq!(
            anchored.starts,
            [b"systemd[1]: ".to_vec(), b"systemd: ".to_vec()]
        );
        assert!(!exact(r"^systemd: \S"));
        assert!(!exact(r"^a^bcd"));

        let filter = Prefilter::new([r"^systemd(?:\[1\])?: ", "Random Seed", r"Linux version \d"]);
        let mut out = Vec::new();
        filter.candidates("systemd[1]: Started Load/Save Random Seed.", &mut out);
        assert_eq!(out, [0, 1]);
        assert!(filter.is_exact(0) && filter.is_exact(1) && !filter.is_exact(2));
        out.clear();
        filter.candidates("a systemd[1]: line", &mut out);
        assert!(out.is_empty());
    }

    /// Every line of the lab logs that a pattern of the default pack marked exact is a
    /// candidate for is one its regex matches.
    #[test]
    fn exact_patterns_agree_with_their_regexes_on_the_lab_logs() {
        let pack = crate::default_pack().unwrap();
        let filter = pack.prefilter();
        let dir = test_support::workspace_root().join("tests/fixtures/lab/logs");
        let mut normaliser = bootrules_core::Normaliser::default();
        let (mut out, mut confirmed) = (Vec::new(), 0);
        for entry in std::fs::read_dir(dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            for (number, raw) in bytes.split(|&b| b == b'\n').enumerate() {
                let line = normaliser.normalise(number as u64 + 1, raw);
                out.clear();
                filter.candidates(line.message, &mut out);
                for &pattern in out.iter().filter(|&&p| filter.is_exact(p)) {
                    let regex = pack.regex(pattern);
                    assert!(regex.is_match(line.message), "{regex} on {}", line.message);
                    confirmed += 1;
                }
            }
        }
        assert!(
            confirmed > 1000,
            "{confirmed} lines confirmed without a regex"
        );
    }

    #[test]
    fn alternation_needs_a_literal_in_every_branch() {
        assert_eq!(
            lits(r"(?:Power down|System halted)\.?$"),
            Some(vec!["Power down".into(), "System halted".into()])
        );
        assert_eq!(lits(r"(?:Power down|\d+)"), None);
    }

    #[test]
    fn optional_parts_and_classes_give_nothing() {
        assert_eq!(lits(r"(?:abc)?\d+"), None);
        assert_eq!(lits(r"(?i)kernel panic"), None);
        assert_eq!(lits(r"ab\d"), None, "too short to filter");
    }

    #[test]
    fn candidates_are_the_patterns_whose_literal_is_present() {
        let filter = Prefilter::new([r"reboot: Power down", r"(?i)welcome", r"Linux version \d"]);
        let mut out = Vec::new();
        filter.candidates("[ 1.0] Linux version 6.1 Linux version", &mut out);
        assert_eq!(out, [2]);
        out.clear();
        filter.candidates("nothing here", &mut out);
        assert!(out.is_empty());
        assert_eq!(filter.unfiltered(), [1]);
    }
}
