//! The rule file schema, exactly as written in TOML.
//!
//! Plain structs with `deny_unknown_fields`, so a misspelt key is an error with its position
//! rather than a rule that silently does nothing. Values whose validity is checked after
//! parsing (ids, patterns, stage references) keep their spans for error messages. Closed lists
//! of words are read straight into the types the engine and the pack use (`Phase`, `Mark`,
//! `Severity`, `Category`, `Status`).

use std::collections::BTreeMap;

use bootrules_core::{Mark, Phase, Severity};
use serde::Deserialize;

use crate::spanned::Spanned;
use crate::terms::{Category, Status};

/// One rule file: any number of stages, signatures and ignores.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleFile {
    /// Rule ids (from any pack) that this pack turns off.
    #[serde(default)]
    pub disable: Vec<Spanned<String>>,
    /// Stage markers.
    #[serde(default)]
    pub stage: Vec<StageSpec>,
    /// Known-failure signatures, boxed: a spec is large, and the load moves them between
    /// lists (parsed, layered, compiled) several times.
    #[serde(default)]
    pub signature: Vec<Box<SignatureSpec>>,
    /// Lines that are never evidence for any signature.
    #[serde(default)]
    pub ignore: Vec<IgnoreSpec>,
    /// Units whose failures belong to a category, for signatures that ask by unit.
    #[serde(default)]
    pub unit_category: Vec<UnitCategorySpec>,
}

impl RuleFile {
    /// Adds the rules of `other` (a part of the same file parsed on its own).
    pub fn absorb(&mut self, other: RuleFile) {
        self.disable.extend(other.disable);
        self.stage.extend(other.stage);
        self.signature.extend(other.signature);
        self.ignore.extend(other.ignore);
        self.unit_category.extend(other.unit_category);
    }
}

/// `[[unit-category]]`: the units (by name or description, as systemd prints them) whose
/// failures a support engineer files under a category (agents, cloud-init, networking…).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnitCategorySpec {
    /// Stable kebab-case id.
    pub id: Spanned<String>,
    /// The category of these units' failures.
    pub category: Category,
    /// What these units are, for people.
    #[serde(default)]
    pub description: String,
    /// Regular expressions matched against the unit as captured (name or description).
    pub units: Vec<Spanned<String>>,
    /// Unit texts that must and must not belong to the category.
    #[serde(default)]
    pub examples: Examples,
}

/// `[[ignore]]`: lines that look like failures but never are (a userspace `segfault at`,
/// the empty QEMU floppy drive's `I/O error, dev fd0`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct IgnoreSpec {
    /// Stable kebab-case id.
    pub id: Spanned<String>,
    /// Why these lines are noise.
    pub reason: String,
    /// A line matching any of these is not evidence.
    pub patterns: Vec<Spanned<String>>,
    /// Lines that must and must not be ignored.
    #[serde(default)]
    pub examples: Examples,
}

/// `[[stage]]`: a step of boot or shutdown and the console lines that show it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StageSpec {
    /// Stable id.
    pub id: Spanned<String>,
    /// `boot` or `shutdown`.
    pub phase: Phase,
    /// Position within the phase.
    pub order: u32,
    /// What the stage is, for people.
    #[serde(default)]
    pub description: String,
    /// Reaching it after a later stage begins a new session.
    #[serde(default)]
    pub starts_session: bool,
    /// Its marker prints once per boot: seeing it twice begins a new session.
    #[serde(default)]
    pub once_per_boot: bool,
    /// Reaching this stage (or a later one) means the bootloader handed over to the OS.
    #[serde(default)]
    pub handoff: bool,
    /// `booted`, `powered-off` or `rebooted`.
    pub marks: Option<Mark>,
    /// Regular expressions; any one marks the stage.
    pub patterns: Vec<Spanned<String>>,
    /// Patterns that mark the stage and also say the bootloader handed over to the OS.
    #[serde(default)]
    pub handoff_patterns: Vec<Spanned<String>>,
    /// Markers that are a log's own line between two boots (a journal's `-- Boot … --`): they
    /// begin the next boot's session without saying how the last one ended.
    #[serde(default)]
    pub separators: Vec<Spanned<String>>,
    /// Markers that count only once another line follows them: a shutdown command typed at a
    /// shell, where a log that ends on the command shows only that it was typed. They never
    /// begin a session.
    #[serde(default)]
    pub patterns_if_followed: Vec<Spanned<String>>,
    /// Lines that can only appear once the stage was reached, though they are not its marker
    /// (any dracut line shows the initramfs runs). They never begin a session.
    #[serde(default)]
    pub shown_by: Vec<Spanned<String>>,
    /// Lines that show only that this stage or a later one was reached (a systemd status line:
    /// userspace runs), not that the session is in it.
    #[serde(default)]
    pub shown_at_least_by: Vec<Spanned<String>>,
    /// Lines that show this stage unless the session is in one of `stages`, where the same
    /// component prints them too (systemd in dracut's initramfs), or the line is an `except`.
    pub shown_by_outside: Option<ShownOutsideSpec>,
    /// Every line the kernel printed (a printk timestamp, a `kernel:` tag) shows this stage.
    #[serde(default)]
    pub shown_by_kernel_lines: bool,
    /// Lines that, while this stage is the furthest reached, show it was not reached after
    /// all (systemd isolating emergency.target stops `Multi-User System` as a shutdown does).
    #[serde(default)]
    pub undone_by: Vec<Spanned<String>>,
    /// Lines that must and must not reach the stage.
    #[serde(default)]
    pub examples: Examples,
}

