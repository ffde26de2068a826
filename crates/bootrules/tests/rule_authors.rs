//! What a rule author sees when a rule is wrong: the closest name for a misspelling, a hint for
//! a regular expression in double quotes, the caret at the broken part of a pattern, every
//! problem of a rule at once, and `rules test` failing a signature that has no examples.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{run, scratch_dir};

fn signature(id: &str, body: &str) -> String {
    format!(
        "[[signature]]\nid = \"{id}\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"error\"\nmessage = \"m\"\nremedy = \"r\"\n{body}\n"
    )
}

#[test]
fn explain_suggests_the_closest_rule_id() {
    let out = run(&["rules", "explain", "emergency-mod"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("no rule with id `emergency-mod`; did you mean `emergency-mode`?"),
        "{err}"
    );
}

#[test]
fn validate_points_at_each_mistake_with_a_suggestion() {
    let dir = scratch_dir("rule-authors", "validate");
    let text = [
        signature("typo-key", "patterns = ['x']").replace("category = ", "categry = "),
        signature("double-quoted", "patterns = [\"foo\\d+\"]"),
        signature("typo-stage", "from-stage = \"kernal\"\npatterns = ['x']"),
        signature("open-group", "patterns = ['foo(?P<x>\\d+']"),
    ]
    .join("\n");
    std::fs::write(dir.0.join("team.toml"), text).unwrap();
    let out = run(&["rules", "validate", dir.0.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("unknown field `categry`"), "{err}");
    assert!(err.contains("; did you mean `category`?"), "{err}");
    assert!(
        err.contains("write regular expressions in single quotes ('foo\\d+')"),
        "{err}"
    );
    assert!(err.contains("unknown stage `kernal`"), "{err}");
    assert!(err.contains("; did you mean `kernel`?"), "{err}");
    // the caret stands under the group that is not closed, not under the whole pattern
    assert!(
        err.contains("bad regular expression: unclosed group\n  | patterns = ['foo(?P<x>\\d+']\n  |                 ^\n"),
        "{err}"
    );
    assert!(err.contains("4 errors"), "{err}");
}

#[test]
fn every_problem_of_one_rule_is_reported_at_once() {
    let dir = scratch_dir("rule-authors", "every-problem");
    let text = "[[signature]]\nid = \"many-problems\"\ntitle = \"t\"\ncategory = \"filesystm\"\n\
        severity = \"eror\"\npatterns = ['foo(bar', 'x[']\nstage-range = [\"kernel\"]\n\
        from-stage = \"kernl\"\nmessage = \"m\"\nremedy = \"r\"\n\
        examples.match = [\"foo\"]\nexamples.no-match = 3\n";
    std::fs::write(dir.0.join("team.toml"), text).unwrap();
    let out = run(&["rules", "validate", dir.0.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    for (place, problem) in [
        ("team.toml:4:12", "unknown variant `filesystm`"),
        ("team.toml:5:12", "unknown variant `eror`"),
        ("team.toml:6:17", "unclosed group"),
        ("team.toml:6:26", "unclosed character class"),
        ("team.toml:7:1", "unknown field `stage-range`"),
        ("team.toml:8:14", "unknown stage `kernl`"),
        ("team.toml:12:21", "invalid type: integer `3`"),
    ] {
        let line = err.lines().find(|l| l.contains(place));
        assert!(line.is_some_and(|l| l.contains(problem)), "{place}: {err}");
    }
    assert!(err.contains("7 errors"), "{err}");
}

#[test]
fn a_signature_without_examples_fails_rules_test() {
    let dir = scratch_dir("rule-authors", "no-examples");
    std::fs::write(
        dir.0.join("team.toml"),
        signature("untested", "patterns = ['acme failed']"),
    )
    .unwrap();
    let out = run(&["rules", "test", dir.0.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("untested: example failed\n  - examples.match and examples.no-match (each signature needs both)\n  + none\n"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("passed, 1 failed"), "{text}");
}

/// A team's folder linked into a pack is read (it used to be skipped without a word), and a
/// link that leads back up is reported, not walked for ever.
#[test]
fn a_linked_folder_in_a_pack_is_read_and_a_loop_is_reported() {
    let dir = scratch_dir("rule-authors", "linked-folder");
    let (pack, team) = (dir.0.join("pack"), dir.0.join("team"));
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::create_dir_all(&team).unwrap();
    let text = signature("team-rule", "patterns = ['acme broke']\nexamples.match = ['acme broke']\nexamples.no-match = ['acme fine']");
    std::fs::write(team.join("team.toml"), text).unwrap();
    std::os::unix::fs::symlink(&team, pack.join("team")).unwrap();
    let out = run(&["rules", "list", "--rules", pack.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("team-rule"));

    std::os::unix::fs::symlink(&pack, team.join("up")).unwrap();
    let out = run(&["rules", "validate", pack.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("loop"), "{err}");
}
