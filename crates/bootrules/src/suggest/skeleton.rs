//! A rule skeleton in the pack's TOML, built from a cluster's template and real lines: the
//! pattern, a guessed category and the examples; the author writes what it means and what to
//! do, and reviews the rest.

use std::collections::{BTreeMap, BTreeSet};

use bootrules_core::Normaliser;
use bootrules_rules::Pack;
use regex::Regex;
use serde::Serialize;

use super::template::{mask_names, mask_pattern, WILDCARD};

/// Marks what the author must write before the rule is fit for a pack.
pub const TODO: &str = "TODO:";

/// A signature for the author to finish.
#[derive(Debug, Clone, Serialize)]
pub struct Skeleton {
    /// A kebab-case id, unused in the pack.
    pub id: String,
    /// The template, as a first title.
    pub title: String,
    /// The category guessed from the units and signatures the pack knows.
    pub category: String,
    /// The pattern: the template's literal text escaped, its masked parts as expressions.
    pub pattern: String,
    /// Real lines it matches.
    pub examples_match: Vec<String>,
    /// Real lines it must not match (lines of healthy sessions when there are any).
    pub examples_no_match: Vec<String>,
}

/// Lines that never explain a stop, for a rule whose lines had no neighbour to contrast with.
const FALLBACK_NO_MATCH: &[&str] = &[
    "[  OK  ] Reached target Multi-User System.",
    "[    0.000000] Linux version 6.1.0 (builder@host) #1 SMP",
    "ubuntu login: ",
];

/// The pattern for a template, or `None` when too little of it is literal text to be worth a
/// rule (`<NUM>: <*>`).
pub fn pattern(tokens: &[String]) -> Option<String> {
    let first = tokens.iter().position(|t| t != WILDCARD)?;
    let last = tokens.iter().rposition(|t| t != WILDCARD)?;
    let tokens = &tokens[first..=last];
    let words: usize = tokens
        .iter()
        .map(|t| literal_parts(t).filter(|p| has_word(p)).count())
        .sum();
    if words == 0 {
        return None;
    }
    let mut named = BTreeSet::new();
    let pieces: Vec<String> = tokens
        .iter()
        .map(|token| token_pattern(token, &mut named))
        .collect();
    Some(pieces.join(r"\s+"))
}

/// A run of three letters: a word, not a number or a mask.
fn has_word(text: &str) -> bool {
    text.as_bytes()
        .windows(3)
        .any(|w| w.iter().all(u8::is_ascii_alphabetic))
}

fn literal_parts(token: &str) -> impl Iterator<Item = &str> {
    split_masks(token)
        .into_iter()
        .filter_map(|(part, is_mask)| (!is_mask).then_some(part))
}

/// A token's parts: literal text and mask names, in order.
fn split_masks(token: &str) -> Vec<(&str, bool)> {
    let mut parts = Vec::new();
    let mut rest = token;
    'outer: while !rest.is_empty() {
        let mut best: Option<(usize, &str)> = None;
        for name in mask_names().chain([WILDCARD]) {
            if let Some(at) = rest.find(name) {
                if best.is_none_or(|(b, _)| at < b) {
                    best = Some((at, name));
                }
            }
        }
        let Some((at, name)) = best else {
            parts.push((rest, false));
            break 'outer;
        };
        if at > 0 {
            parts.push((&rest[..at], false));
        }
        parts.push((&rest[at..at + name.len()], true));
        rest = &rest[at + name.len()..];
    }
    parts
}

fn token_pattern(token: &str, named: &mut BTreeSet<&'static str>) -> String {
    split_masks(token)
        .into_iter()
        .map(|(part, is_mask)| {
            if !is_mask {
                return regex::escape(part);
            }
            if part == WILDCARD {
                return r"\S+".to_owned();
            }
            let expression = mask_pattern(part).unwrap_or(r"\S+");
            let name = match part {
                "<DEV>" => Some("device"),
                "<IP>" => Some("address"),
                "<UUID>" => Some("uuid"),
                _ => None,
            };
            match name {
                Some(name) if named.insert(name) => format!("(?P<{name}>{expression})"),
                _ => format!("(?:{expression})"),
            }
        })
        .collect()
}

