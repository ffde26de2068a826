//! Loading rule packs: parse every file ([`parse`]), layer the packs by id ([`layer`]), build
//! their patterns (in parallel, see [`crate::precompile`]), then check and compile each kind of
//! rule ([`stage`], [`signature`], [`ignore`], [`unit_category`]) into a [`Pack`].
//!
//! Problems are collected, not returned at the first one, so a rule writer sees every broken
//! rule of a run at once, each with file, line and column.

mod checks;
mod files;
mod ignore;
mod layer;
mod parse;
mod patterns;
mod script_source;
mod signature;
mod sources;
mod stage;
mod unit_category;

use std::collections::HashMap;

use bootrules_core::{Diagnostic, StageModel};

use crate::codes::Code;
use crate::pack::Pack;
use crate::precompile::{self, Compiled};
use crate::spanned::Spanned;

use checks::Stages;
use files::{Files, Problem};
use layer::Layered;
use patterns::Patterns;
pub use sources::{default_sources, sources_from_dir, RuleSource};

/// Rules (stages, signatures, ignores, unit categories) one run may load, all packs together.
pub const MAX_RULES: usize = 50_000;

/// Loads packs in order; a rule in a later pack replaces the rule of the same id before it.
pub fn load(packs: &[Vec<RuleSource>]) -> Result<Pack, Vec<Diagnostic>> {
    let files = Files::new(packs);
    let mut errors = Vec::new();
    let mut layered = Layered::default();
    let mut unparsed_stages = Vec::new();
    let mut next_file = 0;
    for pack in packs {
        layered.begin_pack();
        for source in pack {
            let file = next_file;
            next_file += 1;
            if !source.is_toml() {
                continue;
            }
            let parsed = parse::parse_file(&files, file, &mut errors, &mut unparsed_stages);
            let duplicates = layered.add(&files, file, parsed);
            errors.extend(duplicates.into_iter().map(|p| files.diagnostic(p)));
        }
    }
    let rules = layered.rules();
    if rules > MAX_RULES {
        let message = format!(
            "{rules} rules in this run: at most {MAX_RULES} are loaded (every rule's patterns \
             run on every line); split the pack"
        );
        errors.push(Code::TooManyRules.diagnostic(files.last_path(), message));
        return Err(errors);
    }
    // owned, so the signatures can move out of `layered` while their patterns are looked up
    let texts: Vec<String> = layered
        .pattern_texts(&files)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let compiled = precompile::compile_all(&texts.iter().map(String::as_str).collect::<Vec<_>>());
    let pack = compile(
        &files,
        &mut layered,
        &compiled,
        &unparsed_stages,
        &mut errors,
    );
    if errors.is_empty() {
        Ok(pack)
    } else {
        errors.sort_by(|a, b| (&a.file, a.span).cmp(&(&b.file, b.span)));
        Err(errors)
    }
}

/// The texts of a list of patterns (or ids), as written.
fn strings(list: &[Spanned<String>]) -> Vec<String> {
    list.iter().map(|p| p.get_ref().clone()).collect()
}

/// Checks and compiles every layered rule, kind by kind, pushing every problem to `errors`.
/// The signatures are all checked first (a check may look at any other signature), then moved
/// into the pack one by one.
fn compile(
    files: &Files<'_>,
    layered: &mut Layered,
    compiled: &HashMap<&str, Compiled>,
    unparsed_stages: &[String],
    errors: &mut Vec<Diagnostic>,
) -> Pack {
    let mut problems: Vec<Problem> = Vec::new();
    let mut patterns = Patterns::new(files, compiled);
    let stages = Stages {
        ids: layered
            .stages
            .iter()
            .map(|p| p.spec.id.get_ref().as_str())
            .collect(),
        unparsed: unparsed_stages,
    };

    let mut defs = Vec::new();
    let mut stage_docs = Vec::new();
    for (index, parsed) in layered.stages.iter().enumerate() {
        problems.extend(stage::validate(&parsed.spec, parsed.file, &stages));
        let (def, doc) = stage::compile(&parsed.spec, parsed.file, index, &stages, &mut patterns);
        defs.push(def);
        stage_docs.push(doc);
    }

    let names = signature::Names {
        stages: &stages,
        signatures: &layered.signatures,
        compiled,
        files,
    };
    for parsed in layered.signatures.iter() {
        problems.extend(signature::validate(&parsed.spec, parsed.file, &names));
    }
    let mut signatures = Vec::with_capacity(layered.signatures.len());
    for (index, parsed) in layered.signatures.take().into_iter().enumerate() {
        let (spec, file) = (*parsed.spec, parsed.file);
        let compiled = signature::compile(spec, file, index, &stages, &mut patterns, &mut problems);
        signatures.push(compiled);
    }

    let mut ignores = Vec::new();
    for parsed in layered.ignores.iter() {
        problems.extend(ignore::validate(&parsed.spec, parsed.file));
        ignores.push(ignore::compile(&parsed.spec, parsed.file, &mut patterns));
    }

    let mut unit_categories = Vec::new();
    for parsed in layered.unit_categories.iter() {
        problems.extend(unit_category::validate(&parsed.spec, parsed.file));
        let compiled = unit_category::compile(&parsed.spec, parsed.file, &mut patterns);
        unit_categories.push(compiled);
    }

    let mut warnings = Vec::new();
    for parsed in &layered.disabled {
        let id = &parsed.spec;
        match signatures.iter_mut().find(|s| s.id == *id.get_ref()) {
            Some(signature) => signature.disabled = true,
            None => {
                let message = format!("`disable` names `{}`, which is no signature", id.get_ref());
                let problem =
                    Problem::new(Code::UnknownDisabledId, parsed.file, id.span(), message);
                warnings.push(files.diagnostic(problem));
            }
        }
    }

    problems.append(&mut patterns.problems);
    errors.extend(problems.into_iter().map(|p| files.diagnostic(p)));
    let signature_index = signatures
        .iter()
        .enumerate()
        .map(|(index, s)| (s.id.clone(), index))
        .collect();
    Pack {
        id: crate::memo::new_pack_id(),
        model: StageModel::new(defs),
        stages: stage_docs,
        signatures,
        signature_index,
        ignores,
        unit_categories,
        warnings,
        prefilter: std::sync::OnceLock::new(),
        regexes: patterns.regexes,
        owners: patterns.owners,
        compiled_size: patterns.spent,
    }
}
