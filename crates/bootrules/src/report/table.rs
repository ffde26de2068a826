//! One row per session: CSV for spreadsheets and scripts, Markdown to paste into a ticket.
//! Files that could not be read or were skipped get a row too, so every input appears.

use std::io::{self, Write};

use bootrules_core::{FileReport, FileStatus};

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
    let status = match report.status {
        FileStatus::Ok => "ok",
        FileStatus::Error => "error",
        FileStatus::Skipped => "skipped",
    };
    if report.sessions.is_empty() {
        let detail = report
            .error
            .clone()
            .or_else(|| report.reason.clone())
            .unwrap_or_else(|| "no console output".to_owned());
        return vec![[
            report.path.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            status.to_owned(),
            detail,
        ]];
    }
    report
        .sessions
        .iter()
        .map(|s| {
            let top = top_finding(s);
            [
                report.path.clone(),
                (s.index + 1).to_string(),
                s.outcome.to_string(),
                s.last_stage.clone().unwrap_or_default(),
                top.map(|f| f.rule.clone()).unwrap_or_default(),
                top.map(|f| f.severity.to_string()).unwrap_or_default(),
                top.map(|f| f.line.to_string()).unwrap_or_default(),
                status.to_owned(),
                top.map(|f| f.title.clone()).unwrap_or_default(),
            ]
        })
        .collect()
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
        )?;
    }
    Ok(())
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
