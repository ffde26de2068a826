//! `[[unit-category]]`: its checks, and the compiled list of units whose failures belong to a
//! category.

use crate::codes::Code;
use crate::pack::UnitCategory;
use crate::spec::UnitCategorySpec;

use super::checks::{self, Kind};
use super::files::Problem;
use super::patterns::Patterns;

const KIND: Kind = Kind {
    name: "unit-category",
    example_id: "guest-agent-units",
};

/// Every problem of the unit category that shows without building its patterns.
pub(super) fn validate(spec: &UnitCategorySpec, file: usize) -> Vec<Problem> {
    let mut problems: Vec<Problem> = checks::id(&spec.id, file, &KIND).into_iter().collect();
    if spec.units.is_empty() {
        let message = format!("unit-category `{}` has no `units`", spec.id.get_ref());
        problems.push(Problem::new(
            Code::NoPatterns,
            file,
            spec.id.span(),
            message,
        ));
    }
    problems.extend(checks::plain_examples(
        &spec.examples,
        &spec.id,
        file,
        &KIND,
    ));
    problems
}

/// The unit category with its unit patterns built (they are matched against a capture, not a
/// line, so they are not numbered).
pub(super) fn compile(
    spec: &UnitCategorySpec,
    file: usize,
    patterns: &mut Patterns<'_>,
) -> UnitCategory {
    let units = spec
        .units
        .iter()
        .filter_map(|u| patterns.regex(u, file))
        .collect();
    UnitCategory {
        id: spec.id.get_ref().clone(),
        category: spec.category,
        description: spec.description.trim().to_owned(),
        units,
        examples_match: checks::excerpts(&spec.examples),
        examples_no_match: spec.examples.no_match.clone(),
        origin: patterns.files().origin(file, spec.id.span()),
    }
}
