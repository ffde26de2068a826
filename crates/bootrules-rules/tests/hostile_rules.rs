//! Rule packs written to hurt: regexes too big to compile, packs of 10,000 rules, scripts that
//! allocate without end. Each is reported with the rule's file and id, or runs; none takes the
//! run down.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bootrules_core::check_bytes;
use bootrules_rules::{default_sources, load, RuleSource};

fn source(path: &str, text: String) -> RuleSource {
    RuleSource {
        path: path.to_owned(),
        text,
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
        rule("huge", r"(?:\w{100}){100}x"),
    )]])
    .expect_err("too big to compile");
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].file.as_str(), errors[0].line), ("huge.toml", 6));
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
    assert_eq!(failure.rule, "map-bomb");
    // whichever limit it meets first: map size or operations
    assert!(
        failure.message.starts_with("script stopped:") && failure.message.contains("bomb.toml:2"),
        "{}",
        failure.message
    );
}
