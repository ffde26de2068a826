//! Rule packs written to hurt: regexes too big to compile, packs of 10,000 rules, scripts that
//! allocate without end. Each is reported with the rule's file and id, or runs; none takes the
//! run down.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bootrules_core::check_bytes;
use bootrules_rules::{default_sources, load, RuleSource};

fn source(path: &str, text: String) -> RuleSource {
    RuleSource {
        path: path.to_owned(),
        text: text.into(),
    }
}

fn rule(id: &str, pattern: &str) -> String {
    format!(
        "[[signature]]\nid = \"{id}\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['{pattern}']\nmessage = \"m\"\nremedy = \"r\"\n"
    )
}

#[test]
fn a_regex_of_enormous_compiled_size_is_a_named_error() {
    let errors = load(&[vec![source(
        "huge.toml",
        rule("huge", r"(?:\pL{100}){100}x"),
    )]])
    .expect_err("too big to compile");
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].file.as_str(), errors[0].line()),
        ("huge.toml", 6)
    );
    assert!(
        errors[0].message.contains("size limit"),
        "{}",
        errors[0].message
    );
}

#[test]
fn ten_thousand_rules_in_one_pack_load_and_run() {
    let text: String = (0..10_000)
        .map(|i| rule(&format!("marker-{i}"), &format!("marker {i:05} happened")))
        .collect();
    let pack = load(&[default_sources(), vec![source("many.toml", text)]]).expect("loads");
    assert!(pack.signatures().len() > 10_000);
    let report = check_bytes(
        &pack,
        "log",
        b"[ 1.0] marker 09999 happened\n[ 2.0] marker 00042 happened\n",
    );
    // (the default pack also notes that this two-line log ends in the kernel)
    let rules: Vec<&str> = report.sessions[0]
        .findings
        .iter()
        .map(|f| f.rule.as_str())
        .filter(|r| r.starts_with("marker-"))
        .collect();
    assert_eq!(rules, ["marker-9999", "marker-42"]);
}

#[test]
fn a_script_building_a_giant_map_is_stopped_and_named() {
    let text = "[[signature]]\nid = \"map-bomb\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['boom']\nscript = '''\nlet m = #{};\nlet i = 0;\nloop { m[`k${i}`] = i; i += 1; }\n'''\nmessage = \"m\"\nremedy = \"r\"\n".to_owned();
    let pack = load(&[default_sources(), vec![source("bomb.toml", text)]]).expect("loads");
    let report = check_bytes(&pack, "log", b"boom\n");
    let failure = &report.sessions[0].rule_errors[0];
    assert_eq!(failure.rule.as_deref(), Some("map-bomb"));
    assert_eq!((failure.file.as_str(), failure.line()), ("bomb.toml", 2));
    // whichever limit it meets first: map size or operations
    assert!(
        failure.message.starts_with("script stopped:"),
        "{}",
        failure.message
    );
}

fn scripted(id: &str, script: &str) -> String {
    format!(
        "[[signature]]\nid = \"{id}\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['boom']\nscript = '''\n{script}\n'''\nmessage = \"m\"\nremedy = \"r\"\n"
    )
}

/// The rule errors of a report, as printed (place, rule and message).
fn rule_errors(report: &bootrules_core::FileReport) -> Vec<String> {
    report
        .sessions
        .iter()
        .flat_map(|s| &s.rule_errors)
        .map(ToString::to_string)
        .collect()
}

#[test]
fn thousands_of_huge_patterns_stop_at_the_pack_budget() {
    // each pattern fits the per-pattern limit, but together they would take gigabytes (Unicode
    // classes: `\w` is ASCII in rules)
    let text: String = (0..2_000)
        .map(|i| {
            rule(
                &format!("big-{i}"),
                &format!(r"[\p{{L}}\p{{N}}\p{{M}}_]{{20}}k{i:05}"),
            )
        })
        .collect();
    let errors = load(&[default_sources(), vec![source("big.toml", text)]])
        .expect_err("over the pack's budget");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file, "big.toml");
    assert!(
        errors[0].message.contains("MiB compiled"),
        "{}",
        errors[0].message
    );
    // the budget is reached within the first few hundred patterns, not at the end
    assert!(errors[0].line() < 8 * 400, "line {}", errors[0].line());
}

