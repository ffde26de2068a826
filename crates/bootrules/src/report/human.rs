//! The readable report: a verdict line per file, its sessions and their evidence.

use std::io::{self, Write};

use bootrules_core::{FileReport, FileStatus, Finding, Session};

use super::attention::{self, Earlier};
use super::writer::{Ended, Writer};
use super::{outcome_finding, plural, top_finding, Summary};

/// `--format human`; with `timeline`, each session's timeline follows it.
pub struct Human {
    /// Add each session's timeline (`--timeline`).
    pub timeline: bool,
}

impl Writer for Human {
    fn file(&mut self, out: &mut dyn Write, _index: usize, report: &FileReport) -> io::Result<()> {
        write_file(out, report, self.timeline)
    }

    fn begin(&mut self, out: &mut dyn Write, _index: usize, path: &str) -> io::Result<()> {
        begin_streamed(out, path)
    }

    fn session(
        &mut self,
        out: &mut dyn Write,
        _path: &str,
        _index: usize,
        session: &Session,
    ) -> io::Result<()> {
        write_session(out, session)?;
        if self.timeline {
            super::timeline::write(out, session)?;
        }
        Ok(())
    }

    fn end(
        &mut self,
        out: &mut dyn Write,
        ended: &Ended<'_>,
        report: &FileReport,
    ) -> io::Result<()> {
        end_streamed(out, report, ended.last, ended.earlier, ended.sessions)
    }

    fn finish(&mut self, out: &mut dyn Write, _files: usize, summary: &Summary) -> io::Result<()> {
        write_summary(out, summary)
    }
}

/// Writes one file's verdict, sessions and findings.
pub fn write_file(out: &mut dyn Write, report: &FileReport, timeline: bool) -> io::Result<()> {
    match report.status {
        FileStatus::Error => {
            let error = report.error.as_deref().unwrap_or("unreadable");
            return writeln!(out, "{}: ERROR {error}\n", report.path);
        }
        FileStatus::Skipped => {
            let reason = report.reason.as_deref().unwrap_or("not a console log");
            return writeln!(out, "{}: SKIPPED {reason}\n", report.path);
        }
        FileStatus::Ok => {}
    }
    let Some(last) = report.sessions.last() else {
        writeln!(out, "{}: empty (no console output)", report.path)?;
        write_warnings(out, report)?;
        return writeln!(out);
    };
    write!(out, "{}: ", report.path)?;
    let earlier = attention::earlier(&report.sessions);
    write_verdict(out, last, earlier.as_ref(), report.sessions.len())?;
    write_warnings(out, report)?;
    for session in &report.sessions {
        write_session(out, session)?;
        if timeline {
            super::timeline::write(out, session)?;
        }
    }
    writeln!(out)
}

/// What the reader noticed about a file it read (data ignored, a file that shrank).
fn write_warnings(out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
    for warning in &report.warnings {
        writeln!(out, "  WARNING {warning}")?;
    }
    Ok(())
}

/// The verdict of a file: its last session's outcome, stage and cause, and the earlier
/// sessions that need attention.
fn write_verdict(
    out: &mut dyn Write,
    last: &Session,
    earlier: Option<&Earlier>,
    sessions: usize,
) -> io::Result<()> {
    write!(
        out,
        "{} at {}",
        last.outcome,
        last.last_stage.as_deref().unwrap_or("no known stage")
    )?;
    if let Some(top) = top_finding(last) {
        write!(out, ": {} (line {})", top.title, top.line)?;
    }
    if let Some(then) = outcome_finding(last) {
        write!(out, " → {} (line {})", then.title, then.line)?;
    }
    if let Some(earlier) = earlier {
        write!(out, "; earlier: {}", earlier.describe())?;
    }
    writeln!(out, " [{sessions} session{}]", plural(sessions))
}

/// Begins a file written as it is read (a log of many boots): its sessions follow, and the
/// verdict comes last, once the last session is known.
pub fn begin_streamed(out: &mut dyn Write, path: &str) -> io::Result<()> {
    writeln!(out, "{path}: (many sessions; verdict after them)")
}

/// Ends a file begun with [`begin_streamed`].
pub fn end_streamed(
    out: &mut dyn Write,
    report: &FileReport,
    last: Option<&Session>,
    earlier: Option<&Earlier>,
    sessions: usize,
) -> io::Result<()> {
    if let Some(error) = &report.error {
        writeln!(out, "  ERROR after session {sessions}: {error}")?;
    }
    if let Some(last) = last {
        write!(out, "{}: ", report.path)?;
        write_verdict(out, last, earlier, sessions)?;
    }
    write_warnings(out, report)?;
    writeln!(out)
}

