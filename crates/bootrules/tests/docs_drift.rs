//! The documentation read against the binary: every command line in the README names options its
//! command accepts (`--help`), and the rule-writing guide names every key of a signature and a
//! stage that the rule file schema has (`rules schema`), and no other, and lists every diagnostic
//! code with its description. So neither can drift.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use regex::Regex;
use serde_json::Value;

use common::run;

fn repo_file(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap()
}

/// The `bootrules …` invocations in the README's code blocks, as words.
fn readme_commands() -> Vec<Vec<String>> {
    let readme = repo_file("README.md");
    let mut in_code = false;
    let mut commands = Vec::new();
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            continue;
        }
        let line = line.trim_start_matches("$ ").trim();
        let Some(at) = line.find("bootrules ") else {
            continue;
        };
        let words: Vec<String> = line[at + "bootrules ".len()..]
            .split('#')
            .next()
            .unwrap()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if !words.is_empty() {
            commands.push(words);
        }
    }
    commands
}

#[test]
fn every_readme_command_uses_options_its_command_has() {
    let commands = readme_commands();
    assert!(commands.len() >= 5, "{commands:?}");
    let top = String::from_utf8(run(&["--help"]).stdout).unwrap();
    let flag = Regex::new(r"^--[a-z][a-z-]*").unwrap();
    let mut checked = 0;
    for words in &commands {
        let command = &words[0];
        assert!(
            top.contains(&format!("  {command} ")),
            "README runs `bootrules {command}`, which `bootrules --help` does not list"
        );
        // `rules list`, `rules test`: the subcommand's own help
        let mut path = vec![command.as_str()];
        if command == "rules" {
            path.push(words.get(1).map(String::as_str).unwrap_or("list"));
        }
        let mut args = path.clone();
        args.push("--help");
        let help = run(&args);
        assert!(
            help.status.success(),
            "`bootrules {} --help` failed",
            path.join(" ")
        );
        let help = String::from_utf8(help.stdout).unwrap();
        for word in words {
            let Some(option) = flag.find(word) else {
                continue;
            };
            assert!(
                help.contains(option.as_str()),
                "README: `bootrules {}` uses {}, which its --help does not list",
                words.join(" "),
                option.as_str()
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} options checked");
}

/// The keys of a table of the schema (`signature` or `stage`).
fn schema_keys(table: &str) -> BTreeSet<String> {
    let schema: Value = serde_json::from_slice(&run(&["rules", "schema"]).stdout).unwrap();
    schema["properties"][table]["items"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// The text of one `## ` section of the guide.
fn guide_section(title: &str) -> String {
    let guide = repo_file("docs/writing-rules.md");
    let start = guide
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("docs/writing-rules.md has no section {title}"));
    let rest = &guide[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
    rest[..end].to_owned()
}

#[test]
fn the_guide_names_every_signature_key_of_the_schema_and_no_other() {
    let section = guide_section("Signatures");
    // the first cell of each table row: `id`, `message`, `remedy`, `examples.match`, `count = {…}`
    let key = Regex::new(r"`([a-z][a-z-]*)(?:[ .=`])").unwrap();
    let mut documented = BTreeSet::new();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let cell = row[1..].split(" | ").next().unwrap();
        for found in key.captures_iter(cell) {
            documented.insert(found[1].to_owned());
        }
    }
    let schema = schema_keys("signature");
    let undocumented: Vec<_> = schema.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&schema).collect();
    assert!(
        undocumented.is_empty(),
        "signature keys missing from docs/writing-rules.md: {undocumented:?}"
    );
    assert!(
        unknown.is_empty(),
        "docs/writing-rules.md documents keys the loader does not take: {unknown:?}"
    );
}

#[test]
fn the_guide_names_every_stage_key_of_the_schema() {
    let section = guide_section("Stages");
    let missing: Vec<_> = schema_keys("stage")
        .into_iter()
        .filter(|k| !section.contains(&format!("`{k}")))
        .collect();
    assert!(
        missing.is_empty(),
        "stage keys missing from the Stages section of docs/writing-rules.md: {missing:?}"
    );
}

#[test]
fn the_guide_lists_every_diagnostic_code_as_the_code_describes_it() {
    let guide = repo_file("docs/writing-rules.md");
    let listed: Vec<&str> = guide
        .lines()
        .skip_while(|l| *l != "| code | problem |")
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    let expected: Vec<String> = bootrules_rules::Code::ALL
        .iter()
        .map(|c| format!("| `{}` | {} |", c.as_str(), c.description()))
        .collect();
    assert_eq!(listed, expected);
}