/// The embedded pack's patterns and scripts are built when a run first needs them, trusting
/// this test: loaded under other paths, as any pack on disk is, every pattern is built and
/// every script compiled at load, within the limits, and the pack spends a small part of the
/// budget.
#[test]
fn default_pack_builds_every_pattern() {
    let copy: Vec<RuleSource> = default_sources()
        .into_iter()
        .map(|s| RuleSource {
            path: format!("copy/{}", s.path),
            text: s.text,
        })
        .collect();
    let pack = load(&[copy]).expect("every pattern of the default pack builds");
    assert!(
        pack.compiled_size() < bootrules_rules::precompile::PACK_SIZE_LIMIT / 4,
        "{} bytes",
        pack.compiled_size()
    );
}

#[test]
fn a_run_of_more_rules_than_the_limit_is_refused() {
    let max = bootrules_rules::load::MAX_RULES;
    let text: String = (0..max)
        .map(|i| rule(&format!("r-{i}"), "same pattern"))
        .collect();
    let errors =
        load(&[default_sources(), vec![source("many.toml", text)]]).expect_err("too many rules");
    assert!(
        errors[0].message.contains(&format!("at most {max}")),
        "{}",
        errors[0].message
    );
}

#[test]
fn a_slow_operation_repeated_is_stopped_by_the_clock() {
    // sorting 10,000 items is one operation: the operation limit alone lets this run for minutes
    let text = scripted(
        "slow-sort",
        "let a = [];\nfor i in 0..10000 { a.push(10000 - i); }\nloop { a.sort(); a.reverse(); }",
    );
    let pack = load(&[default_sources(), vec![source("slow.toml", text)]]).expect("loads");
    let report = check_bytes(&pack, "log", b"boom\n");
    let errors = rule_errors(&report);
    assert!(
        errors[0].contains("ran out of time") && errors[0].contains("slow.toml:2"),
        "{errors:?}"
    );
}

#[test]
fn a_file_of_slow_sessions_stops_running_scripts_when_its_time_is_spent() {
    let text = scripted(
        "slow-sort",
        "let a = [];\nfor i in 0..10000 { a.push(10000 - i); }\nloop { a.sort(); a.reverse(); }",
    );
    let pack = load(&[default_sources(), vec![source("slow.toml", text)]]).expect("loads");
    let log = "[    0.000000] Linux version 6.1.0 (gcc)\nboom\n".repeat(14);
    let report = check_bytes(&pack, "log", log.as_bytes());
    let errors = rule_errors(&report);
    assert_eq!(
        errors.len(),
        14,
        "only the slow rule is stopped: {errors:?}"
    );
    let stopped = errors.iter().filter(|e| e.contains("ran out of time"));
    let skipped = errors.iter().filter(|e| e.contains("script not run"));
    // one second per session, ten per file, and the other rules' scripts still run
    assert_eq!((stopped.count(), skipped.count()), (10, 4), "{errors:?}");
}

#[test]
fn map_keys_count_against_the_scripts_memory() {
    // 10,000 keys of 60 KB each: every map stays within the item limit, together 1.8 GB
    let text = scripted(
        "key-bomb",
        "let k = \"x\";\nk.pad(60000, \"x\");\nlet a = #{}; let b = #{}; let c = #{};\nfor i in 0..10000 { a[k + i] = 1; b[k + i] = 1; c[k + i] = 1; }\ntrue",
    );
    let pack = load(&[default_sources(), vec![source("keys.toml", text)]]).expect("loads");
    let report = check_bytes(&pack, "log", b"boom\n");
    let errors = rule_errors(&report);
    assert!(errors[0].contains("for all scopes"), "{errors:?}");
}
