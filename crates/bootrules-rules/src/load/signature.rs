//! `[[signature]]`: its checks (evidence, scope, references, captures), and the compiled
//! signature with its patterns numbered and its script built.

use std::collections::{BTreeMap, HashMap};

use crate::codes::Code;
use crate::owner::{Owner, Role};
use crate::pack::{Count, Example, Missing, Sequence, Signature};
use crate::precompile::Compiled;
use crate::spanned::Spanned;
use crate::spec::{EvidenceSpec, ExampleSpec, SignatureSpec};
use crate::suggest;
use crate::terms::Category;

use super::checks::{self, Kind, Stages};
use super::files::{Files, Problem};
use super::layer::Layer;
use super::patterns::Patterns;
use super::script_source;
use super::strings;

const KIND: Kind = Kind {
    name: "signature",
    example_id: "fsck-manual-repair-required",
};

/// What a signature's checks look up: the pack's stages and signatures, and the patterns
/// built so far (for the names of their captures).
pub(super) struct Names<'a> {
    pub stages: &'a Stages<'a>,
    pub signatures: &'a Layer<Box<SignatureSpec>>,
    pub compiled: &'a HashMap<&'a str, Compiled>,
    pub files: &'a Files<'a>,
}

/// The kinds of evidence other than plain patterns that the signature combines.
fn evidence_kinds(spec: &SignatureSpec) -> Vec<&'static str> {
    [
        ("`missing`", spec.missing.is_some()),
        ("`sequence`", spec.sequence.is_some()),
        ("`count`", spec.count.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, present)| present.then_some(name))
    .collect()
}

fn has_script(spec: &SignatureSpec) -> bool {
    spec.script.is_some() || spec.script_file.is_some()
}

/// Every problem of the signature that shows without building its patterns and script.
pub(super) fn validate(spec: &SignatureSpec, file: usize, names: &Names<'_>) -> Vec<Problem> {
    let id = spec.id.get_ref();
    let mut problems: Vec<Problem> = checks::id(&spec.id, file, &KIND).into_iter().collect();
    let mut at_id = |code: Code, message: String| {
        problems.push(Problem::new(code, file, spec.id.span(), message));
    };
    let kinds = evidence_kinds(spec);
    if kinds.len() > 1 {
        at_id(
            Code::ConflictingKeys,
            format!(
                "signature `{id}` combines {}; use one kind of evidence (or a script)",
                kinds.join(" and ")
            ),
        );
    }
    if spec.patterns.is_empty() && spec.missing.is_none() && !has_script(spec) {
        at_id(
            Code::NoEvidence,
            format!("signature `{id}` needs evidence: `patterns`, `missing` or a script"),
        );
    }
    if spec.category_from_cause && spec.explained_by.is_empty() {
        at_id(
            Code::MissingKey,
            format!("signature `{id}`: `category-from-cause` needs `explained-by`, the causes whose category it takes"),
        );
    }
    if spec.missing.is_some() && !spec.patterns.is_empty() {
        at_id(
            Code::ConflictingKeys,
            format!(
            "signature `{id}`: with `missing`, the lines that must follow go in `missing.patterns`"
        ),
        );
    }
    if (spec.sequence.is_some() || spec.count.is_some()) && spec.patterns.is_empty() {
        at_id(
            Code::NeedsPatterns,
            format!(
            "signature `{id}`: `sequence` and `count` apply to its `patterns`, which are missing"
        ),
        );
    }
    if let Some(first) = spec.script_events.first() {
        let missing = match (spec.patterns.is_empty(), has_script(spec)) {
            (true, false) => Some("neither `patterns` nor a script"),
            (true, true) => Some("no `patterns`"),
            (false, false) => Some("no script"),
            (false, true) => None,
        };
        if let Some(missing) = missing {
            let message = format!(
                "signature `{id}`: `script-events` are context its script reads next to the evidence of its `patterns`; it has {missing}"
            );
            problems.push(Problem::new(
                Code::NeedsPatterns,
                file,
                first.span(),
                message,
            ));
        }
    }
    let stage_refs = spec
        .from_stage
        .iter()
        .chain(&spec.until_stage)
        .chain(&spec.ended_before)
        .chain(&spec.shows_stage)
        .chain(&spec.unless_in)
        .chain(&spec.only_in);
    problems.extend(stage_refs.filter_map(|s| names.stages.check(s, file)));
    problems.extend(
        spec.explained_by
            .iter()
            .filter_map(|by| explained_by(by, file, names.signatures)),
    );
    if spec.shows_stage.is_some() && spec.patterns.is_empty() {
        let message =
            format!("signature `{id}`: `shows-stage` applies to its `patterns`, which are missing");
        problems.push(Problem::new(
            Code::NeedsPatterns,
            file,
            spec.id.span(),
            message,
        ));
    }
    if let Some(m) = &spec.missing {
        if m.stages.is_empty() && m.patterns.is_empty() {
            let message = "`missing` needs `stages` or `patterns` that must follow";
            problems.push(Problem::new(
                Code::NeedsPatterns,
                file,
                m.after.span(),
                message,
            ));
        }
        let refs = std::iter::once(&m.after).chain(&m.stages);
        problems.extend(refs.filter_map(|s| names.stages.check(s, file)));
    }
    if let Some(n) = &spec.count {
        if *n.at_least.get_ref() == 0 {
            let message = "`at-least` must be 1 or more";
            problems.push(Problem::new(
                Code::BadValue,
                file,
                n.at_least.span(),
                message,
            ));
        }
    }
    if let (Some(_), Some(named)) = (&spec.script, &spec.script_file) {
        let message = "a signature has `script` or `script-file`, not both";
        problems.push(Problem::new(
            Code::ConflictingKeys,
            file,
            named.span(),
            message,
        ));
    }
    let captures = [
        ("category-by-unit", &spec.category_by_unit),
        ("one-per", &spec.one_per),
    ];
    for (key, name) in captures {
        problems.extend(capture_named(spec, file, names, key, name.as_ref()));
    }
    if let Some(name) = &spec.one_per {
        if !evidence_kinds(spec).is_empty() || has_script(spec) {
            let message = "`one-per` applies to plain `patterns` (no `count`, `sequence`, `missing` or script)";
            problems.push(Problem::new(
                Code::ConflictingKeys,
                file,
                name.span(),
                message,
            ));
        }
    }
    problems
}

