//! Loading rule packs: parse every file, layer the packs, validate, then compile.
//!
//! Errors are collected, not returned at the first one, so a rule writer sees every broken
//! rule of a run at once, each with file, line and column.

use std::collections::HashMap;
use std::path::Path;

use bootrules_core::{Mark, Phase, Severity, StageDef, StageModel};
use regex::{Regex, RegexBuilder};

use crate::error::RuleError;
use crate::pack::{Missing, Origin, Owner, Pack, Signature, Stage};
use crate::prefilter::Prefilter;
use crate::spec::{MarkSpec, PhaseSpec, RuleFile, SeveritySpec, SignatureSpec, StageSpec};

include!(concat!(env!("OUT_DIR"), "/default_pack.rs"));

/// Compiled size allowed for one pattern; a pattern over it is reported, not run.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// One rule file's text and the name to show in messages.
#[derive(Debug, Clone)]
pub struct RuleSource {
    /// Path as shown to the user.
    pub path: String,
    /// The file's contents.
    pub text: String,
}

/// The default pack embedded at build time.
pub fn default_sources() -> Vec<RuleSource> {
    DEFAULT_PACK
        .iter()
        .filter(|(path, _)| path.ends_with(".toml"))
        .map(|(path, text)| RuleSource {
            path: (*path).to_owned(),
            text: (*text).to_owned(),
        })
        .collect()
}

/// Every `*.toml` under `dir`, in sorted order.
pub fn sources_from_dir(dir: &Path) -> Result<Vec<RuleSource>, RuleError> {
    let shown = dir.display().to_string();
    if !dir.is_dir() {
        return Err(RuleError::whole_file(
            &shown,
            "not a directory of rule files",
        ));
    }
    let mut sources = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| RuleError::whole_file(&shown, e.to_string()))?;
        let path = entry.path();
        if entry.file_type().is_file() && path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(path).map_err(|e| {
                RuleError::whole_file(&path.display().to_string(), format!("cannot read: {e}"))
            })?;
            sources.push(RuleSource {
                path: path.display().to_string(),
                text,
            });
        }
    }
    Ok(sources)
}

/// A rule after parsing, with the file it came from.
struct Parsed<T> {
    spec: T,
    file: usize,
}

/// Loads packs in order; a rule in a later pack replaces the rule of the same id before it.
pub fn load(packs: &[Vec<RuleSource>]) -> Result<Pack, Vec<RuleError>> {
    let files: Vec<&RuleSource> = packs.iter().flatten().collect();
    let mut errors = Vec::new();
    let mut stages: Vec<Parsed<StageSpec>> = Vec::new();
    let mut signatures: Vec<Parsed<SignatureSpec>> = Vec::new();
    let mut file_index = 0;
    for pack in packs {
        let mut ids_in_pack: HashMap<String, usize> = HashMap::new();
        for source in pack {
            let file = file_index;
            file_index += 1;
            let parsed: RuleFile = match toml::from_str(&source.text) {
                Ok(parsed) => parsed,
                Err(e) => {
                    let span = e.span().unwrap_or(0..0);
                    errors.push(RuleError::at(
                        &source.path,
                        &source.text,
                        span,
                        e.message().trim_end(),
                    ));
                    continue;
                }
            };
            let ids = parsed
                .stage
                .iter()
                .map(|s| &s.id)
                .chain(parsed.signature.iter().map(|s| &s.id));
            for id in ids {
                if let Some(&first) = ids_in_pack.get(id.get_ref()) {
                    errors.push(err(
                        &files,
                        file,
                        id.span(),
                        format!(
                            "duplicate id `{}` (first defined in {})",
                            id.get_ref(),
                            files[first].path
                        ),
                    ));
                } else {
                    ids_in_pack.insert(id.get_ref().clone(), file);
                }
            }
            for spec in parsed.stage {
                stages.retain(|s| s.spec.id.get_ref() != spec.id.get_ref());
                stages.push(Parsed { spec, file });
            }
            for spec in parsed.signature {
                signatures.retain(|s| s.spec.id.get_ref() != spec.id.get_ref());
                signatures.push(Parsed { spec, file });
            }
        }
    }
    let pack = compile(&files, &stages, &signatures, &mut errors);
    if errors.is_empty() {
        Ok(pack)
    } else {
        Err(errors)
    }
}

fn err(
    files: &[&RuleSource],
    file: usize,
    span: std::ops::Range<usize>,
    message: String,
) -> RuleError {
    RuleError::at(&files[file].path, &files[file].text, span, message)
}

fn origin(files: &[&RuleSource], file: usize, span: std::ops::Range<usize>) -> Origin {
    let text = &files[file].text;
    Origin {
        file: files[file].path.clone(),
        line: text[..span.start.min(text.len())].matches('\n').count() + 1,
    }
}

