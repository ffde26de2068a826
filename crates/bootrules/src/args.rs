//! Command-line arguments.

use std::path::PathBuf;

use bootrules_core::Severity;
use clap::{Parser, Subcommand, ValueEnum};

/// Triage Linux VM serial console logs: how far each boot or shutdown got, which known
/// failure stopped it, the evidence lines and what to do next.
#[derive(Debug, Parser)]
#[command(name = "bootrules", version, about)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check serial console logs (files, directories, or `-` for standard input).
    Check(CheckArgs),
    /// Check logs and show each session's timeline: the same as `check --timeline`.
    Timeline(CheckArgs),
    /// Find the failures no rule knows: lines shared by sessions that ended badly with no known
    /// cause, each with a rule skeleton to start from.
    Suggest(SuggestArgs),
    /// Follow a console as it prints (a growing file, or `-` for a pipe): stages, findings and
    /// verdicts as they happen, and an alarm when the console stalls mid-boot.
    Watch(WatchArgs),
    /// Inspect, validate and test rule packs.
    Rules {
        /// Which rules command.
        #[command(subcommand)]
        command: RulesCommand,
    },
}

/// Which rule packs to load.
#[derive(Debug, clap::Args)]
pub struct PackArgs {
    /// Add a rule pack directory (repeatable); its rules override default rules of the same id.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Do not load the embedded default pack.
    #[arg(long)]
    pub no_default_rules: bool,
    /// Turn off a signature by id (repeatable).
    #[arg(long, value_name = "ID")]
    pub disable: Vec<String>,
}

/// Options of `bootrules check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Log files or directories (searched recursively); `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit with status 1 when a finding is at least this severe.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Write the report to FILE instead of stdout: a regular file is replaced atomically (a
    /// temporary file, then renamed) and keeps its mode; a device or FIFO is written through; a
    /// symbolic link is refused.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Files checked at once (default: all cores).
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// Largest decompressed size of one archive member or .gz file, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 4096)]
    pub max_member_mib: u64,
    /// Most members read from one archive.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_members: usize,
    /// Largest decompressed size of one input's archives in all (every member, nested
    /// archives included), in MiB; the members after it are listed as not read.
    #[arg(long, value_name = "MIB", default_value_t = 16384)]
    pub max_archive_mib: u64,
    /// Most bytes an archive may expand to per byte of its own size, once past 64 MiB (logs
    /// compress some tenfold; a zip bomb a millionfold).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_ratio: u64,
    /// Check every text input, also those in folders and archives that show no console-log
    /// line in their first 64 KiB (notes, reports, source code found there are skipped by
    /// default; a file named on the command line is always checked).
    #[arg(long)]
    pub all_text: bool,
    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Treat a rule that fails to run (a script stopped by its limits) as a failed run: exit 2.
    #[arg(long)]
    pub strict: bool,
    /// Show each session's timeline in the readable report: stage times, gaps, slow gaps and
    /// what explains them (JSON always has it; HTML always draws it).
    #[arg(long)]
    pub timeline: bool,
    /// Which rule packs to load.
    #[command(flatten)]
    pub packs: PackArgs,
}

/// Options of `bootrules suggest`.
#[derive(Debug, clap::Args)]
pub struct SuggestArgs {
    /// Log files or directories (searched recursively); `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SuggestFormat::Human)]
    pub format: SuggestFormat,
    /// How many suggestions to show, most shared first.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,
    /// Also write the rule skeletons as a pack folder (DIR/suggested.toml) that `rules
    /// validate` and `rules test` accept as it stands.
    #[arg(long, short, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Files checked at once (default: all cores).
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// Check every text input, also those that show no console-log line in their first
    /// 64 KiB.
    #[arg(long)]
    pub all_text: bool,
    /// Which rule packs to load.
    #[command(flatten)]
    pub packs: PackArgs,
}

