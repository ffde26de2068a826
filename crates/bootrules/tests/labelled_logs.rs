//! Verdicts on real labelled console logs: the outcome of every session, the last stage, the
//! failure categories and no false alarm on healthy logs.
//!
//! The lab logs and the Apache-2.0 syzkaller log are copied into `tests/fixtures`, so these
//! tests always run; the rest of the shared corpus is read from `../shared/corpus` when it is
//! there; when it is not, the test says so (`SKIPPED`, a failure under CI).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use bootrules_core::{check_reader, FileReport, Severity};
use bootrules_rules::{default_pack, Pack};
use test_support::shared_corpus;

/// Disagreements with the labels that are understood, each with the reason. A test fails when
/// one of them stops happening, so the list cannot go stale.
const KNOWN: &[(&str, &str, &str)] = &[];

#[derive(Debug)]
struct Label {
    file: String,
    sessions: Option<usize>,
    outcomes: Vec<String>,
    last_stages: Vec<String>,
    categories: Vec<String>,
    also_ok: Vec<String>,
    sessions_detail: Option<Vec<String>>,
    healthy: bool,
}

fn strings(value: Option<&toml::Value>) -> Vec<String> {
    match value {
        Some(toml::Value::String(s)) => vec![s.clone()],
        Some(toml::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn labels(path: &Path) -> Vec<Label> {
    let text = std::fs::read_to_string(path).expect("labels readable");
    let doc: toml::Table = text.parse().expect("labels are TOML");
    doc["log"]
        .as_array()
        .expect("[[log]] tables")
        .iter()
        .map(|entry| Label {
            file: entry["file"].as_str().expect("file").to_owned(),
            sessions: entry
                .get("sessions")
                .and_then(|v| v.as_integer())
                .map(|n| n as usize),
            outcomes: strings(entry.get("expect_outcome")),
            last_stages: strings(entry.get("expect_last_stage")),
            categories: strings(entry.get("expect_categories")),
            also_ok: strings(entry.get("also_ok")),
            sessions_detail: entry.get("sessions_detail").map(|v| strings(Some(v))),
            healthy: entry
                .get("healthy")
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
        })
        .collect()
}

fn check(pack: &Pack, path: &Path) -> FileReport {
    let file = File::open(path).expect("log readable");
    check_reader(pack, path.display().to_string(), file)
}

/// Every disagreement of one labelled log: (what, detail).
fn disagreements(pack: &Pack, report: &FileReport, label: &Label) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let Some(last) = report.sessions.last() else {
        return vec![("sessions", "no session at all".to_owned())];
    };
    if !label.outcomes.is_empty() && !label.outcomes.contains(&last.outcome.to_string()) {
        out.push((
            "outcome",
            format!("{} want {:?}", last.outcome, label.outcomes),
        ));
    }
    let stage = last.last_stage.clone().unwrap_or_default();
    if !label.last_stages.is_empty() && !label.last_stages.contains(&stage) {
        out.push((
            "last_stage",
            format!("{stage} want {:?}", label.last_stages),
        ));
    }
    let found: BTreeSet<&str> = last.findings.iter().map(|f| f.category.as_str()).collect();
    let serious: BTreeSet<&str> = last
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Error)
        .map(|f| f.category.as_str())
        .collect();
    let missing: Vec<_> = label
        .categories
        .iter()
        .filter(|c| !found.contains(c.as_str()))
        .collect();
    let unexpected: Vec<_> = serious
        .iter()
        .filter(|c| {
            !label
                .categories
                .iter()
                .chain(&label.also_ok)
                .any(|e| e == *c)
        })
        .collect();
    if !missing.is_empty() || !unexpected.is_empty() {
        out.push((
            "categories",
            format!("missing {missing:?}, unexpected {unexpected:?}"),
        ));
    }
    if label.healthy {
        let alarms: Vec<_> = report
            .sessions
            .iter()
            .flat_map(|s| &s.findings)
            .filter(|f| f.severity >= Severity::Error)
            .map(|f| format!("{} (line {})", f.rule, f.line))
            .collect();
        if !alarms.is_empty() {
            out.push(("false-alarm", format!("{alarms:?}")));
        }
        // a catch-all (any unit that failed) says nothing at all on a healthy boot
        let generic: Vec<_> = report
            .sessions
            .iter()
            .flat_map(|s| &s.findings)
            .filter(|f| pack.signature(&f.rule).is_some_and(|s| s.generic))
            .map(|f| format!("{} (line {})", f.rule, f.line))
            .collect();
        if !generic.is_empty() {
            out.push(("generic-on-healthy", format!("{generic:?}")));
        }
    }
    if let Some(detail) = &label.sessions_detail {
        let got: Vec<String> = report
            .sessions
            .iter()
            .map(|s| s.outcome.to_string())
            .collect();
        if &got != detail {
            out.push(("sessions_detail", format!("{got:?} want {detail:?}")));
        }
    }
    if label.sessions.is_some_and(|n| n != report.sessions.len()) {
        out.push((
            "sessions",
            format!("{} want {:?}", report.sessions.len(), label.sessions),
        ));
    }
    out
}

/// Checks every labelled log under `dir`; returns how many logs were checked.
fn check_labelled(dir: &Path) -> usize {
    let pack = default_pack().expect("default pack loads");
    let labels = labels(&dir.join("LABELS.toml"));
    let mut unexplained = Vec::new();
    let mut seen_known = BTreeSet::new();
    for label in &labels {
        let report = check(&pack, &dir.join("logs").join(&label.file));
        for (what, detail) in disagreements(&pack, &report, label) {
            if KNOWN.iter().any(|(f, w, _)| *f == label.file && *w == what) {
                seen_known.insert((label.file.as_str(), what));
            } else {
                unexplained.push(format!("{}: {what}: {detail}", label.file));
            }
        }
    }
    let stale: Vec<_> = KNOWN
        .iter()
        .filter(|(file, what, _)| {
            labels.iter().any(|l| l.file == *file) && !seen_known.contains(&(*file, *what))
        })
        .collect();
    assert!(
        unexplained.is_empty(),
        "verdicts disagree with the labels:\n{}",
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "known disagreements no longer happen, remove them: {stale:?}"
    );
    labels.len()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn lab_logs_match_their_labels_session_by_session() {
    let checked = check_labelled(&repo().join("tests/fixtures/lab"));
    assert_eq!(checked, 24);
}

#[test]
fn copied_corpus_log_matches_its_label() {
    assert_eq!(check_labelled(&repo().join("tests/fixtures/corpus")), 1);
}

#[test]
fn shared_corpus_logs_match_their_labels() {
    if let Some(dir) = shared_corpus() {
        assert_eq!(check_labelled(&dir), 31);
    }
}

#[test]
fn shared_lab_logs_match_their_labels() {
    if let Some(dir) = shared_corpus() {
        assert_eq!(check_labelled(&dir.join("lab")), 24);
    }
}

#[test]
fn every_outcome_of_the_spec_is_seen_in_the_lab_logs() {
    let pack = default_pack().expect("default pack loads");
    let dir = repo().join("tests/fixtures/lab");
    let mut seen = BTreeSet::new();
    for label in labels(&dir.join("LABELS.toml")) {
        let report = check(&pack, &dir.join("logs").join(&label.file));
        seen.extend(report.sessions.iter().map(|s| s.outcome));
    }
    let all: BTreeSet<_> = bootrules_core::Outcome::ALL.into_iter().collect();
    let missing: Vec<_> = all.difference(&seen).collect();
    assert!(missing.is_empty(), "outcomes never produced: {missing:?}");
}
