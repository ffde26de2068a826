//! A compiled rule pack: its stages, signatures, ignores and unit categories as data, with
//! every pattern numbered and compiled.
//!
//! Every stage marker and signature pattern is numbered; the [`Prefilter`] finds, with one
//! multi-literal search per line, the few patterns that can match it, and only their regexes
//! run, to confirm the match, find its position and its named captures. How the engine runs a
//! pack is [`crate::rule_set`].

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use bootrules_core::{Diagnostic, Severity, StageModel};

use crate::codes::Code;
use crate::known_requirements::requirement_of;
use crate::owner::{Owner, Role};
use crate::pattern::Pattern;
use crate::prefilter::Prefilter;
use crate::terms::{Category, Status};

/// Where a rule came from, for `rules explain` and error messages.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The rule file.
    pub file: String,
    /// 1-based line of the rule's id.
    pub line: usize,
    /// 1-based column (characters) of the rule's id.
    pub column: usize,
}

impl Origin {
    /// A diagnostic of `code` about the rule `id` defined here.
    pub fn diagnostic(&self, code: Code, id: &str, message: impl Into<String>) -> Diagnostic {
        code.diagnostic(&self.file, message)
            .at(self.line, self.column)
            .rule(id)
    }
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
    /// Its markers that count only once another line follows them, as written.
    pub patterns_if_followed: Vec<String>,
    /// Lines that show the stage was reached without being its marker, as written.
    pub shown_by: Vec<String>,
    /// Lines that show the stage or a later one, as written.
    pub shown_at_least_by: Vec<String>,
    /// Lines that show the stage outside the listed stages (ids), as written.
    pub shown_by_outside: Vec<String>,
    /// The stages in which `shown_by_outside` shows nothing.
    pub shown_outside_of: Vec<String>,
    /// Lines of `shown_by_outside` that show nothing.
    pub shown_outside_except: Vec<Pattern>,
    /// Every line with a kernel timestamp shows the stage.
    pub shown_by_kernel_lines: bool,
    /// Lines that take the stage back while it is the furthest, as written.
    pub undone_by: Vec<String>,
    /// Excerpts that must reach the stage.
    pub examples_match: Vec<String>,
    /// Excerpts that must not reach it.
    pub examples_no_match: Vec<String>,
    /// Where it is defined.
    pub origin: Origin,
}

/// Evidence by absence: once `after` (or a later stage) is reached, one of `stages` (or a
/// line matching one of its expected patterns) must follow.
#[derive(Debug, Clone)]
pub struct Missing {
    /// Index of the stage that starts the wait.
    pub after: usize,
    /// Indices of the stages of which one must follow.
    pub stages: Vec<usize>,
    /// Expected patterns, as written.
    pub patterns: Vec<String>,
}

/// Evidence by order: a line of the signature's patterns, then a `then` line.
#[derive(Debug, Clone)]
pub struct Sequence {
    /// The second patterns, as written.
    pub then: Vec<String>,
    /// The second line comes at most this many lines after the first.
    pub within_lines: Option<u64>,
    /// The second line comes at most this many seconds after the first.
    pub within_seconds: Option<f64>,
}

/// Evidence by repetition.
#[derive(Debug, Clone)]
pub struct Count {
    /// How many matching lines make the finding.
    pub at_least: u64,
    /// All within this many lines.
    pub within_lines: Option<u64>,
    /// All within this many seconds.
    pub within_seconds: Option<f64>,
}

/// Lines that are never evidence.
#[derive(Debug, Clone)]
pub struct Ignore {
    /// Stable id.
    pub id: String,
    /// Why these lines are noise.
    pub reason: String,
    /// Patterns as written.
    pub patterns: Vec<String>,
    /// Lines that must be ignored.
    pub examples_match: Vec<String>,
    /// Lines that must not be ignored.
    pub examples_no_match: Vec<String>,
    /// Where it is defined.
    pub origin: Origin,
}

