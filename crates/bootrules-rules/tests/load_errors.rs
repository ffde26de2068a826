//! Broken rule files are reported precisely (file, line, column, the offending text) and all
//! at once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bootrules_rules::{default_sources, load, Diagnostic, RuleSource};

fn pack(files: &[(&str, &str)]) -> Vec<RuleSource> {
    files
        .iter()
        .map(|(path, text)| RuleSource {
            path: (*path).to_owned(),
            text: (*text).to_owned().into(),
        })
        .collect()
}

fn errors(files: &[(&str, &str)]) -> Vec<Diagnostic> {
    match load(&[default_sources(), pack(files)]) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e,
    }
}

const GOOD: &str = r#"
[[signature]]
id = "my-rule"
title = "t"
category = "other"
severity = "info"
patterns = ['hello']
message = "m"
remedy = "r"
"#;

#[test]
fn a_good_extra_rule_loads_over_the_default_pack() {
    let extra = RuleSource {
        path: "extra/my.toml".into(),
        text: GOOD.into(),
    };
    let pack = load(&[default_sources(), vec![extra]]).expect("loads");
    assert!(pack.signature("my-rule").is_some());
}

#[test]
fn unknown_key_is_reported_at_its_position() {
    let text = GOOD.replace("remedy = \"r\"", "remedy = \"r\"\nremedyy = \"x\"");
    let e = &errors(&[("x.toml", &text)])[0];
    assert_eq!((e.file.as_str(), e.line(), e.column()), ("x.toml", 10, 1));
    assert!(
        e.message.contains("unknown field `remedyy`"),
        "{}",
        e.message
    );
    assert!(
        e.to_string().contains("  | remedyy = \"x\"\n  | ^^^^^^^"),
        "{e}"
    );
}

#[test]
fn bad_regex_unknown_category_and_unknown_stage_are_all_reported() {
    let bad_regex = GOOD.replace("['hello']", "['(unclosed']");
    let bad_category = GOOD
        .replace("my-rule", "my-other")
        .replace("\"other\"", "\"disk\"");
    let bad_stage = r#"
[[signature]]
id = "absent-thing"
title = "t"
category = "other"
severity = "info"
missing = { after = "kernel", stages = ["no-such-stage"] }
message = "m"
remedy = "r"
"#;
    let all = errors(&[
        ("a.toml", &bad_regex),
        ("b.toml", &bad_category),
        ("c.toml", bad_stage),
    ]);
    assert_eq!(all.len(), 3, "{all:?}");
    let a = all.iter().find(|e| e.file == "a.toml").unwrap();
    assert_eq!((a.line(), a.column()), (7, 14));
    assert!(
        a.message.starts_with("bad regular expression"),
        "{}",
        a.message
    );
    let b = all.iter().find(|e| e.file == "b.toml").unwrap();
    assert_eq!(b.line(), 5);
    assert!(
        b.message.contains("unknown variant `disk`"),
        "{}",
        b.message
    );
    let c = all.iter().find(|e| e.file == "c.toml").unwrap();
    assert_eq!((c.line(), c.column()), (7, 41));
    assert!(c
        .message
        .starts_with("unknown stage `no-such-stage`, expected one of firmware, bootloader"));
}

#[test]
fn duplicate_ids_in_one_pack_are_errors() {
    let all = errors(&[("a.toml", GOOD), ("b.toml", GOOD)]);
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].file.as_str(), all[0].line()), ("b.toml", 3));
    assert!(
        all[0]
            .message
            .contains("duplicate id `my-rule` (first defined in a.toml:3)"),
        "{}",
        all[0].message
    );
}

#[test]
fn a_signature_needs_evidence() {
    let text = GOOD.replace("patterns = ['hello']\n", "");
    let e = &errors(&[("x.toml", &text)])[0];
    assert_eq!(e.line(), 3);
    assert!(
        e.message
            .contains("needs evidence: `patterns`, `missing` or a script"),
        "{}",
        e.message
    );
}

#[test]
fn every_broken_rule_of_one_file_is_reported() {
    let text = "[[signature]]\nid = \"one\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['x']\nmesage = \"typo\"\nremedy = \"r\"\n\n[[signature]]\nid = \"two\"\ntitle = \"t\"\ncategory = \"others\"\nseverity = \"info\"\npatterns = ['y']\nmessage = \"m\"\nremedy = \"r\"\n\n[[signature]]\nid = \"three\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['(']\nmessage = \"m\"\nremedy = \"r\"\n";
    let all = errors(&[("r.toml", text)]);
    let at: Vec<(usize, usize)> = all.iter().map(|e| (e.line(), e.column())).collect();
    assert_eq!(at, [(7, 1), (13, 12), (24, 14)], "{all:?}");
}

#[test]
fn a_bad_pattern_written_twice_is_reported_at_both_places() {
    // Patterns are built once per distinct text; each place that uses one still gets its error.
    let first = GOOD.replace("['hello']", "['(unclosed']");
    let second = first.replace("my-rule", "my-other").replace(
        "patterns = ['(unclosed']",
        "exclude = ['(unclosed']\npatterns = ['ok']",
    );
    let all = errors(&[("a.toml", &first), ("b.toml", &second)]);
    let places: Vec<_> = all
        .iter()
        .map(|e| (e.file.as_str(), e.line(), e.column()))
        .collect();
    assert_eq!(places, [("a.toml", 7, 14), ("b.toml", 7, 13)], "{all:?}");
    assert!(all
        .iter()
        .all(|e| e.message.starts_with("bad regular expression")));
}