/// A problem when `explained-by` names neither a category nor a signature.
fn explained_by(
    by: &Spanned<String>,
    file: usize,
    signatures: &Layer<Box<SignatureSpec>>,
) -> Option<Problem> {
    let name = by.get_ref();
    let category = Category::ALL.iter().any(|c| c.as_str() == name);
    if category || signatures.contains(name) {
        return None;
    }
    let known = Category::ALL
        .iter()
        .map(|c| c.as_str())
        .chain(signatures.ids());
    let message = format!(
        "`explained-by` names `{name}`, which is neither a category nor a signature id{}",
        suggest::did_you_mean(name, known)
    );
    Some(Problem::new(
        Code::UnknownReference,
        file,
        by.span(),
        message,
    ))
}

/// A problem when `key` names a capture that none of the signature's patterns has.
fn capture_named(
    spec: &SignatureSpec,
    file: usize,
    names: &Names<'_>,
    key: &str,
    name: Option<&Spanned<String>>,
) -> Option<Problem> {
    let name = name?;
    let known = names.files.is_embedded(file)
        || spec.patterns.iter().any(|p| {
            names
                .compiled
                .get(p.get_ref().as_str())
                .and_then(|done| done.regex.as_ref().ok())
                .is_some_and(|re| re.capture_names().flatten().any(|n| n == name.get_ref()))
        });
    (!known).then(|| {
        let message = format!(
            "`{key}` names the capture `{}`, which no pattern of `{}` has (write `(?P<{}>…)`)",
            name.get_ref(),
            spec.id.get_ref(),
            name.get_ref()
        );
        Problem::new(Code::UnknownCapture, file, name.span(), message)
    })
}