/// A kebab-case id from the template's first words, unused in the pack and by `taken`.
pub fn id(tokens: &[String], pack: &Pack, taken: &mut BTreeSet<String>) -> String {
    let words: Vec<String> = tokens
        .iter()
        .flat_map(|t| {
            literal_parts(t)
                .flat_map(|p| p.split(|c: char| !c.is_ascii_alphanumeric()))
                .filter(|w| has_word(w))
                .map(str::to_ascii_lowercase)
                .collect::<Vec<_>>()
        })
        .take(5)
        .collect();
    let base = if words.is_empty() {
        "suggested".to_owned()
    } else {
        format!("suggested-{}", words.join("-"))
    };
    let mut id = base.clone();
    let mut n = 2;
    while pack.signature(&id).is_some() || taken.contains(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(id.clone());
    id
}

/// The category of the unit or program the lines name, else of the signature whose patterns
/// share the most rare words with them, else `other`.
pub fn category(tokens: &[String], examples: &[String], pack: &Pack) -> String {
    for unit in named_units(examples) {
        if let Some(units) = pack.category_of_unit(&unit) {
            return units.category.as_str().to_owned();
        }
    }
    let words: BTreeSet<String> = tokens
        .iter()
        .flat_map(|t| {
            literal_parts(t)
                .flat_map(|p| p.split(|c: char| !c.is_ascii_alphanumeric()))
                .filter(|w| w.len() >= 4 && has_word(w))
                .map(str::to_ascii_lowercase)
                .collect::<Vec<_>>()
        })
        .collect();
    // Words many signatures use (`failed`, `error`, `device`) say nothing of the component.
    let per_signature: Vec<(BTreeSet<String>, &str)> = pack
        .signatures()
        .iter()
        .filter(|s| !s.generic)
        .map(|s| (pattern_words(&s.patterns), s.category.as_str()))
        .collect();
    let mut used_by: BTreeMap<&str, usize> = BTreeMap::new();
    for (theirs, _) in &per_signature {
        for word in theirs {
            *used_by.entry(word.as_str()).or_default() += 1;
        }
    }
    let mut best: Option<(usize, &str)> = None;
    for (theirs, category) in &per_signature {
        let shared = words
            .intersection(theirs)
            .filter(|w| used_by.get(w.as_str()).is_some_and(|&n| n <= RARE_WORD))
            .count();
        if shared >= 1 && best.is_none_or(|(b, _)| shared > b) {
            best = Some((shared, category));
        }
    }
    best.map_or_else(|| "other".to_owned(), |(_, c)| c.to_owned())
}

/// A word in the patterns of at most this many signatures names a component.
const RARE_WORD: usize = 3;

/// The words (four letters or more) of a signature's patterns.
fn pattern_words(patterns: &[String]) -> BTreeSet<String> {
    patterns
        .iter()
        .flat_map(|p| {
            p.split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| w.len() >= 4 && has_word(w))
                .map(str::to_ascii_lowercase)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Units and programs the lines name: what follows systemd's `Failed to start`, unit file
/// names, and a syslog tag (`dracut-initqueue[312]:`).
fn named_units(examples: &[String]) -> Vec<String> {
    let mut units = Vec::new();
    let failed = Regex::new(r"Failed to (?:start|mount|activate swap|listen on) (.+?)\.?$").ok();
    let tag = Regex::new(r"(?:^|\s)([A-Za-z][\w.-]+)\[\d+\]:").ok();
    let file = Regex::new(r"[\w@\\.:-]+\.(?:service|mount|swap|socket|target|timer|path)\b").ok();
    for example in examples {
        if let Some(c) = failed.as_ref().and_then(|re| re.captures(example)) {
            units.push(c[1].to_owned());
        }
        if let Some(m) = file.as_ref().and_then(|re| re.find(example)) {
            units.push(m.as_str().to_owned());
        }
        if let Some(c) = tag.as_ref().and_then(|re| re.captures(example)) {
            units.push(c[1].to_owned());
        }
    }
    units
}

/// Lines for `examples.no-match`: of `candidates` (healthy lines first, then the lines before
/// the examples), the two that share most words with the template and that the pattern does
/// not match; a fixed healthy line when none is left.
pub fn no_match(pattern: &Regex, tokens: &[String], candidates: &[&String]) -> Vec<String> {
    let words: BTreeSet<&str> = tokens
        .iter()
        .flat_map(|t| literal_parts(t).collect::<Vec<_>>())
        .collect();
    let mut normaliser = Normaliser::default();
    let mut scored: Vec<(usize, usize, &String)> = candidates
        .iter()
        .enumerate()
        .filter(|(_, line)| !matches(pattern, &mut normaliser, line))
        .map(|(order, line)| {
            let shared = line
                .split_whitespace()
                .filter(|w| words.contains(w))
                .count();
            (shared, order, *line)
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    // two lines of different shapes say more than two of one
    let mut chosen: Vec<String> = Vec::new();
    let mut shapes = BTreeSet::new();
    for (_, _, line) in scored {
        if chosen.len() == 2 {
            break;
        }
        let message = normaliser.normalise(1, line.as_bytes()).message.to_owned();
        if shapes.insert(super::template::tokens(&message)) {
            chosen.push(line.clone());
        }
    }
    if chosen.is_empty() {
        if let Some(line) = FALLBACK_NO_MATCH
            .iter()
            .find(|l| !matches(pattern, &mut normaliser, l))
        {
            chosen.push((*line).to_owned());
        }
    }
    chosen
}

/// True when the pattern matches the line as the engine sees it (prefixes removed).
pub fn matches(pattern: &Regex, normaliser: &mut Normaliser, line: &str) -> bool {
    let line = normaliser.normalise(1, line.as_bytes());
    pattern.is_match(line.message)
}

impl Skeleton {
    /// The signature as pack TOML.
    pub fn to_toml(&self) -> String {
        let list = |items: &[String]| {
            let lines: Vec<String> = items.iter().map(|i| format!("  {},\n", quote(i))).collect();
            format!("[\n{}]", lines.concat())
        };
        format!(
            "[[signature]]\n\
             id = {id}\n\
             title = {title}\n\
             # guessed from the units and signatures the pack knows: check it\n\
             category = {category}\n\
             severity = \"warning\"\n\
             patterns = [{pattern}]\n\
             message = {message}\n\
             remedy = {remedy}\n\
             references = []\n\
             examples.match = {matching}\n\
             examples.no-match = {no_match}\n",
            id = quote(&self.id),
            title = quote(&self.title),
            category = quote(&self.category),
            pattern = quote(&self.pattern),
            message = quote(&format!("{TODO} what this line means")),
            remedy = quote(&format!("{TODO} what to do about it")),
            matching = list(&self.examples_match),
            no_match = list(&self.examples_no_match),
        )
    }
}

/// A TOML string: literal (single quotes, backslashes kept as written) where it can be, else
/// basic with escapes (JSON's escapes are TOML's).
fn quote(text: &str) -> String {
    if !text.contains('\'') && !text.chars().any(char::is_control) {
        format!("'{text}'")
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| "''".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suggest::template::tokens;

    #[test]
    fn a_pattern_escapes_the_text_and_matches_the_masked_parts() {
        let t = tokens("blk_update_request: I/O error, dev sdc, sector 2048 op 0x0:(READ)");
        let p = pattern(&t).unwrap();
        assert_eq!(
            p,
            r"blk_update_request:\s+I/O\s+error,\s+dev\s+(?P<device>[a-z]+[\w-]*),\s+sector\s+(?:\d+)\s+op\s+(?:(?:0x)?[0-9a-fA-F]+):\(READ\)"
        );
        let re = Regex::new(&p).unwrap();
        assert!(re.is_match("blk_update_request: I/O error, dev sdb, sector 99 op 0x1:(READ)"));
    }

    #[test]
    fn wildcards_at_the_ends_are_left_out_and_a_template_without_words_gives_no_pattern() {
        let t: Vec<String> = ["<*>", "Giving", "up", "<*>"].map(String::from).into();
        assert_eq!(pattern(&t).unwrap(), r"Giving\s+up");
        let t: Vec<String> = ["<NUM>:", "<*>"].map(String::from).into();
        assert_eq!(pattern(&t), None);
    }

    #[test]
    fn toml_quotes_patterns_literally() {
        assert_eq!(quote(r"a\s+b"), r"'a\s+b'");
        assert_eq!(quote("it's"), "\"it's\"");
        assert_eq!(quote("a\u{1b}b"), "\"a\\u001bb\"");
    }
}
