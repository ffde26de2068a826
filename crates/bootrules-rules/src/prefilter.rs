//! The literal prefilter: most console lines match no rule, so they should cost one
//! multi-literal search and no regex at all.
//!
//! For every pattern the loader derives a set of literals of which any match must contain one
//! (from the parsed regex: a concatenation needs one of its parts, an alternation needs one
//! literal per branch). One [`LiteralSet`] searches a line for all of them; only the patterns
//! whose literal was found run their regex. Patterns without a usable literal (for example
//! case-insensitive ones) run on every line, so `rules validate` can point them out.

use std::collections::HashMap;

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Hir, HirKind};

use crate::literal_set::LiteralSet;

/// Literals shorter than this are too common on console lines to filter anything.
const MIN_LITERAL_BYTES: usize = 3;

/// Literals this long are rare enough on console lines; longer ones filter no better.
const RARE_ENOUGH_BYTES: usize = 16;

/// Prefixes (or suffixes) are cut to this length: longer ones filter no better and only take
/// longer to derive.
const MAX_AFFIX_BYTES: usize = 32;

/// Most prefixes (or suffixes) taken for one pattern; more would only slow the search.
const MAX_AFFIXES: usize = 16;

/// Bytes of each literal searched for. Any part of a literal a match must contain is one it
/// must contain too, and past this length a literal filters no better.
const SEARCHED_BYTES: usize = RARE_ENOUGH_BYTES;

/// Picks, per line, the patterns that can possibly match.
#[derive(Debug)]
pub struct Prefilter {
    literals: LiteralSet,
    /// For each literal of the set, the patterns that need it.
    owners: Vec<Vec<u32>>,
    /// Patterns without a required literal: they run on every line.
    always: Vec<u32>,
}

impl Prefilter {
    /// Builds the prefilter for patterns, numbered in their order.
    #[cfg(test)]
    fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Self {
        Self::from_literals(patterns.into_iter().map(required_literals))
    }

    /// Builds the prefilter from each pattern's [`required_literals`], in pattern order.
    pub fn from_literals(patterns: impl IntoIterator<Item = Option<Vec<Vec<u8>>>>) -> Self {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<u32>> = Vec::new();
        let mut index_of: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut always = Vec::new();
        for (index, required) in patterns.into_iter().enumerate() {
            let index = index as u32;
            match required {
                Some(set) => {
                    for mut literal in set {
                        literal.truncate(SEARCHED_BYTES);
                        match index_of.get(&literal) {
                            Some(&at) if owners[at].contains(&index) => {}
                            Some(&at) => owners[at].push(index),
                            None => {
                                index_of.insert(literal.clone(), literals.len());
                                literals.push(literal);
                                owners.push(vec![index]);
                            }
                        }
                    }
                }
                None => always.push(index),
            }
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
        Self {
            literals,
            owners,
            always,
        }
    }

    /// Adds to `out` every pattern whose required literal is in `text`, each once, in pattern
    /// order; the [`unfiltered`](Self::unfiltered) patterns are not included.
    pub fn candidates(&self, text: &str, out: &mut Vec<u32>) {
        let from = out.len();
        self.literals.find_each(text.as_bytes(), |literal| {
            for &pattern in &self.owners[literal] {
                if !out[from..].contains(&pattern) {
                    out.push(pattern);
                }
            }
        });
        out[from..].sort_unstable();
    }

    /// Indices of the patterns that run on every line.
    pub fn unfiltered(&self) -> &[u32] {
        &self.always
    }
}

/// A set of literals of which every match of `pattern` contains at least one, or `None`.
///
/// Three sets are derived and the one least likely to match an unrelated line is kept: the
/// literal every match must contain (`Reached target ` for `Reached target (?:…)?Switch
/// Root`), and the prefixes and suffixes every match begins or ends with, where the regex
/// allows few enough of them (`Reached target Switch Root`, `Reached target
/// initrd-switch-root.target - Switch Root`). Common console words alone would let most
/// lines through to the regexes.
pub fn required_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let mut sets = vec![required(&hir)];
    for kind in [ExtractKind::Prefix, ExtractKind::Suffix] {
        sets.push(affixes(&hir, kind));
    }
    sets.into_iter()
        .flatten()
        .filter(|set| !set.is_empty() && set.iter().all(|l| l.len() >= MIN_LITERAL_BYTES))
        .max_by_key(|set| score(set))
}

/// The literals every match begins (or ends) with, if there are few enough of them.
fn affixes(hir: &Hir, kind: ExtractKind) -> Option<Vec<Vec<u8>>> {
    let mut seq = Extractor::new()
        .kind(kind)
        .limit_literal_len(MAX_AFFIX_BYTES)
        .extract(hir);
    seq.dedup();
    let literals = seq.literals()?;
    (literals.len() <= MAX_AFFIXES)
        .then(|| literals.iter().map(|l| l.as_bytes().to_vec()).collect())
}

fn required(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Literal(lit) => Some(vec![lit.0.to_vec()]),
        HirKind::Capture(cap) => required(&cap.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => required(&rep.sub),
        HirKind::Concat(parts) => parts
            .iter()
            .filter_map(required)
            .max_by_key(|set| score(set)),
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(required(branch)?);
            }
            Some(all)
        }
        _ => None,
    }
}

/// Prefers sets whose shortest literal is longest (short literals match too many lines), up
/// to a length past which any literal is rare; then sets of fewer literals; then longer ones.
fn score(set: &[Vec<u8>]) -> (usize, std::cmp::Reverse<usize>, usize) {
    let shortest = set.iter().map(Vec::len).min().unwrap_or(0);
    (
        shortest.min(RARE_ENOUGH_BYTES),
        std::cmp::Reverse(set.len()),
        shortest,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            lits(r"^Starting (?:Power-Off|Reboot)\.\.\."),
            Some(vec![
                "Starting Power-Off...".into(),
                "Starting Reboot...".into()
            ])
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