/// Options of `bootrules watch`.
#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// The console log to follow: a file that grows (followed by name, as `tail -F` does,
    /// through truncation and rotation), or `-` for standard input (a pipe).
    #[arg(value_name = "FILE")]
    pub path: PathBuf,
    /// Output format: readable lines, or one JSON event per line.
    #[arg(long, value_enum, default_value_t = WatchFormat::Human)]
    pub format: WatchFormat,
    /// Check what the file already holds, then follow it (the default).
    #[arg(long, overrides_with = "from_end")]
    pub from_start: bool,
    /// Start at the end of the file: only what is printed from now on is checked.
    #[arg(long, overrides_with = "from_start")]
    pub from_end: bool,
    /// Raise a stall alarm after this many seconds without output while a boot or shutdown
    /// has not finished (again at growing intervals while it stays quiet).
    #[arg(long, value_name = "SECONDS", default_value_t = 120.0, value_parser = parse_seconds)]
    pub stall: f64,
    /// Stop once this has happened (for scripts): a boot reached the booted stage, the VM
    /// powered off, a session failed (or stalled), or any session ended.
    #[arg(long, value_enum, value_name = "WHEN")]
    pub exit_on: Option<ExitOn>,
    /// Stop after this many seconds; with `--exit-on`, exit with status 4 when it had not
    /// happened by then.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub timeout: Option<f64>,
    /// Exit with status 1 when a session's finding is at least this severe.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Which rule packs to load.
    #[command(flatten)]
    pub packs: PackArgs,
}

/// Output formats of `watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WatchFormat {
    /// One readable line per event, coloured on a terminal.
    Human,
    /// One JSON object per event and line.
    Jsonl,
}

/// When `watch --exit-on` stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExitOn {
    /// A boot reached the booted stage.
    Booted,
    /// A shutdown reached power-off.
    PoweredOff,
    /// A session failed: a fatal finding, a boot or shutdown that stalled, a reset.
    Failed,
    /// Any session ended (the next boot began, or it powered off or restarted).
    AnySession,
}

/// Report formats of `suggest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SuggestFormat {
    /// A readable report.
    Human,
    /// One JSON document.
    Json,
    /// A table and the skeletons, to paste into a review.
    Markdown,
}

/// Report formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable report.
    Human,
    /// One JSON document (the stable contract).
    Json,
    /// One JSON file object per line, written as each file finishes.
    Jsonl,
    /// One row per session (and per unreadable or skipped file).
    Csv,
    /// A compact table to paste into a ticket.
    Markdown,
    /// One self-contained HTML page: verdicts, charts, timelines, evidence in context.
    Html,
}

/// The `rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the loaded stages and signatures.
    List {
        /// Print every pattern of the pack instead, one per line (for grep -f / rg -f).
        #[arg(long)]
        patterns: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
        /// Which rule packs to load.
        #[command(flatten)]
        packs: PackArgs,
    },
    /// Check rule files for errors (exit status 2 when there are any).
    Validate {
        /// A rule pack directory (default: the embedded pack).
        dir: Option<PathBuf>,
    },
    /// Run every rule's examples.
    Test {
        /// A rule pack directory, layered over the default pack.
        dir: Option<PathBuf>,
    },
    /// Show what a rule detects, why it matters and what to do.
    Explain {
        /// The rule id.
        id: String,
        /// Which rule packs to load.
        #[command(flatten)]
        packs: PackArgs,
    },
    /// Print a JSON Schema of the rule file format, for editors that check TOML as it is typed.
    Schema,
}

/// Formats of `rules list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// One rule a line.
    Table,
    /// A JSON array of rules.
    Json,
    /// The catalogue in Markdown (docs/rules.md).
    Markdown,
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds.is_finite() => Ok(seconds),
        _ => Err(format!("expected a number of seconds above 0 (got `{s}`)")),
    }
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s)
        .ok_or_else(|| format!("expected one of: info, warning, error, critical (got `{s}`)"))
}