/// `shown-by-outside = { stages = ["initramfs"], patterns = ['Reached target Local File Systems'] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ShownOutsideSpec {
    /// The stages in which the lines show nothing.
    pub stages: Vec<Spanned<String>>,
    /// The lines.
    pub patterns: Vec<Spanned<String>>,
    /// Lines of `patterns` that show nothing: a broad pattern (any service that starts) with
    /// the ones an earlier stage runs too (the initramfs' own services).
    #[serde(default)]
    pub except: Vec<Spanned<String>>,
}

/// `[[signature]]`: a known failure.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SignatureSpec {
    /// Stable kebab-case id, never reused.
    pub id: Spanned<String>,
    /// One line for people.
    pub title: String,
    /// One of the SPEC's categories.
    pub category: Category,
    /// The name of a capture holding a unit: the pack's unit categories give the finding's
    /// category when one of them knows the unit (`category` otherwise).
    pub category_by_unit: Option<Spanned<String>>,
    /// A catch-all: a line that a specific signature (one that is not generic) also matched
    /// is left to that signature.
    #[serde(default)]
    pub generic: bool,
    /// A symptom filed under its cause: the finding takes the category of the earliest earlier
    /// error that explains it (`explained-by`), when there is one.
    #[serde(default)]
    pub category_from_cause: bool,
    /// The name of a capture: one finding per distinct value of it (each failed unit), not
    /// one per session.
    pub one_per: Option<Spanned<String>>,
    /// How bad it is.
    pub severity: Severity,
    /// The failure stops a boot (or a running system).
    #[serde(default)]
    pub fatal: bool,
    /// Evidence: regular expressions, any one matches. Named groups fill `{name}` in texts.
    #[serde(default)]
    pub patterns: Vec<Spanned<String>>,
    /// A line that also matches one of these is not evidence.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// Only lines seen in this phase count.
    pub phase: Option<Phase>,
    /// Only lines seen once this stage (or a later one) was reached count.
    pub from_stage: Option<Spanned<String>>,
    /// Only lines seen before this stage (or a later one) was reached count.
    pub until_stage: Option<Spanned<String>>,
    /// The finding holds only in a session that ended before this stage (a boot loader's
    /// error matters when the kernel never started; a quiet kernel prints no line of its own,
    /// so the furthest stage the session reached decides, not the absence of kernel lines).
    pub ended_before: Option<Spanned<String>>,
    /// The stage that a line of `patterns` shows was reached (its component prints it only
    /// from that stage on), so an excerpt that starts later is still placed. With `unless-in`,
    /// only as the stage's `shown-by-outside` lines show it.
    pub shows_stage: Option<Spanned<String>>,
    /// Lines seen while the session is known to be in one of these stages do not count (a
    /// device timeout in the initramfs is the root's, not one of /etc/fstab).
    #[serde(default)]
    pub unless_in: Vec<Spanned<String>>,
    /// Only lines seen while the session is known to be in one of these stages count; an
    /// excerpt's lines from before it was placed count if it is placed in one of them next.
    #[serde(default)]
    pub only_in: Vec<Spanned<String>>,
    /// Categories and signature ids whose earlier error-or-worse findings explain this one (an
    /// emergency shell is explained by the fstab disk it waited for): the report names them
    /// as the cause.
    #[serde(default)]
    pub explained_by: Vec<Spanned<String>>,
    /// Evidence by absence: once `after` is reached, one of `stages` or `patterns` must follow.
    pub missing: Option<MissingSpec>,
    /// Evidence by order: a `patterns` line, then a `then` line within a window.
    pub sequence: Option<SequenceSpec>,
    /// Evidence by repetition: `patterns` matched on at least N lines (within a window).
    pub count: Option<CountSpec>,
    /// Which matching line is the evidence: `first` (default) or `last` (for progress lines).
    #[serde(default)]
    pub evidence: EvidenceSpec,
    /// A Rhai script judging the session (inline); see docs/writing-rules.md.
    pub script: Option<Spanned<String>>,
    /// A Rhai script in a file next to the rule file.
    pub script_file: Option<Spanned<String>>,
    /// Lines handed to the script with the evidence (the steps around it, the line that undoes
    /// it) that are not evidence themselves: alone they find nothing and show no stage.
    #[serde(default)]
    pub script_events: Vec<Spanned<String>>,
    /// What it means.
    pub message: String,
    /// What to do.
    pub remedy: String,
    /// Vendor documentation.
    #[serde(default)]
    pub references: Vec<String>,
    /// `experimental`, `stable` (default) or `deprecated`.
    #[serde(default)]
    pub status: Status,
    /// Free-form tags: distro, cloud, stage (`distro:rhel`, `cloud:azure`, `stage:initramfs`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Known situations where the rule fires without a real failure.
    #[serde(default)]
    pub falsepositives: Vec<String>,
    /// Log excerpts that must and must not produce the finding.
    #[serde(default)]
    pub examples: Examples,
}

