//! `[[ignore]]`: its checks, and the compiled ignore with its patterns numbered.

use crate::owner::Owner;
use crate::pack::Ignore;
use crate::spec::IgnoreSpec;

use super::checks::{self, Kind};
use super::files::Problem;
use super::patterns::Patterns;
use super::strings;

const KIND: Kind = Kind {
    name: "ignore",
    example_id: "qemu-floppy-io-error",
};

/// Every problem of the ignore that shows without building its patterns.
pub(super) fn validate(spec: &IgnoreSpec, file: usize) -> Vec<Problem> {
    let mut problems: Vec<Problem> = checks::id(&spec.id, file, &KIND).into_iter().collect();
    problems.extend(checks::plain_examples(
        &spec.examples,
        &spec.id,
        file,
        &KIND,
    ));
    problems
}

/// The ignore with its patterns numbered.
pub(super) fn compile(spec: &IgnoreSpec, file: usize, patterns: &mut Patterns<'_>) -> Ignore {
    patterns.number(&spec.patterns, file, Owner::Ignore);
    Ignore {
        id: spec.id.get_ref().clone(),
        reason: spec.reason.trim().to_owned(),
        patterns: strings(&spec.patterns),
        examples_match: checks::excerpts(&spec.examples),
        examples_no_match: spec.examples.no_match.clone(),
        origin: patterns.files().origin(file, spec.id.span()),
    }
}
