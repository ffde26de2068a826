//! The embedded pack's rule files as JSON for `serde_json`, which reads them into the rule
//! structs several times faster than TOML is parsed: loading the default pack is mostly
//! parsing. Values the structs keep with their position (`Spanned`, `src/spanned.rs`) are
//! written as the array `[start, end, value]` it reads from JSON, so every span is the one TOML
//! would give; a test checks the two readings agree for every file.

use serde_json::{Map, Number, Value};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Keys whose values (or each item of whose list) the rule structs keep spanned (`spec.rs`).
/// Nothing under `examples` is spanned.
const SPANNED_KEYS: &[&str] = &[
    "after",
    "at-least",
    "category-by-unit",
    "disable",
    "ended-before",
    "except",
    "exclude",
    "explained-by",
    "from-stage",
    "handoff-patterns",
    "id",
    "one-per",
    "only-in",
    "patterns",
    "patterns-if-followed",
    "script",
    "script-events",
    "script-file",
    "separators",
    "shown-at-least-by",
    "shown-by",
    "shows-stage",
    "stages",
    "then",
    "undone-by",
    "units",
    "unless-in",
    "until-stage",
];

/// The JSON of one rule file, or `None` when it does not parse (the loader reports it).
pub fn rule_file_json(text: &str) -> Option<String> {
    let table = DeTable::parse(text).ok()?;
    let value = table_json(table.get_ref(), false)?;
    serde_json::to_string(&value).ok()
}

fn table_json(table: &DeTable<'_>, in_examples: bool) -> Option<Value> {
    let mut out = Map::new();
    for (key, value) in table {
        let key = key.get_ref().as_ref();
        let in_examples = in_examples || key == "examples";
        let spanned = !in_examples && SPANNED_KEYS.contains(&key);
        let json = match value.get_ref() {
            DeValue::Array(items) if spanned => Value::Array(
                items
                    .iter()
                    .map(|item| spanned_json(item, in_examples))
                    .collect::<Option<_>>()?,
            ),
            _ if spanned => spanned_json(value, in_examples)?,
            plain => value_json(plain, in_examples)?,
        };
        out.insert(key.to_owned(), json);
    }
    Some(Value::Object(out))
}

/// `[start, end, value]`, as `crate::spanned::Spanned` reads it from JSON.
fn spanned_json(value: &Spanned<DeValue<'_>>, in_examples: bool) -> Option<Value> {
    let span = value.span();
    Some(Value::Array(vec![
        span.start.into(),
        span.end.into(),
        value_json(value.get_ref(), in_examples)?,
    ]))
}

fn value_json(value: &DeValue<'_>, in_examples: bool) -> Option<Value> {
    Some(match value {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            Value::Number(i64::from_str_radix(&digits, i.radix()).ok()?.into())
        }
        DeValue::Float(f) => {
            let float: f64 = f.as_str().replace('_', "").parse().ok()?;
            Value::Number(Number::from_f64(float)?)
        }
        DeValue::Boolean(b) => Value::Bool(*b),
        // No rule field is a date: the loader reports it.
        DeValue::Datetime(_) => return None,
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| value_json(item.get_ref(), in_examples))
                .collect::<Option<_>>()?,
        ),
        DeValue::Table(table) => table_json(table, in_examples)?,
    })
}
