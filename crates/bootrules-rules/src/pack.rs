//! A compiled rule pack: what the engine runs.
//!
//! Every stage marker and signature pattern is numbered; the [`Prefilter`] finds, with one
//! multi-literal search per line, the few patterns that can match it, and only their regexes
//! run, to confirm the match, find its position and its named captures.

use bootrules_core::{Line, LineHits, RuleSet, Severity, StageMatch, StageModel};
use regex::Regex;

use crate::judge::PackJudge;
use crate::prefilter::Prefilter;
use crate::spec::Category;

/// Where a rule came from, for `rules explain` and error messages.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The rule file.
    pub file: String,
    /// 1-based line of the rule's id.
    pub line: usize,
}

/// A stage marker with its documentation.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Stable id.
    pub id: String,
    /// What the stage is.
    pub description: String,
    /// Its patterns, as written.
    pub patterns: Vec<String>,
    /// Excerpts that must reach the stage.
    pub examples_match: Vec<String>,
    /// Excerpts that must not reach it.
    pub examples_no_match: Vec<String>,
    /// Where it is defined.
    pub origin: Origin,
}

/// Evidence by absence: once `after` (or a later stage) is reached, one of `stages` must be.
#[derive(Debug, Clone)]
pub struct Missing {
    /// Index of the stage that starts the wait.
    pub after: usize,
    /// Indices of the stages of which one must follow.
    pub stages: Vec<usize>,
}

/// A known-failure signature.
#[derive(Debug, Clone)]
pub struct Signature {
    /// Stable kebab-case id.
    pub id: String,
    /// One line for people.
    pub title: String,
    /// SPEC category.
    pub category: Category,
    /// How bad it is.
    pub severity: Severity,
    /// Stops a boot or a running system.
    pub fatal: bool,
    /// Patterns as written.
    pub patterns: Vec<String>,
    /// Lines that also match one of these are not evidence.
    pub exclude: Vec<Regex>,
    /// Only lines in this phase count.
    pub phase: Option<bootrules_core::Phase>,
    /// Only lines once this stage (index) or a later one was reached count.
    pub from_stage: Option<usize>,
    /// Only lines before this stage (index) or a later one was reached count.
    pub until_stage: Option<usize>,
    /// Evidence by absence.
    pub missing: Option<Missing>,
    /// What it means (may hold `{capture}` names).
    pub message: String,
    /// What to do (may hold `{capture}` names).
    pub remedy: String,
    /// Vendor documentation.
    pub references: Vec<String>,
    /// Excerpts that must produce the finding.
    pub examples_match: Vec<String>,
    /// Excerpts that must not.
    pub examples_no_match: Vec<String>,
    /// Where it is defined.
    pub origin: Origin,
}

/// What one pattern of the set belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner {
    /// A stage marker; `true` when it also marks the hand-off to the OS.
    Stage(usize, bool),
    Signature(usize),
}

/// A loaded, validated and compiled rule pack.
#[derive(Debug)]
pub struct Pack {
    pub(crate) model: StageModel,
    pub(crate) stages: Vec<Stage>,
    pub(crate) signatures: Vec<Signature>,
    pub(crate) prefilter: Prefilter,
    pub(crate) regexes: Vec<Regex>,
    pub(crate) owners: Vec<Owner>,
}

impl Pack {
    /// The stages, in declaration order (their index is the engine's stage index).
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// The signatures.
    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    /// The signature with this id.
    pub fn signature(&self, id: &str) -> Option<&Signature> {
        self.signatures.iter().find(|s| s.id == id)
    }

    /// Stages plus signatures.
    pub fn rule_count(&self) -> usize {
        self.stages.len() + self.signatures.len()
    }

    pub(crate) fn owner(&self, pattern: u32) -> Owner {
        self.owners[pattern as usize]
    }

    pub(crate) fn regex(&self, pattern: u32) -> &Regex {
        &self.regexes[pattern as usize]
    }

    /// Patterns (as written) with no literal the prefilter can search for: they run on every
    /// line.
    pub fn unfiltered_patterns(&self) -> Vec<&str> {
        self.prefilter
            .unfiltered()
            .iter()
            .map(|&p| self.regexes[p as usize].as_str())
            .collect()
    }
}

impl RuleSet for Pack {
    type Judge<'a> = PackJudge<'a>;

    fn stages(&self) -> &StageModel {
        &self.model
    }

    fn classify(&self, line: &Line<'_>, hits: &mut LineHits) {
        // Empty unless a literal is found, so the common line allocates nothing.
        let mut candidates = Vec::new();
        self.prefilter.candidates(line.message, &mut candidates);
        let unfiltered = self.prefilter.unfiltered();
        for &pattern in unfiltered.iter().chain(&candidates) {
            let Some(found) = self.regexes[pattern as usize].find(line.message) else {
                continue;
            };
            match self.owners[pattern as usize] {
                Owner::Stage(stage, handoff) => hits.stages.push(StageMatch {
                    stage,
                    at: found.start(),
                    marker: pattern,
                    handoff,
                }),
                Owner::Signature(_) => hits.signals.push(pattern),
            }
        }
    }

    fn judge(&self) -> PackJudge<'_> {
        PackJudge::new(self)
    }
}