/// Units whose failures belong to a category.
#[derive(Debug, Clone)]
pub struct UnitCategory {
    /// Stable id.
    pub id: String,
    /// The category.
    pub category: Category,
    /// What these units are.
    pub description: String,
    /// The unit patterns.
    pub units: Vec<Pattern>,
    /// Unit texts that must belong to the category.
    pub examples_match: Vec<String>,
    /// Unit texts that must not.
    pub examples_no_match: Vec<String>,
    /// Where it is defined.
    pub origin: Origin,
}

/// An excerpt that must produce a signature's finding, and what the finding must carry.
#[derive(Debug, Clone)]
pub struct Example {
    /// The excerpt.
    pub log: String,
    /// Named captures the finding must carry.
    pub captures: BTreeMap<String, String>,
    /// The category the finding must have (for signatures whose category depends on the unit).
    pub category: Option<Category>,
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
    /// The capture whose unit the pack's unit categories look up for the finding's category.
    pub category_by_unit: Option<String>,
    /// A catch-all that leaves lines to specific signatures.
    pub generic: bool,
    /// It takes the category of the earliest earlier error that explains it.
    pub category_from_cause: bool,
    /// One finding per distinct value of this capture.
    pub one_per: Option<String>,
    /// How bad it is.
    pub severity: Severity,
    /// Stops a boot or a running system.
    pub fatal: bool,
    /// Patterns as written.
    pub patterns: Vec<String>,
    /// The lines only its script reads (`script-events`).
    pub script_events: Vec<String>,
    /// Lines that also match one of these are not evidence.
    pub exclude: Vec<Pattern>,
    /// Only lines in this phase count.
    pub phase: Option<bootrules_core::Phase>,
    /// Only lines once this stage (index) or a later one was reached count.
    pub from_stage: Option<usize>,
    /// Only lines before this stage (index) or a later one was reached count.
    pub until_stage: Option<usize>,
    /// It holds only in a session that ended before this stage (index).
    pub ended_before: Option<usize>,
    /// The stage (index) that a line of its patterns shows was reached.
    pub shows_stage: Option<usize>,
    /// Stages (indices) in which its lines do not count.
    pub unless_in: Vec<usize>,
    /// Stages (indices) outside which its lines do not count.
    pub only_in: Vec<usize>,
    /// Categories and signature ids whose earlier findings explain this one's.
    pub explained_by: Vec<String>,
    /// Evidence by absence.
    pub missing: Option<Missing>,
    /// Evidence by order.
    pub sequence: Option<Sequence>,
    /// Evidence by repetition.
    pub count: Option<Count>,
    /// The last matching line is the evidence, not the first (progress lines).
    pub evidence_last: bool,
    /// A Rhai script that judges the session.
    pub script: Option<crate::script::Script>,
    /// Sigma status.
    pub status: Status,
    /// Free-form tags.
    pub tags: Vec<String>,
    /// Known false positives.
    pub falsepositives: Vec<String>,
    /// Turned off by `disable` or `--disable`: loaded, but never reported.
    pub disabled: bool,
    /// What it means (may hold `{capture}` names).
    pub message: String,
    /// What to do (may hold `{capture}` names).
    pub remedy: String,
    /// Vendor documentation.
    pub references: Vec<String>,
    /// Excerpts that must produce the finding (with the captures it must carry).
    pub examples_match: Vec<Example>,
    /// Excerpts that must not.
    pub examples_no_match: Vec<String>,
    /// Where it is defined.
    pub origin: Origin,
}

