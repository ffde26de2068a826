//! What a follower tells as it happens, and the two ways it is written: one readable line
//! (coloured on a terminal) or one JSON object per line.

use std::io::{self, Write};

use bootrules_core::{Finding, Outcome, Session, Severity};
use serde::Serialize;

use crate::report::{shown, top_finding};

/// One thing that happened on the console.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// A session reached a stage.
    Stage {
        /// The session's index in the stream (0-based).
        session: usize,
        /// The line that showed it.
        line: u64,
        /// The stage id.
        stage: String,
        /// Its kernel time, if the line had one.
        time: Option<f64>,
        /// The line.
        text: String,
    },
    /// A signature fired.
    Finding {
        /// The session's index.
        session: usize,
        /// The evidence line.
        line: u64,
        /// The finding, as `check` reports it.
        finding: Finding,
    },
    /// A session ended (the next boot began, the stream ended, or it powered off or restarted
    /// and the console went quiet): its verdict, as `check` gives it.
    Session {
        /// The session's index.
        session: usize,
        /// Its last line.
        line: u64,
        /// How it ended.
        outcome: Outcome,
        /// The session, as `check --format json` reports it.
        report: Box<Session>,
    },
    /// No new line for a while although the boot or shutdown had not finished.
    Stalled {
        /// The session's index.
        session: usize,
        /// The last line.
        line: u64,
        /// The furthest stage reached.
        stage: Option<String>,
        /// The session's outcome if the console printed nothing more.
        outcome: Outcome,
        /// Seconds since the last bytes arrived.
        seconds: f64,
        /// The last line.
        text: String,
    },
    /// Output came again after a stall.
    Resumed {
        /// Seconds the console was quiet.
        seconds: f64,
    },
    /// Something about the input itself: waiting for the file, truncated, replaced, closed.
    Input {
        /// What happened.
        message: String,
    },
}

/// How events are written.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// One JSON object per line instead of readable lines.
    pub jsonl: bool,
    /// Colour the readable lines (a terminal, and `NO_COLOR` unset).
    pub colour: bool,
}

const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const GREEN: &str = "\x1b[32m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Writes one event and flushes it: it is read as it happens.
pub fn write(out: &mut dyn Write, event: &Event, style: Style) -> io::Result<()> {
    if style.jsonl {
        serde_json::to_writer(&mut *out, event)?;
        writeln!(out)?;
    } else {
        let paint = |colour: &'static str| if style.colour { colour } else { "" };
        let reset = paint(RESET);
        match event {
            Event::Stage {
                line, stage, text, ..
            } => writeln!(
                out,
                "line {line:<7} {}stage{reset}    {stage:<22} {}",
                paint(GREEN),
                shown::text(text.trim_end())
            )?,
            Event::Finding { line, finding, .. } => {
                let colour = match finding.severity {
                    Severity::Critical | Severity::Error => RED,
                    Severity::Warning => YELLOW,
                    Severity::Info => "",
                };
                writeln!(
                    out,
                    "line {line:<7} {}{:<8}{reset} {}: {}",
                    paint(colour),
                    finding.severity.as_str(),
                    finding.rule,
                    shown::text(&finding.message)
                )?
            }
            Event::Session {
                session,
                line,
                outcome,
                report,
            } => {
                let colour = if good(*outcome) { GREEN } else { RED };
                let stage = report.last_stage.as_deref().unwrap_or("-");
                let cause = top_finding(report)
                    .map(|f| format!(": {} (line {})", f.rule, f.line))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "line {line:<7} {}{}session {} {outcome}{reset} at {stage}{cause} [lines {}-{}]",
                    paint(BOLD),
                    paint(colour),
                    session + 1,
                    report.start_line,
                    report.end_line
                )?
            }
            Event::Stalled {
                line,
                stage,
                outcome,
                seconds,
                text,
                ..
            } => writeln!(
                out,
                "line {line:<7} {}stalled{reset}  no output for {seconds:.0} s at {} ({outcome} if it stays quiet); last line: {}",
                paint(YELLOW),
                stage.as_deref().unwrap_or("-"),
                shown::text(text.trim_end())
            )?,
            Event::Resumed { seconds } => {
                writeln!(out, "{}resumed{reset}      output again after {seconds:.0} s", paint(GREEN))?
            }
            Event::Input { message } => writeln!(out, "note         {}", shown::text(message))?,
        }
    }
    out.flush()
}

/// Outcomes that need nobody's attention.
pub fn good(outcome: Outcome) -> bool {
    matches!(
        outcome,
        Outcome::Booted | Outcome::PoweredOff | Outcome::Rebooted
    )
}
