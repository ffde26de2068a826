//! The readable report: a verdict line per file, its sessions and their evidence.

use std::io::{self, Write};

use bootrules_core::{FileReport, FileStatus, Finding, Session};

use super::Summary;

/// Writes one file's verdict, sessions and findings.
pub fn write_file(out: &mut impl Write, report: &FileReport) -> io::Result<()> {
    if report.status == FileStatus::Error {
        let error = report.error.as_deref().unwrap_or("unreadable");
        return writeln!(out, "{}: ERROR {error}\n", report.path);
    }
    let Some(last) = report.sessions.last() else {
        return writeln!(out, "{}: empty (no console output)\n", report.path);
    };
    let sessions = report.sessions.len();
    write!(
        out,
        "{}: {} at {}",
        report.path,
        last.outcome,
        last.last_stage.as_deref().unwrap_or("no known stage")
    )?;
    if let Some(top) = top_finding(last) {
        write!(out, ": {} (line {})", top.title, top.line)?;
    }
    writeln!(
        out,
        " [{sessions} session{}]",
        if sessions == 1 { "" } else { "s" }
    )?;
    for session in &report.sessions {
        write_session(out, session)?;
    }
    writeln!(out)
}

fn write_session(out: &mut impl Write, session: &Session) -> io::Result<()> {
    writeln!(
        out,
        "  session {}  lines {}-{}  {}  last stage {}",
        session.index + 1,
        session.start_line,
        session.end_line,
        session.outcome,
        session.last_stage.as_deref().unwrap_or("-")
    )?;
    for finding in &session.findings {
        write_finding(out, finding)?;
    }
    for failure in &session.rule_errors {
        writeln!(out, "    RULE ERROR {}: {}", failure.rule, failure.message)?;
    }
    Ok(())
}

fn write_finding(out: &mut impl Write, f: &Finding) -> io::Result<()> {
    let repeats = if f.count > 1 {
        format!(", {} lines", f.count)
    } else {
        String::new()
    };
    writeln!(
        out,
        "    {:<8} line {}  {} [{}{repeats}]",
        f.severity.as_str().to_uppercase(),
        f.line,
        f.rule,
        f.category
    )?;
    writeln!(out, "      | {}", f.text.trim_end())?;
    writeln!(out, "      means: {}", f.message)?;
    writeln!(out, "      do:    {}", f.remedy)
}

/// The finding that best explains the session: the most severe, fatal first, earliest.
fn top_finding(session: &Session) -> Option<&Finding> {
    session
        .findings
        .iter()
        .max_by_key(|f| (f.severity, f.fatal, std::cmp::Reverse(f.line)))
}

/// The closing line: what was loaded and checked, so an empty report is never ambiguous.
pub fn write_summary(out: &mut impl Write, s: &Summary) -> io::Result<()> {
    let outcomes: Vec<String> = s.outcomes.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let findings: Vec<String> = s
        .findings
        .iter()
        .rev()
        .map(|(k, v)| format!("{v} {k}"))
        .collect();
    writeln!(
        out,
        "checked {} file{} ({} unreadable), {} session{}{}{}{}; {} rule{} loaded ({} stages, {} signatures, {} ignores)",
        s.files,
        plural(s.files),
        s.unreadable,
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

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