#[test]
fn a_pattern_over_the_size_limit_is_reported() {
    let huge = GOOD.replace("['hello']", r"['\pL{500}\pL{500}\pL{500}']");
    let e = &errors(&[("x.toml", &huge)])[0];
    assert_eq!((e.file.as_str(), e.line(), e.column()), ("x.toml", 7, 13));
    assert!(e.message.starts_with("bad regular expression"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_linked_rule_file_is_read_and_a_broken_link_is_reported() {
    use bootrules_rules::sources_from_dir;
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("elsewhere.txt");
    std::fs::write(&real, GOOD).unwrap();
    let pack = tmp.path().join("pack");
    std::fs::create_dir(&pack).unwrap();
    std::os::unix::fs::symlink(&real, pack.join("linked.toml")).unwrap();
    let sources = sources_from_dir(&pack).expect("the link is followed");
    assert_eq!(sources.len(), 1);
    assert!(sources[0].text.contains("my-rule"));

    // a linked folder is walked, never skipped without a word
    let team = tmp.path().join("team");
    std::fs::create_dir(&team).unwrap();
    std::fs::write(team.join("team.toml"), GOOD.replace("my-rule", "team-rule")).unwrap();
    std::os::unix::fs::symlink(&team, pack.join("team")).unwrap();
    let sources = sources_from_dir(&pack).expect("the linked folder is walked");
    assert_eq!(
        sources.len(),
        2,
        "{:?}",
        sources.iter().map(|s| &s.path).collect::<Vec<_>>()
    );
    assert!(sources.iter().any(|s| s.text.contains("team-rule")));
    // a link back up is a loop, reported, not walked for ever
    std::os::unix::fs::symlink(&pack, team.join("up")).unwrap();
    let error = sources_from_dir(&pack).expect_err("a loop of links is reported");
    assert!(error.message.contains("loop"), "{error:?}");
    std::fs::remove_file(team.join("up")).unwrap();

    std::os::unix::fs::symlink(tmp.path().join("missing"), pack.join("broken.toml")).unwrap();
    let error = sources_from_dir(&pack).expect_err("a broken link is reported");
    assert!(
        error.file.ends_with("broken.toml") && error.message.contains("broken link"),
        "{error:?}"
    );
}

#[test]
fn captures_on_an_example_of_a_stage_ignore_or_unit_category_are_refused() {
    let ignore = r#"
[[ignore]]
id = "my-noise"
reason = "r"
patterns = ['noise (?P<n>\d+)']
examples.match = [{ log = "noise 1", captures = { n = "2" } }]
examples.no-match = ["quiet"]
"#;
    let stage = r#"
[[stage]]
id = "my-stage"
phase = "boot"
order = 7
description = "d"
patterns = ['my stage']
examples.match = [{ log = "my stage", category = "other" }]
examples.no-match = ["other"]
"#;
    let units = r#"
[[unit-category]]
id = "my-units"
category = "network"
description = "d"
units = ['^my\.service$']
examples.match = [{ log = "my.service", captures = { unit = "my.service" } }]
examples.no-match = ["other.service"]
"#;
    let all = errors(&[("a.toml", ignore), ("b.toml", stage), ("c.toml", units)]);
    let refused: Vec<_> = all
        .iter()
        .filter(|e| e.message.contains("only a signature's examples check"))
        .map(|e| (e.file.as_str(), e.line()))
        .collect();
    assert_eq!(
        refused,
        [("a.toml", 3), ("b.toml", 3), ("c.toml", 3)],
        "{all:?}"
    );
}

#[test]
fn an_example_without_captures_may_be_written_as_a_table() {
    let ignore = r#"
[[ignore]]
id = "my-noise"
reason = "r"
patterns = ['noise \d+']
examples.match = [{ log = "noise 1" }]
examples.no-match = ["quiet"]
"#;
    let extra = RuleSource {
        path: "a.toml".into(),
        text: ignore.into(),
    };
    let pack = load(&[default_sources(), vec![extra]]).expect("loads");
    assert_eq!(pack.ignores().last().unwrap().examples_match, ["noise 1"]);
}

#[test]
fn a_stage_that_does_not_parse_is_reported_once_not_at_every_rule_naming_it() {
    // a pack of its own (not over the default one, which would still define the stage)
    let stages = "[[stage]]\nid = \"kernel\"\nphase = \"boot\"\norder = 0\ndescription = \"d\"\npatterns = ['Linux version']\n\n[[stage]]\nid = \"initramfs\"\nphase = \"boot\"\norder = 1\ndescription = \"d\"\npatterns = ['it's broken']\n";
    let signature = GOOD.replace(
        "patterns = ['hello']",
        "shows-stage = \"initramfs\"\npatterns = ['hello']",
    );
    let own = pack(&[("stages.toml", stages), ("sig.toml", &signature)]);
    let all = load(&[own]).expect_err("errors");
    let at: Vec<_> = all
        .iter()
        .map(|e| (e.file.as_str(), e.line(), e.column()))
        .collect();
    assert_eq!(at, [("stages.toml", 13, 17)], "{all:?}");
}