fn is_kebab_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn compile(
    files: &[&RuleSource],
    stage_specs: &[Parsed<StageSpec>],
    signature_specs: &[Parsed<SignatureSpec>],
    errors: &mut Vec<RuleError>,
) -> Pack {
    let mut patterns: Vec<String> = Vec::new();
    let mut regexes: Vec<Regex> = Vec::new();
    let mut owners: Vec<Owner> = Vec::new();
    let mut add_patterns =
        |list: &[toml::Spanned<String>], file: usize, owner: Owner, errors: &mut Vec<RuleError>| {
            for pattern in list {
                match RegexBuilder::new(pattern.get_ref())
                    .size_limit(PATTERN_SIZE_LIMIT)
                    .build()
                {
                    Ok(re) => {
                        patterns.push(pattern.get_ref().clone());
                        regexes.push(re);
                        owners.push(owner);
                    }
                    Err(e) => errors.push(err(
                        files,
                        file,
                        pattern.span(),
                        format!("bad regular expression: {}", one_line(&e.to_string())),
                    )),
                }
            }
        };

    let mut defs = Vec::new();
    let mut stages = Vec::new();
    for (index, Parsed { spec, file }) in stage_specs.iter().enumerate() {
        if !is_kebab_id(spec.id.get_ref()) {
            errors.push(err(
                files,
                *file,
                spec.id.span(),
                "a stage id is kebab-case (`root-mounted`)".into(),
            ));
        }
        if spec.patterns.is_empty() && spec.handoff_patterns.is_empty() {
            errors.push(err(
                files,
                *file,
                spec.id.span(),
                format!("stage `{}` has no patterns", spec.id.get_ref()),
            ));
        }
        add_patterns(&spec.patterns, *file, Owner::Stage(index, false), errors);
        add_patterns(
            &spec.handoff_patterns,
            *file,
            Owner::Stage(index, true),
            errors,
        );
        defs.push(StageDef {
            id: spec.id.get_ref().clone(),
            phase: phase(spec.phase),
            order: spec.order,
            starts_session: spec.starts_session,
            once_per_boot: spec.once_per_boot,
            handoff: spec.handoff,
            marks: spec.marks.map(|m| match m {
                MarkSpec::Booted => Mark::Booted,
                MarkSpec::PoweredOff => Mark::PoweredOff,
                MarkSpec::Rebooted => Mark::Rebooted,
            }),
        });
        stages.push(Stage {
            id: spec.id.get_ref().clone(),
            description: spec.description.clone(),
            patterns: spec
                .patterns
                .iter()
                .chain(&spec.handoff_patterns)
                .map(|p| p.get_ref().clone())
                .collect(),
            examples_match: spec.examples.matching.clone(),
            examples_no_match: spec.examples.no_match.clone(),
            origin: origin(files, *file, spec.id.span()),
        });
    }
    let model = StageModel::new(defs);
    let stage_ref = |id: &toml::Spanned<String>, file: usize, errors: &mut Vec<RuleError>| {
        let found = model.index_of(id.get_ref());
        if found.is_none() {
            errors.push(err(
                files,
                file,
                id.span(),
                format!("unknown stage `{}`", id.get_ref()),
            ));
        }
        found
    };

    let mut signatures = Vec::new();
    for (index, Parsed { spec, file }) in signature_specs.iter().enumerate() {
        let file = *file;
        if !is_kebab_id(spec.id.get_ref()) {
            errors.push(err(
                files,
                file,
                spec.id.span(),
                "a signature id is kebab-case (`fsck-manual-repair-required`)".into(),
            ));
        }
        if spec.patterns.is_empty() == spec.missing.is_none() {
            errors.push(err(
                files,
                file,
                spec.id.span(),
                format!(
                    "signature `{}` needs either `patterns` or `missing` evidence",
                    spec.id.get_ref()
                ),
            ));
        }
        add_patterns(&spec.patterns, file, Owner::Signature(index), errors);
        let exclude = spec
            .exclude
            .iter()
            .filter_map(|pattern| {
                RegexBuilder::new(pattern.get_ref())
                    .size_limit(PATTERN_SIZE_LIMIT)
                    .build()
                    .map_err(|e| {
                        errors.push(err(
                            files,
                            file,
                            pattern.span(),
                            format!("bad regular expression: {}", one_line(&e.to_string())),
                        ))
                    })
                    .ok()
            })
            .collect();
        let from_stage = spec
            .from_stage
            .as_ref()
            .and_then(|s| stage_ref(s, file, errors));
        let until_stage = spec
            .until_stage
            .as_ref()
            .and_then(|s| stage_ref(s, file, errors));
        let missing = spec.missing.as_ref().and_then(|m| {
            let after = stage_ref(&m.after, file, errors);
            let targets: Vec<_> = m
                .stages
                .iter()
                .map(|s| stage_ref(s, file, errors))
                .collect();
            Some(Missing {
                after: after?,
                stages: targets.into_iter().collect::<Option<_>>()?,
            })
        });
        signatures.push(Signature {
            id: spec.id.get_ref().clone(),
            title: spec.title.clone(),
            category: spec.category,
            severity: match spec.severity {
                SeveritySpec::Info => Severity::Info,
                SeveritySpec::Warning => Severity::Warning,
                SeveritySpec::Error => Severity::Error,
                SeveritySpec::Critical => Severity::Critical,
            },
            fatal: spec.fatal,
            patterns: spec.patterns.iter().map(|p| p.get_ref().clone()).collect(),
            exclude,
            phase: spec.phase.map(phase),
            from_stage,
            until_stage,
            missing,
            message: spec.message.trim().to_owned(),
            remedy: spec.remedy.trim().to_owned(),
            references: spec.references.clone(),
            examples_match: spec.examples.matching.clone(),
            examples_no_match: spec.examples.no_match.clone(),
            origin: origin(files, file, spec.id.span()),
        });
    }

    let prefilter = Prefilter::new(patterns.iter().map(String::as_str));
    Pack {
        model,
        stages,
        signatures,
        prefilter,
        regexes,
        owners,
    }
}

fn phase(spec: PhaseSpec) -> Phase {
    match spec {
        PhaseSpec::Boot => Phase::Boot,
        PhaseSpec::Shutdown => Phase::Shutdown,
    }
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