/// Writes one session and its findings.
pub fn write_session(out: &mut dyn Write, session: &Session) -> io::Result<()> {
    writeln!(
        out,
        "  session {}  lines {}-{}  {}  last stage {}",
        session.index + 1,
        session.start_line,
        session.end_line,
        session.outcome,
        session.last_stage.as_deref().unwrap_or("-")
    )?;
    for gap in &session.timeline.gaps {
        if let Some((to, took, usual)) = super::timeline::slower_than_usual(gap) {
            writeln!(
                out,
                "    SLOWER   line {}  {} -> {} took {}, usually {} in this file's earlier boots",
                gap.to_line,
                gap.from,
                to,
                super::timeline::seconds(took),
                super::timeline::seconds(usual.median_seconds)
            )?;
        }
    }
    if session.cause_chain.len() > 1 {
        let chain: Vec<String> = session
            .cause_chain
            .iter()
            .filter_map(|&index| session.findings.get(index))
            .map(|f| format!("{} (line {})", f.rule, f.line))
            .collect();
        writeln!(out, "    CAUSE    {}", chain.join(" → "))?;
    }
    for finding in &session.findings {
        write_finding(out, finding)?;
    }
    for failure in &session.rule_errors {
        writeln!(out, "    RULE     {failure}")?;
    }
    Ok(())
}

fn write_finding(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    let mut repeats = if f.count > 1 {
        format!(", {} lines", f.count)
    } else {
        String::new()
    };
    if f.suppressed > 0 {
        repeats.push_str(&format!(", {} more not listed", f.suppressed));
    }
    writeln!(
        out,
        "    {:<8} line {}  {} [{}{repeats}]",
        f.severity.as_str().to_uppercase(),
        f.line,
        f.rule,
        f.category
    )?;
    if f.text_cut > 0 {
        writeln!(out, "      | {} ({} more characters)", f.text, f.text_cut)?;
    } else {
        writeln!(out, "      | {}", f.text.trim_end())?;
    }
    writeln!(out, "      means: {}", f.message)?;
    writeln!(out, "      do:    {}", f.remedy)
}

/// The batch summary (for more than one file), then the closing line.
pub fn write_summary(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if s.files > 1 {
        write_batch(out, s)?;
    }
    write_closing_line(out, s)
}

fn write_batch(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let list = |map: &std::collections::BTreeMap<&str, usize>| {
        map.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(out, "== summary")?;
    writeln!(
        out,
        "verdicts (last session of each file): {}",
        list(&s.verdicts)
    )?;
    if s.worst_sessions != s.verdicts {
        writeln!(
            out,
            "worst session of each file: {}",
            list(&s.worst_sessions)
        )?;
    }
    if !s.files_by_signature.is_empty() {
        let mut common: Vec<_> = s.files_by_signature.iter().collect();
        common.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        writeln!(out, "signatures:")?;
        for (rule, files) in common {
            writeln!(out, "  {rule}: {files} file{}", plural(*files))?;
        }
    }
    if !s.most_severe.is_empty() {
        writeln!(out, "most severe:")?;
        for f in &s.most_severe {
            let severity = f.severity.as_str().to_uppercase();
            writeln!(
                out,
                "  {severity:<8} {}  {} (line {})",
                f.path, f.rule, f.line
            )?;
        }
    }
    for (title, list) in [
        ("unreadable", &s.unreadable_files),
        ("skipped", &s.skipped_files),
    ] {
        if !list.is_empty() {
            writeln!(out, "{title}:")?;
            for f in list {
                writeln!(out, "  {}: {}", f.path, f.why)?;
            }
        }
    }
    writeln!(out)
}

/// The closing line: what was loaded and checked, so an empty report is never ambiguous.
fn write_closing_line(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let outcomes: Vec<String> = s.outcomes.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let findings: Vec<String> = s
        .findings
        .iter()
        .rev()
        .map(|(k, v)| format!("{v} {k}"))
        .collect();
    writeln!(
        out,
        "checked {} file{} ({} unreadable, {} skipped), {} session{}{}{}{}; {} rule{} loaded ({} stages, {} signatures, {} ignores)",
        s.files,
        plural(s.files),
        s.unreadable,
        s.skipped,
        s.sessions,
        plural(s.sessions),
        if outcomes.is_empty() { String::new() } else { format!(" ({})", outcomes.join(", ")) },
        if findings.is_empty() {
            ", no findings".to_owned()
        } else {
            format!(", findings: {}", findings.join(", "))
        },
        if s.rule_errors > 0 {
            format!(", {} rule error{}", s.rule_errors, plural(s.rule_errors))
        } else {
            String::new()
        },
        s.stages + s.signatures + s.ignores,
        plural(s.stages + s.signatures + s.ignores),
        s.stages,
        s.signatures,
        s.ignores,
    )
}
