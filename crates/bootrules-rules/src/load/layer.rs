//! Layering packs by id: a rule of a later pack replaces the earlier rule of the same id; a
//! second rule of one id in one pack is an error.

use std::collections::{HashMap, HashSet};

use crate::codes::Code;
use crate::spanned::Spanned;
use crate::spec::{IgnoreSpec, RuleFile, SignatureSpec, StageSpec, UnitCategorySpec};

use super::files::{Files, Problem};

/// A rule after parsing, with the number of the file it came from.
pub(super) struct Parsed<T> {
    pub spec: T,
    pub file: usize,
}

/// Rules of one kind in load order. A rule replaces the earlier rule of the same id and takes
/// its place at the end, as if written last; the id index keeps that linear in the pack size.
pub(super) struct Layer<T> {
    slots: Vec<Option<Parsed<T>>>,
    by_id: HashMap<String, usize>,
}

impl<T> Default for Layer<T> {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            by_id: HashMap::new(),
        }
    }
}

impl<T> Layer<T> {
    /// Puts `spec` last, replacing an earlier rule of the same id (an override).
    fn put(&mut self, id: &str, spec: T, file: usize) {
        if let Some(old) = self.by_id.insert(id.to_owned(), self.slots.len()) {
            self.slots[old] = None;
        }
        self.slots.push(Some(Parsed { spec, file }));
    }

    pub fn iter(&self) -> impl Iterator<Item = &Parsed<T>> {
        self.slots.iter().flatten()
    }

    /// The rules in order, taken out of the layer.
    pub fn take(&mut self) -> Vec<Parsed<T>> {
        self.by_id.clear();
        std::mem::take(&mut self.slots)
            .into_iter()
            .flatten()
            .collect()
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.by_id.keys().map(String::as_str)
    }
}

/// Everything parsed from all packs, later packs already layered over earlier ones.
#[derive(Default)]
pub(super) struct Layered {
    pub stages: Layer<StageSpec>,
    pub signatures: Layer<Box<SignatureSpec>>,
    pub ignores: Layer<IgnoreSpec>,
    pub unit_categories: Layer<UnitCategorySpec>,
    pub disabled: Vec<Parsed<Spanned<String>>>,
    /// The ids of the pack being added: its file and the byte of the id.
    ids_in_pack: HashMap<String, (usize, usize)>,
}

impl Layered {
    /// Begins the next pack: it may replace rules of earlier packs, not repeat its own ids.
    pub fn begin_pack(&mut self) {
        self.ids_in_pack.clear();
    }

    /// Adds the rules of one file of the current pack; a rule whose id the pack defined
    /// already is reported and left out, so the first one is still checked.
    pub fn add(&mut self, files: &Files<'_>, file: usize, parsed: RuleFile) -> Vec<Problem> {
        let mut problems = Vec::new();
        let ids = parsed
            .stage
            .iter()
            .map(|s| &s.id)
            .chain(parsed.signature.iter().map(|s| &s.id))
            .chain(parsed.ignore.iter().map(|s| &s.id))
            .chain(parsed.unit_category.iter().map(|s| &s.id));
        let mut duplicates = HashSet::new();
        for id in ids {
            if let Some(&(first, at)) = self.ids_in_pack.get(id.get_ref()) {
                let message = format!(
                    "duplicate id `{}` (first defined in {}:{})",
                    id.get_ref(),
                    files.source(first).path,
                    files.map(first).line_of(at)
                );
                problems.push(Problem::new(Code::DuplicateId, file, id.span(), message));
                duplicates.insert(id.span().start);
            } else {
                self.ids_in_pack
                    .insert(id.get_ref().clone(), (file, id.span().start));
            }
        }
        let kept = |id: &Spanned<String>| !duplicates.contains(&id.span().start);
        for spec in parsed.stage.into_iter().filter(|s| kept(&s.id)) {
            let id = spec.id.get_ref().clone();
            self.stages.put(&id, spec, file);
        }
        for spec in parsed.signature.into_iter().filter(|s| kept(&s.id)) {
            let id = spec.id.get_ref().clone();
            self.signatures.put(&id, spec, file);
        }
        for spec in parsed.ignore.into_iter().filter(|s| kept(&s.id)) {
            let id = spec.id.get_ref().clone();
            self.ignores.put(&id, spec, file);
        }
        for spec in parsed.unit_category.into_iter().filter(|s| kept(&s.id)) {
            let id = spec.id.get_ref().clone();
            self.unit_categories.put(&id, spec, file);
        }
        for id in parsed.disable {
            self.disabled.push(Parsed { spec: id, file });
        }
        problems
    }

