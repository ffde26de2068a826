//! `[[stage]]`: its checks, and the stage definition the engine runs with the documentation
//! the pack keeps.

use bootrules_core::StageDef;

use crate::codes::Code;
use crate::owner::{Marker, Owner, Shown};
use crate::pack::Stage;
use crate::spec::StageSpec;

use super::checks::{self, Kind, Stages};
use super::files::Problem;
use super::patterns::Patterns;
use super::strings;

const KIND: Kind = Kind {
    name: "stage",
    example_id: "root-mounted",
};

/// Every problem of the stage that shows without building its patterns.
pub(super) fn validate(spec: &StageSpec, file: usize, stages: &Stages<'_>) -> Vec<Problem> {
    let mut problems: Vec<Problem> = checks::id(&spec.id, file, &KIND).into_iter().collect();
    if spec.patterns.is_empty()
        && spec.handoff_patterns.is_empty()
        && spec.separators.is_empty()
        && spec.patterns_if_followed.is_empty()
    {
        let message = format!("stage `{}` has no patterns", spec.id.get_ref());
        problems.push(Problem::new(
            Code::NoPatterns,
            file,
            spec.id.span(),
            message,
        ));
    }
    if let Some(outside) = &spec.shown_by_outside {
        problems.extend(
            outside
                .stages
                .iter()
                .filter_map(|id| stages.check(id, file)),
        );
    }
    problems.extend(checks::plain_examples(
        &spec.examples,
        &spec.id,
        file,
        &KIND,
    ));
    problems
}

/// The stage (its `index` in the pack) with its patterns numbered.
pub(super) fn compile(
    spec: &StageSpec,
    file: usize,
    index: usize,
    stages: &Stages<'_>,
    patterns: &mut Patterns<'_>,
) -> (StageDef, Stage) {
    patterns.number(&spec.patterns, file, Owner::Stage(index, Marker::Plain));
    let handoff = Owner::Stage(index, Marker::Handoff);
    patterns.number(&spec.handoff_patterns, file, handoff);
    let separator = Owner::Stage(index, Marker::Separator);
    patterns.number(&spec.separators, file, separator);
    let if_followed = Owner::Stage(index, Marker::IfFollowed);
    patterns.number(&spec.patterns_if_followed, file, if_followed);
    patterns.number(&spec.shown_by, file, Owner::ShownStage(index, Shown::At));
    let at_least = Owner::ShownStage(index, Shown::AtLeast);
    patterns.number(&spec.shown_at_least_by, file, at_least);
    let undone = Owner::ShownStage(index, Shown::Undone);
    patterns.number(&spec.undone_by, file, undone);
    let mut shown_outside = Vec::new();
    let mut except = Vec::new();
    if let Some(outside) = &spec.shown_by_outside {
        except = outside
            .except
            .iter()
            .filter_map(|p| patterns.regex(p, file))
            .collect();
        let owner = Owner::ShownStage(index, Shown::Outside);
        patterns.number(&outside.patterns, file, owner);
        shown_outside = outside
            .stages
            .iter()
            .filter_map(|id| stages.index(id.get_ref()))
            .collect();
    }
    let def = StageDef {
        id: spec.id.get_ref().clone(),
        phase: spec.phase,
        order: spec.order,
        starts_session: spec.starts_session,
        once_per_boot: spec.once_per_boot,
        handoff: spec.handoff,
        marks: spec.marks,
        shown_by_kernel_lines: spec.shown_by_kernel_lines,
        shown_outside,
    };
    let outside = spec.shown_by_outside.as_ref();
    let stage = Stage {
        id: spec.id.get_ref().clone(),
        description: spec.description.clone(),
        patterns: strings(&spec.patterns)
            .into_iter()
            .chain(strings(&spec.handoff_patterns))
            .chain(strings(&spec.separators))
            .collect(),
        patterns_if_followed: strings(&spec.patterns_if_followed),
        shown_by: strings(&spec.shown_by),
        shown_at_least_by: strings(&spec.shown_at_least_by),
        shown_by_outside: outside.map(|o| strings(&o.patterns)).unwrap_or_default(),
        shown_outside_of: outside.map(|o| strings(&o.stages)).unwrap_or_default(),
        shown_outside_except: except,
        shown_by_kernel_lines: spec.shown_by_kernel_lines,
        undone_by: strings(&spec.undone_by),
        examples_match: checks::excerpts(&spec.examples),
        examples_no_match: spec.examples.no_match.clone(),
        origin: patterns.files().origin(file, spec.id.span()),
    };
    (def, stage)
}