/// A loaded, validated and compiled rule pack.
#[derive(Debug)]
pub struct Pack {
    /// Tells this pack from every other one loaded in the process (see [`crate::memo`]).
    pub(crate) id: u64,
    pub(crate) model: StageModel,
    pub(crate) stages: Vec<Stage>,
    pub(crate) signatures: Vec<Signature>,
    /// Each signature's index by id.
    pub(crate) signature_index: HashMap<String, usize>,
    pub(crate) ignores: Vec<Ignore>,
    pub(crate) unit_categories: Vec<UnitCategory>,
    pub(crate) warnings: Vec<Diagnostic>,
    /// Built on first use from the patterns' required literals.
    pub(crate) prefilter: OnceLock<Prefilter>,
    pub(crate) regexes: Vec<Pattern>,
    pub(crate) owners: Vec<Owner>,
    pub(crate) compiled_size: usize,
}

impl Pack {
    /// The stages, in declaration order (their index is the engine's stage index).
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// What the pack's patterns cost against the budget of all patterns of a run (bytes; see
    /// `PACK_SIZE_LIMIT`).
    pub fn compiled_size(&self) -> usize {
        self.compiled_size
    }

    /// The signatures.
    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    /// The signature with this id.
    pub fn signature(&self, id: &str) -> Option<&Signature> {
        self.signature_index
            .get(id)
            .and_then(|&index| self.signatures.get(index))
    }

    /// The ignores.
    pub fn ignores(&self) -> &[Ignore] {
        &self.ignores
    }

    /// The unit categories, in the order they are tried.
    pub fn unit_categories(&self) -> &[UnitCategory] {
        &self.unit_categories
    }

    /// The category of a unit's failures, if a unit category knows the unit (the first one
    /// that does, in pack order).
    pub fn category_of_unit(&self, unit: &str) -> Option<&UnitCategory> {
        self.unit_categories
            .iter()
            .find(|c| c.units.iter().any(|re| re.is_match(unit)))
    }

    /// Things that load but probably do nothing (a disabled id that names no rule).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Turns signatures off by id; returns the ids that name no signature.
    pub fn disable<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut unknown = Vec::new();
        for id in ids {
            match self.signatures.iter_mut().find(|s| s.id == id) {
                Some(signature) => signature.disabled = true,
                None => unknown.push(id.to_owned()),
            }
        }
        unknown
    }

    /// The names of the capture groups of a signature's patterns.
    pub(crate) fn capture_names(&self, signature: &Signature) -> Vec<&str> {
        self.owners
            .iter()
            .zip(&self.regexes)
            .filter(|(owner, _)| {
                matches!(owner, Owner::Signature(i, _) if self.signatures[*i].id == signature.id)
            })
            .flat_map(|(_, re)| re.regex().capture_names().flatten())
            .collect()
    }

    /// The multi-literal search that picks the few patterns a line may match, built when
    /// first needed.
    pub(crate) fn prefilter(&self) -> &Prefilter {
        self.prefilter.get_or_init(|| {
            Prefilter::from_requirements(self.regexes.iter().map(|p| requirement_of(p.as_str())))
        })
    }

    pub(crate) fn owner(&self, pattern: u32) -> Owner {
        self.owners[pattern as usize]
    }

    /// True unless the pattern is one only a script reads (`script-events`): such a line is
    /// context, not a sign of anything by itself. (A `then` or `missing` line is no evidence
    /// either, but it is a line the component prints, so it still says the text is a log.)
    pub fn is_evidence_signal(&self, pattern: u32) -> bool {
        !matches!(self.owner(pattern), Owner::Signature(_, Role::Event))
    }

    pub(crate) fn regex(&self, pattern: u32) -> &regex::Regex {
        self.regexes[pattern as usize].regex()
    }

    /// A pattern's text, as written.
    pub(crate) fn pattern_text(&self, pattern: u32) -> &str {
        self.regexes[pattern as usize].as_str()
    }

    /// True when a line (as a console prints it) matches one of the pack's ignores.
    pub fn is_ignored(&self, line: &str) -> bool {
        let mut normaliser = bootrules_core::Normaliser::default();
        let line = normaliser.normalise(1, line.as_bytes());
        self.owners
            .iter()
            .zip(&self.regexes)
            .any(|(owner, re)| matches!(owner, Owner::Ignore) && re.is_match(line.message))
    }
}
