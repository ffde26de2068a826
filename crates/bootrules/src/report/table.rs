//! One row per session: CSV for spreadsheets and scripts, Markdown to paste into a ticket.
//! Files that could not be read or were skipped get a row too, so every input appears.

use std::io::{self, Write};

use bootrules_core::{FileReport, FileStatus, Session};

use super::{top_finding, Summary};

/// The columns of both tables.
const COLUMNS: [&str; 9] = [
    "path",
    "session",
    "outcome",
    "last_stage",
    "top_finding",
    "severity",
    "line",
    "status",
    "detail",
];

/// The rows of one file.
fn rows(report: &FileReport) -> Vec<[String; 9]> {
    if report.sessions.is_empty() {
        return vec![file_row(report)];
    }
    report
        .sessions
        .iter()
        .map(|s| session_row(&report.path, s))
        .collect()
}

/// The row of a file with no sessions: unreadable, skipped or empty.
fn file_row(report: &FileReport) -> [String; 9] {
    let status = match report.status {
        FileStatus::Ok => "ok",
        FileStatus::Error => "error",
        FileStatus::Skipped => "skipped",
    };
    let detail = report
        .error
        .clone()
        .or_else(|| report.reason.clone())
        .unwrap_or_else(|| "no console output".to_owned());
    [
        report.path.clone(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        status.to_owned(),
        detail,
    ]
}

/// The row of one session.
fn session_row(path: &str, s: &Session) -> [String; 9] {
    let top = top_finding(s);
    [
        path.to_owned(),
        (s.index + 1).to_string(),
        s.outcome.to_string(),
        s.last_stage.clone().unwrap_or_default(),
        top.map(|f| f.rule.clone()).unwrap_or_default(),
        top.map(|f| f.severity.to_string()).unwrap_or_default(),
        top.map(|f| f.line.to_string()).unwrap_or_default(),
        "ok".to_owned(),
        top.map(|f| f.title.clone()).unwrap_or_default(),
    ]
}

/// Writes CSV records (quoted as needed by the csv crate).
fn csv_records<'a>(
    out: &mut dyn Write,
    records: impl IntoIterator<Item = &'a [String; 9]>,
) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in records {
        writer.write_record(record)?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    out.write_all(&bytes)
}

/// Writes the CSV header.
pub fn csv_header(out: &mut dyn Write) -> io::Result<()> {
    csv_records(out, [&COLUMNS.map(str::to_owned)])
}

/// Writes one file's rows as CSV.
pub fn csv_file(out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
    csv_records(out, &rows(report))
}

/// Writes one session's row as CSV, for a file written as it is read.
pub fn csv_session(out: &mut dyn Write, path: &str, session: &Session) -> io::Result<()> {
    csv_records(out, [&session_row(path, session)])
}

/// Ends a file written as it is read: a row only if it could not be read to its end.
pub fn csv_end(out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
    if report.error.is_some() {
        csv_records(out, [&file_row(report)])?;
    }
    Ok(())
}

/// Writes the Markdown table header.
pub fn markdown_header(out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "| file | session | outcome | last stage | top finding | severity | line |"
    )?;
    writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |")
}

/// Writes one file's rows as Markdown.
pub fn markdown_file(out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
    for row in rows(report) {
        markdown_row(out, row)?;
    }
    Ok(())
}

/// Writes one session's row as Markdown, for a file written as it is read.
pub fn markdown_session(out: &mut dyn Write, path: &str, session: &Session) -> io::Result<()> {
    markdown_row(out, session_row(path, session))
}

/// Ends a file written as it is read: a row only if it could not be read to its end.
pub fn markdown_end(out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
    if report.error.is_some() {
        markdown_row(out, file_row(report))?;
    }
    Ok(())
}

fn markdown_row(out: &mut dyn Write, row: [String; 9]) -> io::Result<()> {
    let [path, session, outcome, stage, rule, severity, line, status, detail] = row;
    let (outcome, finding) = if status == "ok" {
        let finding = if rule.is_empty() {
            String::new()
        } else {
            format!("`{rule}`: {}", cell(&detail))
        };
        (outcome, finding)
    } else {
        (status, cell(&detail))
    };
    writeln!(
        out,
        "| `{}` | {session} | {outcome} | {stage} | {finding} | {severity} | {line} |",
        cell(&path)
    )
}

/// The line under the Markdown table.
pub fn markdown_footer(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    writeln!(
        out,
        "\n_{} files ({} unreadable, {} skipped), {} sessions; bootrules {} with {} rules_",
        s.files,
        s.unreadable,
        s.skipped,
        s.sessions,
        env!("CARGO_PKG_VERSION"),
        s.stages + s.signatures + s.ignores
    )
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
