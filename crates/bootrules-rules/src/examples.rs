//! Running every rule's examples: the excerpts that must and must not match.
//!
//! An example is a log excerpt run through the whole pipeline, so absence rules, sequences,
//! counts, scripts and stage markers are tested the same way as plain patterns.

use std::collections::BTreeMap;

use bootrules_core::{check_bytes, Diagnostic, FileReport, Finding};

use crate::codes::Code;
use crate::pack::{Origin, Pack};

/// Counts of examples run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExampleRun {
    /// Examples that behaved as declared.
    pub passed: usize,
    /// Examples that did not.
    pub failed: usize,
}

struct Runner<'a> {
    pack: &'a Pack,
    run: ExampleRun,
    failures: Vec<Diagnostic>,
}

impl Runner<'_> {
    fn record(&mut self, id: &str, origin: &Origin, example: &str, diff: Vec<String>) {
        if diff.is_empty() {
            self.run.passed += 1;
        } else {
            self.run.failed += 1;
            let excerpt = example.trim_end().lines().map(str::to_owned).collect();
            let failure = origin
                .diagnostic(Code::ExampleFailed, id, "example failed")
                .showing(excerpt)
                .notes(diff);
            self.failures.push(failure);
        }
    }

    fn check(&self, example: &str) -> FileReport {
        check_bytes(self.pack, "example", example.as_bytes())
    }
}

fn findings(report: &FileReport) -> impl Iterator<Item = &Finding> {
    report.sessions.iter().flat_map(|s| &s.findings)
}

/// What happened instead of the expected finding: the rule's own error, or the findings of
/// other rules.
fn instead(report: &FileReport, rule: &str) -> Vec<String> {
    let errors: Vec<String> = report
        .sessions
        .iter()
        .flat_map(|s| &s.rule_errors)
        .filter(|e| e.rule.as_deref() == Some(rule))
        .map(|e| format!("+ rule error: {}", e.message))
        .collect();
    if !errors.is_empty() {
        return errors;
    }
    let others: Vec<_> = findings(report).map(|f| f.rule.as_str()).collect();
    if others.is_empty() {
        vec!["+ no finding".to_owned()]
    } else {
        vec![format!(
            "+ no finding (other rules found: {})",
            others.join(", ")
        )]
    }
}

/// What differs between the expected captures and the finding's.
fn capture_diff(want: &BTreeMap<String, String>, got: &BTreeMap<String, String>) -> Vec<String> {
    let mut diff = Vec::new();
    for (name, value) in want {
        match got.get(name) {
            Some(v) if v == value => {}
            other => {
                diff.push(format!("- capture {name} = {value:?}"));
                diff.push(match other {
                    Some(v) => format!("+ capture {name} = {v:?}"),
                    None => format!("+ capture {name} missing"),
                });
            }
        }
    }
    diff
}

/// Runs every example of every rule in the pack: the counts, and a diagnostic for each example
/// that failed (its excerpt, and what was expected and what happened as `-`/`+` notes).
pub fn run_examples(pack: &Pack) -> (ExampleRun, Vec<Diagnostic>) {
    let mut r = Runner {
        pack,
        run: ExampleRun::default(),
        failures: Vec::new(),
    };
    for stage in pack.stages() {
        let reached = |report: &FileReport| {
            report
                .sessions
                .iter()
                .any(|s| s.stages.iter().any(|h| h.id == stage.id))
        };
        for example in &stage.examples_match {
            let report = r.check(example);
            let diff = if reached(&report) {
                vec![]
            } else {
                vec![format!("- stage {}", stage.id), "+ not reached".to_owned()]
            };
            r.record(&stage.id, &stage.origin, example, diff);
        }
        for example in &stage.examples_no_match {
            let report = r.check(example);
            let diff = if reached(&report) {
                vec![
                    "- stage not reached".to_owned(),
                    format!("+ stage {}", stage.id),
                ]
            } else {
                vec![]
            };
            r.record(&stage.id, &stage.origin, example, diff);
        }
    }
    for signature in pack.signatures().iter().filter(|s| !s.disabled) {
        if signature.examples_match.is_empty() || signature.examples_no_match.is_empty() {
            let diff = vec![
                "- examples.match and examples.no-match (each signature needs both)".to_owned(),
                "+ none".to_owned(),
            ];
            r.record(&signature.id, &signature.origin, "", diff);
        }
        for example in &signature.examples_match {
            let report = r.check(&example.log);
            let wanted = example.category.map(|c| c.as_str());
            let mine = |f: &&Finding| f.rule == signature.id;
            let diff = match findings(&report)
                .filter(mine)
                .find(|f| wanted.is_none_or(|c| f.category == c))
            {
                Some(finding) => capture_diff(&example.captures, &finding.captures),
                None if findings(&report).any(|f| mine(&f)) => {
                    let got: Vec<_> = findings(&report)
                        .filter(mine)
                        .map(|f| f.category.as_str())
                        .collect();
                    vec![
                        format!("- category {}", wanted.unwrap_or_default()),
                        format!("+ category {}", got.join(", ")),
                    ]
                }
                None => {
                    let mut diff = vec![format!("- finding {}", signature.id)];
                    diff.extend(instead(&report, &signature.id));
                    diff
                }
            };
            r.record(&signature.id, &signature.origin, &example.log, diff);
        }
        for example in &signature.examples_no_match {
            let report = r.check(example);
            let diff = match findings(&report).find(|f| f.rule == signature.id) {
                Some(finding) => vec![
                    format!("- no finding {}", signature.id),
                    format!("+ finding {} at line {}", signature.id, finding.line),
                ],
                None => vec![],
            };
            r.record(&signature.id, &signature.origin, example, diff);
        }
    }
    for units in pack.unit_categories() {
        let category_of = |unit: &str| pack.category_of_unit(unit).map(|c| c.id.as_str());
        for example in &units.examples_match {
            let got = category_of(example);
            let diff = if got == Some(units.id.as_str()) {
                vec![]
            } else {
                vec![
                    format!("- unit category {}", units.id),
                    format!("+ unit category {}", got.unwrap_or("none")),
                ]
            };
            r.record(&units.id, &units.origin, example, diff);
        }
        for example in &units.examples_no_match {
            let diff = if category_of(example) == Some(units.id.as_str()) {
                vec![
                    format!("- not unit category {}", units.id),
                    format!("+ unit category {}", units.id),
                ]
            } else {
                vec![]
            };
            r.record(&units.id, &units.origin, example, diff);
        }
    }
    for ignore in pack.ignores() {
        let ignored = |line: &str| pack.is_ignored(line);
        for example in &ignore.examples_match {
            let diff = if ignored(example) {
                vec![]
            } else {
                vec!["- ignored".to_owned(), "+ not ignored".to_owned()]
            };
            r.record(&ignore.id, &ignore.origin, example, diff);
        }
        for example in &ignore.examples_no_match {
            let diff = if ignored(example) {
                vec!["- not ignored".to_owned(), "+ ignored".to_owned()]
            } else {
                vec![]
            };
            r.record(&ignore.id, &ignore.origin, example, diff);
        }
    }
    (r.run, r.failures)
}
