//! Every problem of a rule, not only the first: the TOML deserializer stops at the first field it
//! rejects, so the key-value it pointed at is blanked out and the text parsed again, until the
//! rule parses or nothing more can be blanked. Blanking keeps every byte offset, so each error
//! still points at its own line and column. A required field whose value was rejected gets a
//! stand-in value (when the caller names one), so the checks that follow parsing (patterns,
//! stages, examples) still run on the rest of the rule.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml_edit::{ImDocument, Item, Table};

/// At most this many problems are reported for one rule (a file of garbage stops early).
const MOST_PROBLEMS: usize = 20;

/// Parses `text`, passing every deserialization error to `report`. Returns what parsed once the
/// rejected key-values were blanked, or `None` when the rule cannot be read without one the
/// author must fix first (a syntax error, or a required field without a stand-in whose value
/// was rejected). `stand_ins` are `(field, TOML value)` pairs for required fields.
pub fn parse_every_problem<T: DeserializeOwned>(
    text: &str,
    stand_ins: &[(&str, &str)],
    mut report: impl FnMut(toml::de::Error),
) -> Option<T> {
    let original_len = text.len();
    let mut text = text.to_owned();
    let mut blanked: Vec<String> = Vec::new();
    for _ in 0..MOST_PROBLEMS {
        let error = match toml::from_str::<T>(&text) {
            Ok(parsed) => return Some(parsed),
            Err(e) => e,
        };
        // the field is missing because its rejected value, or a misspelt key meant for it, was
        // blanked: already reported
        let consequence = |field: &str| {
            blanked.iter().any(|b| b == field)
                || crate::suggest::closest(field, blanked.iter().map(String::as_str)).is_some()
        };
        if let Some(field) = missing_field(&error).filter(|f| consequence(f)) {
            let stand_in = stand_ins.iter().find(|(name, _)| *name == field);
            let (name, value) = stand_in?;
            // appended, so every offset of the author's text stays as it was
            text.push_str(&format!("\n{name} = {value}\n"));
            blanked.retain(|b| b != name);
            continue;
        }
        // an error in what was appended is not the author's
        let at = error.span().map(|span| span.start);
        if at.is_some_and(|at| at >= original_len) {
            return None;
        }
        report(error);
        let (key, range) = at.and_then(|at| key_value_at(&text, at))?;
        blanked.push(key);
        text = blank(&text, range);
    }
    None
}

/// The field named by serde's "missing field `x`" message.
fn missing_field(error: &toml::de::Error) -> Option<&str> {
    let rest = error.message().strip_prefix("missing field `")?;
    rest.split('`').next()
}

/// The last part of the dotted key and the byte range from the key to the end of its value, of
/// the key-value that holds offset `at`.
fn key_value_at(text: &str, at: usize) -> Option<(String, Range<usize>)> {
    let doc = ImDocument::parse(text).ok()?;
    let (key, range) = find_in_table(doc.as_table(), at)?;
    // a dotted key (`examples.match = …`) starts at the first part, which begins its line
    let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let indent =
        text[line_start..range.start].len() - text[line_start..range.start].trim_start().len();
    Some((key, line_start + indent..range.end))
}

fn find_in_table(table: &Table, at: usize) -> Option<(String, Range<usize>)> {
    for (name, item) in table.iter() {
        match item {
            Item::Table(inner) => {
                if let Some(found) = find_in_table(inner, at) {
                    return Some(found);
                }
            }
            Item::ArrayOfTables(tables) => {
                if let Some(found) = tables.iter().find_map(|t| find_in_table(t, at)) {
                    return Some(found);
                }
            }
            Item::Value(_) => {
                let start = table.key(name).and_then(|k| k.span())?.start;
                let end = item.span()?.end;
                if (start..end).contains(&at) {
                    return Some((name.to_owned(), start..end));
                }
            }
            Item::None => {}
        }
    }
    None
}

/// `text` with the bytes of `range` turned into spaces (newlines kept).
fn blank(text: &str, range: Range<usize>) -> String {
    text.char_indices()
        .map(|(i, c)| {
            if range.contains(&i) && c != '\n' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Rule {
        id: String,
        title: String,
        severity: Option<u8>,
        examples: Option<Examples>,
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Examples {
        r#match: Vec<String>,
    }

    fn problems(text: &str) -> (Vec<String>, bool) {
        let mut seen = Vec::new();
        let parsed: Option<Rule> = parse_every_problem(text, &[("title", "'…'")], |e| {
            seen.push(e.message().split(',').next().unwrap().to_owned())
        });
        (seen, parsed.is_some())
    }

    #[test]
    fn each_rejected_field_is_reported_and_the_rest_still_parses() {
        let text =
            "id = \"a\"\ntitle = 'x'\nseverity = \"high\"\nstage-range = [1]\nexamples.match = 3\n";
        let (seen, parsed) = problems(text);
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert!(
            seen.iter()
                .any(|m| m.starts_with("unknown field `stage-range`")),
            "{seen:?}"
        );
        assert!(parsed);
    }

    #[test]
    fn a_rejected_required_field_is_reported_once() {
        let (seen, parsed) = problems("id = 3\nextra = 1\n");
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(!parsed);
    }

    #[test]
    fn a_rejected_field_with_a_stand_in_lets_the_rest_parse() {
        let (seen, parsed) = problems("id = 'a'\ntitle = 3\nextra = 1\n");
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(parsed);
    }

    #[test]
    fn a_syntax_error_stops_at_itself() {
        let (seen, parsed) = problems("id = \"a\nx\"\n");
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(!parsed);
    }
}