/// `sequence = { then = ['…'], within-lines = 50, within-seconds = 30 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SequenceSpec {
    /// Patterns of the line that must follow a `patterns` line.
    pub then: Vec<Spanned<String>>,
    /// At most this many lines later.
    pub within_lines: Option<u64>,
    /// At most this many seconds of kernel time later (both lines need a timestamp).
    pub within_seconds: Option<f64>,
}

/// `count = { at-least = 3, within-seconds = 300 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CountSpec {
    /// How many matching lines make the finding.
    pub at_least: Spanned<u64>,
    /// All of them within this many lines.
    pub within_lines: Option<u64>,
    /// All of them within this many seconds of kernel time.
    pub within_seconds: Option<f64>,
}

/// `evidence = "first" | "last"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum EvidenceSpec {
    #[default]
    First,
    Last,
}

/// `missing = { after = "shutdown-started", stages = ["power-off", "restart"] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MissingSpec {
    /// The stage (or any later one) that starts the wait.
    pub after: Spanned<String>,
    /// Stages of which at least one must follow.
    #[serde(default)]
    pub stages: Vec<Spanned<String>>,
    /// Patterns of which one must match a line after the wait started.
    #[serde(default)]
    pub patterns: Vec<Spanned<String>>,
}

/// Examples that `rules test` and `cargo test` run.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Examples {
    /// Log excerpts that must match.
    #[serde(default, rename = "match")]
    pub matching: Vec<ExampleSpec>,
    /// Log excerpts that must not match.
    #[serde(default)]
    pub no_match: Vec<String>,
}

/// A `match` example: the excerpt alone, or with the captures the finding must carry.
#[derive(Debug, Clone)]
pub enum ExampleSpec {
    /// `"excerpt"`.
    Log(String),
    /// `{ log = "excerpt", captures = { unit = "data.mount" }, category = "fstab" }`.
    WithCaptures {
        /// The excerpt.
        log: String,
        /// Named captures the finding must carry.
        captures: BTreeMap<String, String>,
        /// The category the finding must have (for signatures whose category depends on
        /// the unit).
        category: Option<Category>,
    },
}

/// The table form of a `match` example.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleTable {
    log: String,
    #[serde(default)]
    captures: BTreeMap<String, String>,
    #[serde(default)]
    category: Option<Category>,
}

/// Read by the form it has (a string or a table), not by trying each form in turn as an
/// untagged enum would: that buffers every example first, and the default pack has thousands.
impl<'de> Deserialize<'de> for ExampleSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Form;
        impl<'de> serde::de::Visitor<'de> for Form {
            type Value = ExampleSpec;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a log excerpt, or a table with `log` and `captures` or `category`")
            }

            fn visit_str<E: serde::de::Error>(self, log: &str) -> Result<ExampleSpec, E> {
                Ok(ExampleSpec::Log(log.to_owned()))
            }

            fn visit_string<E: serde::de::Error>(self, log: String) -> Result<ExampleSpec, E> {
                Ok(ExampleSpec::Log(log))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ExampleSpec, A::Error> {
                let table =
                    ExampleTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(ExampleSpec::WithCaptures {
                    log: table.log,
                    captures: table.captures,
                    category: table.category,
                })
            }
        }
        deserializer.deserialize_any(Form)
    }
}

impl ExampleSpec {
    /// The excerpt.
    pub fn log(&self) -> &str {
        match self {
            Self::Log(log) | Self::WithCaptures { log, .. } => log,
        }
    }

    /// The expected captures (empty for a plain excerpt).
    pub fn captures(&self) -> BTreeMap<String, String> {
        match self {
            Self::Log(_) => BTreeMap::new(),
            Self::WithCaptures { captures, .. } => captures.clone(),
        }
    }

    /// The expected category, if the example names one.
    pub fn category(&self) -> Option<Category> {
        match self {
            Self::Log(_) => None,
            Self::WithCaptures { category, .. } => *category,
        }
    }
}
