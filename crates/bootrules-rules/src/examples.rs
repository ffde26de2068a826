//! Running every rule's examples: the excerpts that must and must not match.
//!
//! An example is a log excerpt run through the whole pipeline, so absence rules and stage
//! markers are tested the same way as plain patterns.

use bootrules_core::{check_bytes, FileReport};

use crate::pack::{Origin, Pack};

/// One example that did not behave as declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// The rule's id.
    pub rule: String,
    /// Where the rule is defined.
    pub file: String,
    /// Its line.
    pub line: usize,
    /// True for a `match` example that did not match; false for a `no-match` that did.
    pub expected_match: bool,
    /// The excerpt.
    pub example: String,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (want, got) = if self.expected_match {
            ("match", "did not match")
        } else {
            ("no-match", "matched")
        };
        writeln!(
            f,
            "{}:{}: {}: {want} example {got}:",
            self.file, self.line, self.rule
        )?;
        for line in self.example.lines() {
            writeln!(f, "  | {line}")?;
        }
        Ok(())
    }
}

/// Counts of examples run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExampleRun {
    /// Examples that behaved as declared.
    pub passed: usize,
    /// Examples that did not.
    pub failed: usize,
}

/// Runs every example of every rule in the pack.
pub fn run_examples(pack: &Pack) -> (ExampleRun, Vec<ExampleFailure>) {
    let mut run = ExampleRun::default();
    let mut failures = Vec::new();
    let mut check = |id: &str, origin: &Origin, example: &str, expected: bool, hit: bool| {
        if hit == expected {
            run.passed += 1;
        } else {
            run.failed += 1;
            failures.push(ExampleFailure {
                rule: id.to_owned(),
                file: origin.file.clone(),
                line: origin.line,
                expected_match: expected,
                example: example.to_owned(),
            });
        }
    };
    for stage in pack.stages() {
        let reached = |report: &FileReport| {
            report
                .sessions
                .iter()
                .any(|s| s.stages.iter().any(|h| h.id == stage.id))
        };
        for (examples, expected) in [
            (&stage.examples_match, true),
            (&stage.examples_no_match, false),
        ] {
            for example in examples {
                let report = check_bytes(pack, "example", example.as_bytes());
                check(
                    &stage.id,
                    &stage.origin,
                    example,
                    expected,
                    reached(&report),
                );
            }
        }
    }
    for signature in pack.signatures() {
        let found = |report: &FileReport| {
            report
                .sessions
                .iter()
                .any(|s| s.findings.iter().any(|f| f.rule == signature.id))
        };
        for (examples, expected) in [
            (&signature.examples_match, true),
            (&signature.examples_no_match, false),
        ] {
            for example in examples {
                let report = check_bytes(pack, "example", example.as_bytes());
                check(
                    &signature.id,
                    &signature.origin,
                    example,
                    expected,
                    found(&report),
                );
            }
        }
    }
    (run, failures)
}
