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

use memchr::memmem::Finder;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Hir, HirKind, Look};

use crate::literal_set::LiteralSet;

/// Literals shorter than this are too common on console lines to filter anything.
const MIN_LITERAL_BYTES: usize = 3;

/// Literals this long are rare enough on console lines; longer ones filter no better.
const RARE_ENOUGH_BYTES: usize = 16;

/// Prefixes (or suffixes) are cut to this length: cut shorter, fewer of them differ, so more
/// patterns have few enough (`Starting systemd`, `Starting Power-O` rather than `Starting `).
const MAX_AFFIX_BYTES: usize = RARE_ENOUGH_BYTES;

/// Most prefixes (or suffixes) taken for one pattern; more would only slow the search.
const MAX_AFFIXES: usize = 16;

/// Further sets of literals checked per pattern, besides the one searched for: the line must
/// hold one literal of each. More would only grow the search.
const MAX_FURTHER: usize = 2;

/// Bytes of each literal searched for. Any part of a literal a match must contain is one it
/// must contain too. The search costs no more for a longer literal, and a literal searched for
/// whole tells apart the patterns that share its first words (`Begin: Running
/// /scripts/init-bottom`, `Begin: Running /scripts/local-top`).
const SEARCHED_BYTES: usize = 64;

/// Picks, per line, the patterns that can possibly match.
#[derive(Debug)]
pub struct Prefilter {
    literals: LiteralSet,
    /// For each literal of the set, the patterns that need it (or another literal of its set).
    owners: Vec<Vec<u32>>,
    /// For each pattern, further sets of literals of which a line must hold one each for the
    /// pattern to match. They are looked for only on the lines that hold one of the pattern's
    /// searched literals: many are common words (`systemd`, ` - `) that would slow the search
    /// of every line.
    further: Vec<Vec<Vec<Finder<'static>>>>,
    /// For each pattern, what a line must begin and end with (see [`Requirement::starts`]).
    anchors: Vec<Anchors>,
    /// Patterns without a required literal: they run on every line.
    always: Vec<u32>,
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
        for (index, required) in patterns.into_iter().enumerate() {
            let index = index as u32;
            let Some(Requirement {
                literals: needed,
                also,
                starts,
                ends,
            }) = required
            else {
                always.push(index);
                further.push(Vec::new());
                anchors.push(Anchors::default());
                continue;
            };
            anchors.push(Anchors {
                starts: starts.into_iter().map(Vec::into_boxed_slice).collect(),
                ends: ends.into_iter().map(Vec::into_boxed_slice).collect(),
            });
            for mut literal in needed {
                literal.truncate(SEARCHED_BYTES);
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
        Self {
            literals,
            owners,
            further,
            anchors,
            always,
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
        for at in from..found {
            for &pattern in &self.owners[out[at] as usize] {
                if !out[found..].contains(&pattern)
                    && self.anchors[pattern as usize].hold(text)
                    && self.further[pattern as usize].iter().all(holds)
                {
                    out.push(pattern);
                }
            }
        }
        out.drain(from..found);
        out[from..].sort_unstable();
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

/// What a line must hold for a pattern to match: one of `literals` (searched for), one
/// literal of each set of `also`, and, when the pattern is anchored, one of `starts` at its
/// beginning and one of `ends` at its end.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    /// Literals of which every match contains one.
    pub literals: Vec<Vec<u8>>,
    /// Further such sets.
    pub also: Vec<Vec<Vec<u8>>>,
    /// For a pattern that begins with `^`, the literals of which the line begins with one;
    /// empty when there is no such condition. `^(?:Starting|Stopping)\b.*\]$` is looked
    /// for by a word that many lines hold anywhere, and run only on those that begin with it.
    pub starts: Vec<Vec<u8>>,
    /// For a pattern that ends with `$`, the literals of which the line ends with one; empty
    /// when there is no such condition.
    pub ends: Vec<Vec<u8>>,
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
    requirement(pattern).map(|r| r.literals)
}

/// The [`required_literals`] of `pattern` and up to [`MAX_FURTHER`] further sets its matches
/// need one literal of each (the other parts of a concatenation: `Rescue Mode` besides
/// `Reached target ` in `Reached target (?:\S+ - )?Rescue Mode`), or `None`.
pub fn requirement(pattern: &str) -> Option<Requirement> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let usable =
        |set: &Vec<Vec<u8>>| !set.is_empty() && set.iter().all(|l| l.len() >= MIN_LITERAL_BYTES);
    let mut sets = vec![required(&hir)];
    for kind in [ExtractKind::Prefix, ExtractKind::Suffix] {
        sets.push(affixes(&hir, kind));
    }
    let literals = sets
        .into_iter()
        .flatten()
        .filter(usable)
        .max_by_key(|set| score(set))?;
    let mut parts = Vec::new();
    parts_required(&hir, &mut parts);
    let cut = |set: Vec<Vec<u8>>| -> Vec<Vec<u8>> {
        let mut set: Vec<Vec<u8>> = set
            .into_iter()
            .map(|mut l| {
                l.truncate(SEARCHED_BYTES);
                l
            })
            .collect();
        set.sort();
        set.dedup();
        set
    };
    let searched = cut(literals.clone());
    let mut also: Vec<Vec<Vec<u8>>> = parts
        .into_iter()
        .filter(usable)
        .map(cut)
        .filter(|set| *set != searched)
        .collect();
    also.sort_by_key(|set| std::cmp::Reverse(score(set)));
    also.dedup();
    also.truncate(MAX_FURTHER);
    Some(Requirement {
        literals,
        also,
        starts: anchored(&hir, ExtractKind::Prefix),
        ends: anchored(&hir, ExtractKind::Suffix),
    })
}

/// Most literals a line is compared with at either end.
const MAX_ANCHORS: usize = 64;

/// When every match of `hir` begins at the start of the text (for [`ExtractKind::Prefix`]) or
/// ends at its end (for [`ExtractKind::Suffix`]), the literals of which the text then begins
/// (or ends) with one; otherwise, or when there are too many, none.
fn anchored(hir: &Hir, kind: ExtractKind) -> Vec<Vec<u8>> {
    let looks = hir.properties();
    let anchored = match kind {
        ExtractKind::Prefix => looks.look_set_prefix().contains(Look::Start),
        _ => looks.look_set_suffix().contains(Look::End),
    };
    if !anchored {
        return Vec::new();
    }
    let mut seq = Extractor::new()
        .kind(kind)
        .limit_literal_len(MAX_AFFIX_BYTES)
        .extract(hir);
    seq.dedup();
    match seq.literals() {
        Some(literals)
            if literals.len() <= MAX_ANCHORS && literals.iter().all(|l| !l.is_empty()) =>
        {
            literals.iter().map(|l| l.as_bytes().to_vec()).collect()
        }
        _ => Vec::new(),
    }
}

/// The literal sets of each part of a concatenation (inside groups and repetitions that must
/// match at least once) that every match needs one of.
fn parts_required(hir: &Hir, out: &mut Vec<Vec<Vec<u8>>>) {
    match hir.kind() {
        HirKind::Concat(parts) => parts.iter().for_each(|part| parts_required(part, out)),
        HirKind::Capture(cap) => parts_required(&cap.sub, out),
        HirKind::Repetition(rep) if rep.min >= 1 => parts_required(&rep.sub, out),
        _ => out.extend(required(hir)),
    }
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
