//! Parsing one rule file: every broken rule reported, each with every rejected field, and the
//! good rules of the file still read.

use std::ops::Range;

use bootrules_core::Diagnostic;

use crate::codes::Code;
use crate::every_problem::parse_every_problem;
use crate::spec::RuleFile;
use crate::suggest;

use super::files::{Files, Problem};

/// Values that stand in for a required field whose value was rejected (and reported), so the
/// rest of the rule is still checked.
const STAND_INS: &[(&str, &str)] = &[
    ("title", "'…'"),
    ("description", "'…'"),
    ("message", "'…'"),
    ("remedy", "'…'"),
    ("category", "'other'"),
    ("severity", "'warning'"),
    ("phase", "'boot'"),
];

/// Parses one rule file. When the whole file does not parse, its `[[…]]` rules are parsed in
/// runs that halve around the broken ones (the other rules blanked out, so positions stay
/// those of the file; see [`parse_halves`]), so every broken rule is reported and the good ones
/// still load; within a broken rule, every rejected field is reported, not only the first (see
/// [`parse_every_problem`]).
///
/// The ids of the `[[stage]]` rules that did not parse are added to `unparsed_stages`: their
/// error is reported once, not again at every rule that names them.
pub(super) fn parse_file(
    files: &Files<'_>,
    file: usize,
    errors: &mut Vec<Diagnostic>,
    unparsed_stages: &mut Vec<String>,
) -> RuleFile {
    let source = files.source(file);
    if let Some(parsed) = files
        .is_embedded(file)
        .then(|| source.embedded_json())
        .flatten()
        .and_then(|json| serde_json::from_str::<RuleFile>(json).ok())
    {
        return parsed;
    }
    let report = |e: toml::de::Error, errors: &mut Vec<Diagnostic>| {
        let span = e.span().unwrap_or(0..0);
        let message = suggest::toml_message(e.message().trim_end());
        let code = code_of(e.message());
        let mut diagnostic = files.diagnostic(Problem::new(code, file, span, message));
        // toml 0.8 said "invalid escape sequence", 0.9 says "missing escaped value"
        if e.message().starts_with("invalid escape sequence")
            || e.message().starts_with("missing escaped value")
        {
            diagnostic = diagnostic.help(
                "write regular expressions in single quotes ('foo\\d+'), where a backslash is \
                 kept as written",
            );
        }
        errors.push(diagnostic);
    };
    if let Ok(parsed) = toml::from_str::<RuleFile>(&source.text) {
        return parsed;
    }
    let mut merged = RuleFile::default();
    let chunks = rule_chunks(&source.text);
    let before = errors.len();
    let mut leaf = |chunk: Range<usize>, merged: &mut RuleFile, errors: &mut Vec<Diagnostic>| {
        if errors.len() - before >= MOST_PROBLEMS_PER_FILE {
            return false;
        }
        let alone = blank_outside(&source.text, chunk.clone());
        let mut report = |e| report(e, errors);
        let part = parse_every_problem::<RuleFile>(&alone, STAND_INS, &mut report);
        if part.as_ref().is_none_or(|part| part.stage.is_empty()) {
            unparsed_stages.extend(stage_id(&source.text[chunk]));
        }
        if let Some(part) = part {
            merged.absorb(part);
        }
        true
    };
    if !parse_halves(&source.text, &chunks, &mut merged, errors, &mut leaf) {
        let message = format!(
            "more than {MOST_PROBLEMS_PER_FILE} problems: the rest of the file was not checked"
        );
        errors.push(Code::TooManyProblems.diagnostic(&source.path, message));
    }
    merged
}

/// Parses one rule on its own, reporting its problems; `false` once there are too many.
type ParseOne<'a> = dyn FnMut(Range<usize>, &mut RuleFile, &mut Vec<Diagnostic>) -> bool + 'a;

/// Parses the rules of `chunks` together where they parse, halving a run that does not until
/// each broken rule is parsed on its own by `leaf`: a file with a few broken rules among
/// thousands costs a few parses of the file per broken rule, not one per rule. `false` once
/// `leaf` says the file has too many problems to go on.
fn parse_halves(
    text: &str,
    chunks: &[Range<usize>],
    merged: &mut RuleFile,
    errors: &mut Vec<Diagnostic>,
    leaf: &mut ParseOne<'_>,
) -> bool {
    let (Some(first), Some(last)) = (chunks.first(), chunks.last()) else {
        return true;
    };
    if chunks.len() == 1 {
        return leaf(first.clone(), merged, errors);
    }
    // the whole file is known not to parse; a part of it is tried whole first
    if first.start > 0 || last.end < text.len() {
        if let Ok(part) = toml::from_str::<RuleFile>(&blank_outside(text, first.start..last.end)) {
            merged.absorb(part);
            return true;
        }
    }
    let (left, right) = chunks.split_at(chunks.len() / 2);
    parse_halves(text, left, merged, errors, leaf)
        && parse_halves(text, right, merged, errors, leaf)
}

/// How many problems of one rule file are reported before the rest of it is left unchecked.
const MOST_PROBLEMS_PER_FILE: usize = 100;

/// Byte ranges of the file's top part and of each `[[stage]]`, `[[signature]]`, `[[ignore]]`.
fn rule_chunks(text: &str) -> Vec<Range<usize>> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset > 0 && line.trim_start().starts_with("[[") {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts.push(text.len());
    starts.windows(2).map(|w| w[0]..w[1]).collect()
}

/// The `id` a `[[stage]]` rule's text declares (`id = "kernel"`), read line by line so that it
/// is found in a rule that does not parse.
fn stage_id(rule: &str) -> Option<String> {
    let mut lines = rule.lines().map(str::trim);
    if lines.next() != Some("[[stage]]") {
        return None;
    }
    lines.find_map(|line| {
        let value = line
            .strip_prefix("id")?
            .trim_start()
            .strip_prefix('=')?
            .trim();
        let quote = value.chars().next().filter(|c| matches!(c, '"' | '\''))?;
        let rest = &value[1..];
        Some(rest[..rest.find(quote)?].to_owned())
    })
}

/// The text with everything outside `keep` turned into spaces (newlines kept).
fn blank_outside(text: &str, keep: Range<usize>) -> String {
    text.char_indices()
        .map(|(i, c)| {
            if keep.contains(&i) || c == '\n' {
                c
            } else {
                ' '
            }
        })
        .collect()
}

/// The code of a TOML error, from serde's wording of it.
fn code_of(message: &str) -> Code {
    if message.starts_with("unknown field") {
        Code::UnknownKey
    } else if message.starts_with("missing field") {
        Code::MissingKey
    } else if message.starts_with("unknown variant") {
        Code::UnknownValue
    } else if message.starts_with("invalid type") || message.starts_with("invalid length") {
        Code::WrongType
    } else {
        Code::InvalidToml
    }
}