    /// How many rules the packs hold together.
    pub fn rules(&self) -> usize {
        self.stages.len() + self.signatures.len() + self.ignores.len() + self.unit_categories.len()
    }

    /// Every pattern of the layered rules outside the embedded pack, each once, in rule order.
    pub fn pattern_texts(&self, files: &Files<'_>) -> Vec<&str> {
        let mine = |file: usize| !files.is_embedded(file);
        let stages = self.stages.iter().filter(|p| mine(p.file)).flat_map(|p| {
            let spec = &p.spec;
            let outside = spec
                .shown_by_outside
                .iter()
                .flat_map(|o| o.patterns.iter().chain(&o.except));
            spec.patterns
                .iter()
                .chain(&spec.handoff_patterns)
                .chain(&spec.separators)
                .chain(&spec.patterns_if_followed)
                .chain(&spec.shown_by)
                .chain(&spec.shown_at_least_by)
                .chain(outside)
        });
        let signatures = self
            .signatures
            .iter()
            .filter(|p| mine(p.file))
            .flat_map(|p| {
                let spec = &p.spec;
                let missing = spec.missing.iter().flat_map(|m| &m.patterns);
                let then = spec.sequence.iter().flat_map(|s| &s.then);
                spec.patterns
                    .iter()
                    .chain(&spec.exclude)
                    .chain(missing)
                    .chain(then)
            });
        let ignores = self
            .ignores
            .iter()
            .filter(|p| mine(p.file))
            .flat_map(|p| &p.spec.patterns);
        let mut seen = HashSet::new();
        stages
            .chain(signatures)
            .chain(ignores)
            .map(|pattern| pattern.get_ref().as_str())
            .filter(|text| seen.insert(*text))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::RuleSource;

    fn ignore(id: &str) -> String {
        format!("[[ignore]]\nid = '{id}'\nreason = 'r'\npatterns = ['{id}']\n")
    }

    /// The ignores' ids after layering `packs` (files of text), and the problems met.
    fn layer(packs: &[&[String]]) -> (Vec<String>, Vec<String>) {
        let packs: Vec<Vec<RuleSource>> = packs
            .iter()
            .map(|pack| {
                pack.iter()
                    .enumerate()
                    .map(|(i, text)| RuleSource {
                        path: format!("{i}.toml"),
                        text: text.clone().into(),
                    })
                    .collect()
            })
            .collect();
        let files = Files::new(&packs);
        let mut layered = Layered::default();
        let mut problems = Vec::new();
        let mut file = 0;
        for pack in &packs {
            layered.begin_pack();
            for source in pack {
                let parsed = toml::from_str(&source.text).unwrap();
                problems.extend(layered.add(&files, file, parsed));
                file += 1;
            }
        }
        let ids = layered.ignores.iter().map(|p| p.spec.id.get_ref().clone());
        let messages = problems.into_iter().map(|p| p.message);
        (ids.collect(), messages.collect())
    }

    #[test]
    fn a_later_pack_replaces_a_rule_which_moves_last() {
        let first = [format!("{}{}", ignore("a"), ignore("b"))];
        let second = [ignore("a")];
        let (ids, problems) = layer(&[&first, &second]);
        assert_eq!(ids, ["b", "a"]);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn an_id_twice_in_one_pack_keeps_the_first_and_is_reported() {
        let pack = [ignore("a"), format!("{}{}", ignore("b"), ignore("a"))];
        let (ids, problems) = layer(&[&pack]);
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(problems, ["duplicate id `a` (first defined in 0.toml:2)"]);
    }
}
