//! What a line must hold for a pattern to match, derived from the pattern's parsed regex.
//!
//! A pure function of the pattern's text, using only `regex-syntax`: the build script includes
//! this file too, to derive the embedded pack's requirements when the binary is built (parsing
//! all of its patterns took most of a check of a short log), and the prefilter derives them
//! at run time only for patterns the build did not see.

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Hir, HirKind, Look};

/// Literals shorter than this are too common on console lines to filter anything.
pub(crate) const MIN_LITERAL_BYTES: usize = 3;

/// Literals this long are rare enough on console lines; longer ones filter no better.
pub(crate) const RARE_ENOUGH_BYTES: usize = 16;

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
pub(crate) const SEARCHED_BYTES: usize = 64;

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
    /// The pattern matches exactly the lines that hold one of `literals` (or, when it begins
    /// with `^`, that begin with one of `starts`): its regex need not run to say so.
    pub exact: bool,
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
    let mut needs = Requirement {
        literals,
        also,
        starts: anchored(&hir, ExtractKind::Prefix),
        ends: anchored(&hir, ExtractKind::Suffix),
        exact: false,
    };
    match language(&hir) {
        Some((true, whole)) => {
            needs.starts = whole;
            needs.exact = true;
        }
        Some((false, mut whole)) => {
            let mut searched = needs.literals.clone();
            for set in [&mut searched, &mut whole] {
                set.sort();
                set.dedup();
            }
            needs.exact = searched == whole;
        }
        None => {}
    }
    Some(needs)
}

/// When `hir` matches a few literals of at least [`MIN_LITERAL_BYTES`] and at most
/// [`SEARCHED_BYTES`] and nothing else (after a leading `^`, and with no other assertion):
/// whether it begins with `^`, and the literals.
fn language(hir: &Hir) -> Option<(bool, Vec<Vec<u8>>)> {
    let (anchored, body) = match hir.kind() {
        HirKind::Concat(parts)
            if matches!(
                parts.first().map(Hir::kind),
                Some(HirKind::Look(Look::Start))
            ) =>
        {
            (true, Hir::concat(parts[1..].to_vec()))
        }
        _ => (false, hir.clone()),
    };
    // The extractor reads an assertion as the empty string, which would be exact.
    if !body.properties().look_set().is_empty() {
        return None;
    }
    let mut seq = Extractor::new()
        .kind(ExtractKind::Prefix)
        .limit_literal_len(SEARCHED_BYTES)
        .limit_total(MAX_ANCHORS)
        .extract(&body);
    seq.dedup();
    let literals = seq.literals()?;
    let whole = literals.len() <= MAX_ANCHORS
        && literals.iter().all(|l| {
            l.is_exact() && (MIN_LITERAL_BYTES..=SEARCHED_BYTES).contains(&l.as_bytes().len())
        });
    whole.then(|| {
        (
            anchored,
            literals.iter().map(|l| l.as_bytes().to_vec()).collect(),
        )
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
