//! The `bootrules` binary as scripts and people use it: the JSON contract, exit statuses,
//! standard input, unreadable inputs and invalid rules.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use serde_json::Value;

use common::{bin, lab, run};

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

/// A rule pack folder holding one rule file, removed when dropped.
struct TempPack(PathBuf);

impl TempPack {
    fn new(name: &str, text: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("bootrules-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.toml")), text).unwrap();
        Self(dir)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempPack {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const OUTCOMES: &[&str] = &[
    "booted",
    "powered-off",
    "rebooted",
    "reset",
    "boot-failed",
    "crashed",
    "boot-stalled",
    "shutdown-stalled",
];

const CATEGORIES: &[&str] = &[
    "bootloader",
    "kernel-panic",
    "root-mount",
    "initramfs",
    "filesystem",
    "fstab",
    "emergency-mode",
    "disk-io",
    "kernel-hang",
    "memory",
    "network",
    "guest-agent",
    "cloud-init",
    "systemd-unit",
    "selinux",
    "shutdown-hang",
    "platform",
    "other",
];

/// Asserts the SPEC's field names and types on one file object.
fn assert_file_contract(file: &Value) {
    assert!(file["path"].is_string());
    let status = file["status"].as_str().expect("status");
    if status == "error" {
        assert!(file["error"].is_string());
        assert_eq!(file["sessions"].as_array().map(Vec::len), Some(0));
        return;
    }
    assert_eq!(status, "ok");
    for (i, session) in file["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .enumerate()
    {
        assert_eq!(session["index"].as_u64(), Some(i as u64));
        let start = session["start_line"].as_u64().expect("start_line");
        let end = session["end_line"].as_u64().expect("end_line");
        assert!(start >= 1 && start <= end);
        assert!(OUTCOMES.contains(&session["outcome"].as_str().expect("outcome")));
        assert!(session["last_stage"].is_string() || session["last_stage"].is_null());
        for stage in session["stages"].as_array().expect("stages") {
            assert!(stage["id"].is_string());
            let line = stage["line"].as_u64().expect("stage line");
            assert!((start..=end).contains(&line));
            assert!(stage["time"].is_f64() || stage["time"].is_null());
        }
        for finding in session["findings"].as_array().expect("findings") {
            assert!(finding["rule"].is_string());
            assert!(CATEGORIES.contains(&finding["category"].as_str().expect("category")));
            assert!(["info", "warning", "error", "critical"]
                .contains(&finding["severity"].as_str().expect("severity")));
            let line = finding["line"].as_u64().expect("finding line");
            assert!((start..=end).contains(&line));
            for key in ["text", "message", "remedy"] {
                assert!(finding[key].is_string(), "{key}");
            }
        }
    }
}

#[test]
fn json_output_follows_the_contract() {
    let a = lab("debian12-itools-reboot-then-poweroff.log");
    let b = lab("debian12-itools-fstab-missing-disk.log");
    let out = run(&[
        "check",
        "--format",
        "json",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out);
    assert_eq!(doc["version"].as_str(), Some(env!("CARGO_PKG_VERSION")));
    let files = doc["files"].as_array().expect("files");
    assert_eq!(files.len(), 2);
    files.iter().for_each(assert_file_contract);
    let outcomes: Vec<_> = files[0]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["rebooted", "powered-off"]);
    let failed = &files[1]["sessions"][0];
    assert_eq!(failed["outcome"], "boot-failed");
    assert_eq!(failed["last_stage"], "system-init");
}

#[test]
fn finding_lines_point_at_the_evidence_in_the_original_file() {
    let path = lab("debian12-itools-fstab-missing-disk.log");
    let out = run(&["check", "--format", "json", path.to_str().unwrap()]);
    let doc = json(&out);
    let raw = std::fs::read(&path).unwrap();
    let lines: Vec<&[u8]> = raw.split(|&b| b == b'\n').collect();
    let findings = doc["files"][0]["sessions"][0]["findings"]
        .as_array()
        .unwrap();
    assert!(!findings.is_empty());
    for finding in findings {
        let line = finding["line"].as_u64().unwrap();
        let raw_line = lines[line as usize - 1];
        let mut normaliser = bootrules_core::Normaliser::default();
        let visible = normaliser.normalise(line, raw_line).text;
        assert_eq!(finding["text"].as_str().unwrap(), visible, "line {line}");
    }
}

#[test]
fn jsonl_prints_one_file_object_per_line() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/lab/logs");
    let out = run(&["check", "--format", "jsonl", dir.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    let objects: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 24);
    objects.iter().for_each(assert_file_contract);
    let paths: Vec<_> = objects
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "directory walk is in a stable order");
}

#[test]
fn unreadable_inputs_are_reported_and_the_rest_still_checked() {
    let good = lab("debian12-itools-healthy-poweroff.log");
    let out = run(&[
        "check",
        "--format",
        "json",
        "/no/such/file.log",
        good.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let doc = json(&out);
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["status"], "error");
    assert!(files[0]["error"].as_str().unwrap().contains("cannot open"));
    assert_eq!(files[1]["status"], "ok");
    assert_eq!(files[1]["sessions"][0]["outcome"], "powered-off");
}

#[test]
fn standard_input_is_read_with_a_dash() {
    let mut child = bin()
        .args(["check", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let log = std::fs::read(lab("debian12-grub-rescue-normal-mod-missing.log")).unwrap();
    child.stdin.take().unwrap().write_all(&log).unwrap();
    let out = child.wait_with_output().unwrap();
    let doc = json(&out);
    assert_eq!(doc["files"][0]["path"], "-");
    assert_eq!(doc["files"][0]["sessions"][0]["outcome"], "boot-failed");
    assert_eq!(doc["files"][0]["sessions"][0]["last_stage"], "bootloader");
}

#[test]
fn a_fifteen_line_paste_on_standard_input_names_the_stage_and_the_failure() {
    // What a customer pastes into a ticket: the middle of a failing boot, no kernel banner.
    let log = std::fs::read_to_string(lab("debian12-itools-fstab-missing-disk.log")).unwrap();
    let paste: String = log.split_inclusive('\n').skip(699).take(15).collect();
    let mut child = bin()
        .args(["check", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(paste.as_bytes())
        .unwrap();
    let doc = json(&child.wait_with_output().unwrap());
    let session = &doc["files"][0]["sessions"][0];
    assert_eq!(session["last_stage"], "system-init");
    assert_eq!(session["outcome"], "boot-failed");
    // line numbers count from the paste's first line
    let timeout = session["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "fstab-device-timeout")
        .expect("the device timeout is found");
    assert_eq!(timeout["line"], 2);
    assert_eq!(timeout["category"], "fstab");
}

#[test]
fn fail_on_sets_exit_status_one() {
    let bad = lab("debian12-itools-wrong-root-uuid.log");
    let good = lab("debian12-itools-healthy-poweroff.log");
    let status = |args: &[&str]| run(args).status.code();
    assert_eq!(status(&["check", bad.to_str().unwrap()]), Some(0));
    assert_eq!(
        status(&["check", "--fail-on", "critical", bad.to_str().unwrap()]),
        Some(1)
    );
    assert_eq!(
        status(&["check", "--fail-on", "error", good.to_str().unwrap()]),
        Some(0)
    );
    assert_eq!(
        status(&["check", "--fail-on", "fatal", good.to_str().unwrap()]),
        Some(2)
    );
}

#[test]
fn human_report_names_verdict_evidence_and_totals() {
    let path = lab("debian12-itools-fstab-missing-disk.log");
    let out = run(&["check", path.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert!(first.contains("boot-failed at system-init"), "{first}");
    assert!(
        text.contains("CRITICAL line 715  emergency-mode [emergency-mode]"),
        "{text}"
    );
    assert!(text.contains("| You are in emergency mode."), "{text}");
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("checked 1 file (0 unreadable, 0 skipped), 1 session (boot-failed 1)"),
        "{last}"
    );
    assert!(last.contains("rules loaded"), "{last}");
}

#[test]
fn an_empty_directory_still_says_what_was_checked() {
    let dir = std::env::temp_dir().join(format!("bootrules-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = run(&["check", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("checked 0 files (0 unreadable, 0 skipped), 0 sessions, no findings;"),
        "{text}"
    );
}

#[test]
fn invalid_rules_exit_two_with_file_line_and_column() {
    let pack = TempPack::new(
        "bad",
        "[[signature]]\nid = \"x\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['(']\nmessage = \"m\"\nremedy = \"r\"\n",
    );
    let log = lab("debian12-itools-healthy-poweroff.log");
    let out = run(&["check", "--rules", pack.path(), log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("bad.toml:6:14: error[bad-regex]: bad regular expression"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn rules_test_runs_every_example() {
    let out = run(&["rules", "test"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.trim_end().ends_with(" passed, 0 failed"), "{text}");
}

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

#[test]
fn the_writing_rules_guide_works_on_the_binary() {
    let pack = repo_path("docs/examples/team-rules");
    let pack = pack.to_str().unwrap();
    let validate = run(&["rules", "validate", pack]);
    assert_eq!(
        validate.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&validate.stderr)
    );
    let test = run(&["rules", "test", pack]);
    assert_eq!(test.status.code(), Some(0));
    let log = std::env::temp_dir().join(format!("bootrules-acme-{}.log", std::process::id()));
    std::fs::write(
        &log,
        "[   45.120] acme-agent[812]: ERROR license server lic.example.internal unreachable (attempt 1)\n[   75.131] acme-agent[812]: ERROR license server lic.example.internal unreachable (attempt 2)\n[  105.140] acme-agent[812]: ERROR license server lic.example.internal unreachable (attempt 3)\n",
    )
    .unwrap();
    let out = run(&[
        "check",
        "--format",
        "json",
        "--rules",
        pack,
        log.to_str().unwrap(),
    ]);
    std::fs::remove_file(&log).unwrap();
    let doc = json(&out);
    let finding = &doc["files"][0]["sessions"][0]["findings"][0];
    assert_eq!(finding["rule"], "acme-agent-license-unreachable");
    assert_eq!(finding["line"], 3);
    assert_eq!(finding["captures"]["server"], "lic.example.internal");
    assert!(finding["message"]
        .as_str()
        .unwrap()
        .starts_with("the ACME agent failed to reach lic.example.internal three times"));
}

#[test]
fn a_failing_example_is_shown_as_a_diff() {
    let pack = TempPack::new(
        "r",
        "[[signature]]\nid = \"x\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['hello']\nmessage = \"m\"\nremedy = \"r\"\nexamples.match = [\"goodbye\"]\nexamples.no-match = [\"hello\"]\n",
    );
    let out = run(&["rules", "test", pack.path()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "r.toml:2:6: error[example-failed]: x: example failed\n  | goodbye\n  - finding x\n  + no finding\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  | hello\n  - no finding x\n  + finding x at line 1\n"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("passed, 2 failed"), "{text}");
}

#[test]
fn rules_schema_prints_the_rule_file_schema() {
    let out = run(&["rules", "schema"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema, bootrules_rules::schema::schema());
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
}

#[test]
fn rules_list_json_and_explain() {
    let out = run(&["rules", "list", "--format", "json"]);
    let rules: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let panic = rules.iter().find(|r| r["id"] == "kernel-panic").unwrap();
    assert_eq!(panic["kind"], "signature");
    assert_eq!(panic["category"], "kernel-panic");
    assert_eq!(panic["file"], "rules/signatures/kernel-panic.toml");
    assert!(rules
        .iter()
        .any(|r| r["kind"] == "stage" && r["id"] == "multi-user"));
    assert!(rules.iter().any(|r| r["kind"] == "ignore"));
    let explain = run(&["rules", "explain", "fstab-device-timeout"]);
    let text = String::from_utf8(explain.stdout).unwrap();
    for needle in [
        "category: fstab",
        "defined in: rules/signatures/fstab.toml:",
        "means:",
        "do:",
        "see: https://",
        "example:",
    ] {
        assert!(text.contains(needle), "{needle} missing in {text}");
    }
    assert_eq!(
        run(&["rules", "explain", "no-such-rule"]).status.code(),
        Some(2)
    );
}

#[test]
fn a_runaway_script_is_named_in_the_report_and_the_rest_still_runs() {
    let pack = TempPack::new(
        "loop",
        "[[signature]]\nid = \"endless\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['Kernel panic']\nscript = 'loop { }'\nmessage = \"m\"\nremedy = \"r\"\n",
    );
    let log = lab("debian12-noinitrd-virtio-root-panic.log");
    let out = run(&["check", "--rules", pack.path(), log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "error[script-stopped]: endless: script stopped: more than 500000 operations"
        ),
        "{text}"
    );
    assert!(
        text.contains("kernel-panic-vfs-unable-to-mount-root"),
        "{text}"
    );
    assert!(
        text.trim_end()
            .lines()
            .last()
            .unwrap()
            .contains("1 rule error"),
        "{text}"
    );
}

/// The folder of the default pack.
fn rules_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules")
}

#[test]
fn the_committed_rule_file_schema_is_what_rules_schema_prints() {
    let printed = run(&["rules", "schema"]).stdout;
    let path = rules_dir().join("schema.json");
    if std::env::var_os("BOOTRULES_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &printed).unwrap();
    }
    let committed = std::fs::read(&path).unwrap();
    assert!(
        committed == printed,
        "rules/schema.json is not the output of `bootrules rules schema`: run \
         BOOTRULES_UPDATE_DOCS=1 cargo test -p bootrules --test cli, or \
         `bootrules rules schema > rules/schema.json`"
    );
}

#[test]
fn every_default_rule_file_names_the_schema_on_its_first_line() {
    let root = rules_dir();
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(&root) {
        let path = entry.unwrap().into_path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let depth = path.strip_prefix(&root).unwrap().components().count() - 1;
        let folder = if depth == 0 {
            "./".to_owned()
        } else {
            "../".repeat(depth)
        };
        let expected = format!("#:schema {folder}schema.json");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.lines().next(),
            Some(expected.as_str()),
            "{}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked > 10, "{checked} rule files");
}
