//! The JSON Schema of the rule file format names exactly the keys and values the loader accepts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bootrules_rules::schema::schema;
use bootrules_rules::{load, RuleSource};
use serde_json::Value;

/// What the loader says it expected instead of `zz` in a rule file.
fn expected(text: &str) -> Vec<String> {
    let source = RuleSource {
        path: "x.toml".into(),
        text: text.to_owned().into(),
    };
    let errors = load(&[vec![source]]).expect_err("zz is refused");
    let message = &errors
        .iter()
        .find(|e| e.message.contains("`zz`"))
        .unwrap_or_else(|| panic!("{text}: {errors:?}"))
        .message;
    let (_, after) = message
        .split_once("expected")
        .unwrap_or_else(|| panic!("{text}: {message}"));
    let mut words: Vec<String> = after
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    words.sort();
    words
}

/// The schema's keys (or enum values) at a path of table keys.
fn in_schema(path: &[&str], enum_values: bool) -> Vec<String> {
    let mut at = schema();
    for key in path {
        if let Some(items) = at.get("items") {
            at = items.clone();
        }
        at = at["properties"][*key].clone();
    }
    if let Some(items) = at.get("items") {
        at = items.clone();
    }
    let mut words: Vec<String> = if enum_values {
        at["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    } else {
        at["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    words.sort();
    words
}

#[test]
fn every_table_has_the_keys_the_loader_accepts() {
    let cases: &[(&[&str], &str)] = &[
        (&[], "zz = 1"),
        (&["stage"], "[[stage]]\nzz = 1"),
        (
            &["stage", "shown-by-outside"],
            "[[stage]]\nshown-by-outside = { zz = 1 }",
        ),
        (&["stage", "examples"], "[[stage]]\nexamples = { zz = 1 }"),
        (&["signature"], "[[signature]]\nzz = 1"),
        (
            &["signature", "missing"],
            "[[signature]]\nmissing = { zz = 1 }",
        ),
        (
            &["signature", "sequence"],
            "[[signature]]\nsequence = { zz = 1 }",
        ),
        (&["signature", "count"], "[[signature]]\ncount = { zz = 1 }"),
        (
            &["signature", "examples"],
            "[[signature]]\nexamples = { zz = 1 }",
        ),
        (&["ignore"], "[[ignore]]\nzz = 1"),
        (&["ignore", "examples"], "[[ignore]]\nexamples = { zz = 1 }"),
        (&["unit-category"], "[[unit-category]]\nzz = 1"),
        (
            &["unit-category", "examples"],
            "[[unit-category]]\nexamples = { zz = 1 }",
        ),
    ];
    for (path, text) in cases {
        assert_eq!(in_schema(path, false), expected(text), "{path:?}");
    }
}

#[test]
fn every_closed_list_has_the_values_the_loader_accepts() {
    let cases: &[(&[&str], &str)] = &[
        (&["stage", "phase"], "[[stage]]\nphase = 'zz'"),
        (&["stage", "marks"], "[[stage]]\nmarks = 'zz'"),
        (&["signature", "phase"], "[[signature]]\nphase = 'zz'"),
        (&["signature", "severity"], "[[signature]]\nseverity = 'zz'"),
        (&["signature", "category"], "[[signature]]\ncategory = 'zz'"),
        (&["signature", "evidence"], "[[signature]]\nevidence = 'zz'"),
        (&["signature", "status"], "[[signature]]\nstatus = 'zz'"),
        (
            &["unit-category", "category"],
            "[[unit-category]]\ncategory = 'zz'",
        ),
    ];
    for (path, text) in cases {
        assert_eq!(in_schema(path, true), expected(text), "{path:?}");
    }
}

#[test]
fn an_example_table_has_a_log_captures_and_a_category() {
    let example = &schema()["properties"]["signature"]["items"]["properties"]["examples"]
        ["properties"]["match"]["items"]["anyOf"][1];
    let mut keys: Vec<&String> = example["properties"].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["captures", "category", "log"]);
    // each key as the loader reads it: a table with all three loads
    let text = r#"
[[signature]]
id = "my-rule"
title = "t"
category = "other"
severity = "info"
patterns = ['hello (?P<who>\w+)']
message = "m"
remedy = "r"
examples.match = [{ log = "hello you", captures = { who = "you" }, category = "other" }]
examples.no-match = ["bye"]
"#;
    let source = RuleSource {
        path: "x.toml".into(),
        text: text.into(),
    };
    load(&[vec![source]]).expect("loads");
}

#[test]
fn the_schema_is_a_draft_07_schema_of_a_table() {
    let schema = schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["additionalProperties"], Value::Bool(false));
}