/// The signature (its `index` in the pack) with its patterns numbered and its script built;
/// a script that does not build is reported to `problems`. The spec's texts move into the
/// signature, not copied: a pack's texts are most of what its load allocates.
pub(super) fn compile(
    spec: SignatureSpec,
    file: usize,
    index: usize,
    stages: &Stages<'_>,
    patterns: &mut Patterns<'_>,
    problems: &mut Vec<Problem>,
) -> Signature {
    patterns.number(
        &spec.patterns,
        file,
        Owner::Signature(index, Role::Evidence),
    );
    patterns.number(
        &spec.script_events,
        file,
        Owner::Signature(index, Role::Event),
    );
    let exclude = spec
        .exclude
        .iter()
        .filter_map(|p| patterns.regex(p, file))
        .collect();
    let stage = |id: &Spanned<String>| stages.index(id.get_ref());
    let missing = spec.missing.as_ref().and_then(|m| {
        let owner = Owner::Signature(index, Role::Expected);
        patterns.number(&m.patterns, file, owner);
        Some(Missing {
            after: stage(&m.after)?,
            stages: m.stages.iter().map(stage).collect::<Option<_>>()?,
            patterns: strings(&m.patterns),
        })
    });
    let sequence = spec.sequence.as_ref().map(|s| {
        patterns.number(&s.then, file, Owner::Signature(index, Role::Then));
        Sequence {
            then: strings(&s.then),
            within_lines: s.within_lines,
            within_seconds: s.within_seconds,
        }
    });
    let count = spec.count.as_ref().map(|n| Count {
        at_least: *n.at_least.get_ref(),
        within_lines: n.within_lines,
        within_seconds: n.within_seconds,
    });
    let script = script_source::compile(&spec, file, patterns.files()).unwrap_or_else(|problem| {
        problems.push(problem);
        None
    });
    let name = |capture: Option<Spanned<String>>| capture.map(Spanned::into_inner);
    let stages_of = |ids: &[Spanned<String>]| ids.iter().filter_map(stage).collect();
    Signature {
        origin: patterns.files().origin(file, spec.id.span()),
        from_stage: spec.from_stage.as_ref().and_then(stage),
        until_stage: spec.until_stage.as_ref().and_then(stage),
        ended_before: spec.ended_before.as_ref().and_then(stage),
        shows_stage: spec.shows_stage.as_ref().and_then(stage),
        unless_in: stages_of(&spec.unless_in),
        only_in: stages_of(&spec.only_in),
        patterns: strings(&spec.patterns),
        script_events: strings(&spec.script_events),
        explained_by: strings(&spec.explained_by),
        evidence_last: spec.evidence == EvidenceSpec::Last,
        id: spec.id.into_inner(),
        title: spec.title,
        category: spec.category,
        category_by_unit: name(spec.category_by_unit),
        category_from_cause: spec.category_from_cause,
        generic: spec.generic,
        one_per: name(spec.one_per),
        severity: spec.severity,
        fatal: spec.fatal,
        exclude,
        phase: spec.phase,
        missing,
        sequence,
        count,
        script,
        status: spec.status,
        tags: spec.tags,
        falsepositives: spec.falsepositives,
        disabled: false,
        message: trimmed(spec.message),
        remedy: trimmed(spec.remedy),
        references: spec.references,
        examples_match: spec.examples.matching.into_iter().map(example).collect(),
        examples_no_match: spec.examples.no_match,
    }
}

/// A `match` example as the pack keeps it.
fn example(spec: ExampleSpec) -> Example {
    match spec {
        ExampleSpec::Log(log) => Example {
            log,
            captures: BTreeMap::new(),
            category: None,
        },
        ExampleSpec::WithCaptures {
            log,
            captures,
            category,
        } => Example {
            log,
            captures,
            category,
        },
    }
}

/// `text` without the whitespace around it, moved rather than copied when it has none (a
/// message written as a `"""` block ends with a newline).
fn trimmed(text: String) -> String {
    let trim = text.trim();
    if trim.len() == text.len() {
        text
    } else {
        trim.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::RuleSource;
    use crate::spec::RuleFile;

    /// The messages of a signature's checks, in a pack with one stage, `kernel`.
    fn problems(signature: &str) -> Vec<String> {
        let packs = vec![vec![RuleSource {
            path: "x.toml".into(),
            text: signature.to_owned().into(),
        }]];
        let files = Files::new(&packs);
        let parsed: RuleFile = toml::from_str(signature).unwrap();
        let spec = &parsed.signature[0];
        let stages = Stages {
            ids: vec!["kernel"],
            unparsed: &[],
        };
        let names = Names {
            stages: &stages,
            signatures: &Layer::default(),
            compiled: &HashMap::new(),
            files: &files,
        };
        validate(spec, 0, &names)
            .into_iter()
            .map(|p| p.message)
            .collect()
    }

    const HEAD: &str = "[[signature]]\ntitle = 't'\ncategory = 'other'\nseverity = 'info'\nmessage = 'm'\nremedy = 'r'\n";

    #[test]
    fn every_problem_of_a_signature_is_reported() {
        let text = format!(
            "{HEAD}id = 'Bad_Id'\ncount = {{ at-least = 0 }}\nsequence = {{ then = ['b'] }}\n\
             from-stage = 'kernal'\nexplained-by = ['nothing']\none-per = 'unit'\n"
        );
        let found = problems(&text);
        let expected = [
            "a signature id is kebab-case",
            "combines `sequence` and `count`",
            "needs evidence",
            "`sequence` and `count` apply to its `patterns`",
            "unknown stage `kernal`, expected one of kernel; did you mean `kernel`?",
            "`explained-by` names `nothing`",
            "`at-least` must be 1 or more",
            "`one-per` names the capture `unit`",
            "`one-per` applies to plain `patterns`",
        ];
        assert_eq!(found.len(), expected.len(), "{found:#?}");
        for (found, expected) in found.iter().zip(expected) {
            assert!(found.contains(expected), "{found} ∌ {expected}");
        }
    }

    #[test]
    fn a_good_signature_has_no_problem() {
        let text = format!("{HEAD}id = 'good'\npatterns = ['x']\nfrom-stage = 'kernel'\n");
        assert_eq!(problems(&text), Vec::<String>::new());
    }
}
