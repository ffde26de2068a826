//! The rule file schema, exactly as written in TOML.
//!
//! Plain structs with `deny_unknown_fields`, so a misspelt key is an error with its position
//! rather than a rule that silently does nothing. Values whose validity is checked after
//! parsing (ids, patterns, stage references) keep their spans for error messages.

use serde::Deserialize;
use toml::Spanned;

/// One rule file: any number of stages and signatures.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleFile {
    /// Stage markers.
    #[serde(default)]
    pub stage: Vec<StageSpec>,
    /// Known-failure signatures.
    #[serde(default)]
    pub signature: Vec<SignatureSpec>,
}

/// `[[stage]]`: a step of boot or shutdown and the console lines that show it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StageSpec {
    /// Stable id.
    pub id: Spanned<String>,
    /// `boot` or `shutdown`.
    pub phase: PhaseSpec,
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
    pub marks: Option<MarkSpec>,
    /// Regular expressions; any one marks the stage.
    pub patterns: Vec<Spanned<String>>,
    /// Patterns that mark the stage and also say the bootloader handed over to the OS.
    #[serde(default)]
    pub handoff_patterns: Vec<Spanned<String>>,
    /// Lines that must and must not reach the stage.
    #[serde(default)]
    pub examples: Examples,
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
    /// How bad it is.
    pub severity: SeveritySpec,
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
    pub phase: Option<PhaseSpec>,
    /// Only lines seen once this stage (or a later one) was reached count.
    pub from_stage: Option<Spanned<String>>,
    /// Only lines seen before this stage (or a later one) was reached count.
    pub until_stage: Option<Spanned<String>>,
    /// Evidence by absence: once `after` is reached, one of `stages` must follow.
    pub missing: Option<MissingSpec>,
    /// What it means.
    pub message: String,
    /// What to do.
    pub remedy: String,
    /// Vendor documentation.
    #[serde(default)]
    pub references: Vec<String>,
    /// Log excerpts that must and must not produce the finding.
    #[serde(default)]
    pub examples: Examples,
}

/// `missing = { after = "shutdown-started", stages = ["power-off", "restart"] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MissingSpec {
    /// The stage (or any later one) that starts the wait.
    pub after: Spanned<String>,
    /// Stages of which at least one must follow.
    pub stages: Vec<Spanned<String>>,
}

/// Examples that `rules test` and `cargo test` run.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Examples {
    /// Log excerpts that must match.
    #[serde(default, rename = "match")]
    pub matching: Vec<String>,
    /// Log excerpts that must not match.
    #[serde(default)]
    pub no_match: Vec<String>,
}

/// `phase = "boot" | "shutdown"`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum PhaseSpec {
    Boot,
    Shutdown,
}

/// `marks = "booted" | "powered-off" | "rebooted"`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum MarkSpec {
    Booted,
    PoweredOff,
    Rebooted,
}

/// `severity = "info" | "warning" | "error" | "critical"`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum SeveritySpec {
    Info,
    Warning,
    Error,
    Critical,
}

/// The SPEC's closed list of failure categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum Category {
    Bootloader,
    KernelPanic,
    RootMount,
    Initramfs,
    Filesystem,
    Fstab,
    EmergencyMode,
    DiskIo,
    KernelHang,
    Memory,
    Network,
    GuestAgent,
    CloudInit,
    SystemdUnit,
    Selinux,
    ShutdownHang,
    Platform,
    Other,
}

impl Category {
    /// The name used in rule files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bootloader => "bootloader",
            Self::KernelPanic => "kernel-panic",
            Self::RootMount => "root-mount",
            Self::Initramfs => "initramfs",
            Self::Filesystem => "filesystem",
            Self::Fstab => "fstab",
            Self::EmergencyMode => "emergency-mode",
            Self::DiskIo => "disk-io",
            Self::KernelHang => "kernel-hang",
            Self::Memory => "memory",
            Self::Network => "network",
            Self::GuestAgent => "guest-agent",
            Self::CloudInit => "cloud-init",
            Self::SystemdUnit => "systemd-unit",
            Self::Selinux => "selinux",
            Self::ShutdownHang => "shutdown-hang",
            Self::Platform => "platform",
            Self::Other => "other",
        }
    }
}
