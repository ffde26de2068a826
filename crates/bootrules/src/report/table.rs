//! One row per session: CSV for spreadsheets and scripts, Markdown to paste into a ticket.
//! Files that could not be read or were skipped get a row too, so every input appears, and each
//! warning about a file (data ignored, a file that shrank) a row of status `warning`.
//!
//! The texts come with their control characters escaped ([`super::shown`]); here each format
//! makes them inert in its own syntax: no CSV cell starts a spreadsheet formula, and no
//! Markdown cell can end its code span, its cell or its row early, or become a link or markup.

use std::borrow::Cow;
use std::io::{self, Write};

use bootrules_core::{FileReport, FileStatus, Finding, Session};

use super::writer::{Ended, Writer};
use super::{outcome_finding, top_finding, Summary};

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
    let mut rows = if report.sessions.is_empty() {
        vec![file_row(report)]
    } else {
        report
            .sessions
            .iter()
            .map(|s| session_row(&report.path, s))
            .collect()
    };
    rows.extend(warning_rows(report));
    rows
}

/// A row for each warning about the file, after its sessions.
fn warning_rows(report: &FileReport) -> impl Iterator<Item = [String; 9]> + '_ {
    report.warnings.iter().map(|warning| {
        let mut row: [String; 9] = Default::default();
        row[0] = report.path.clone();
        row[7] = "warning".to_owned();
        row[8] = warning.clone();
        row
    })
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
        detail(s, top),
    ]
}

/// The top finding's title, and the finding it led to when that decided the outcome.
fn detail(s: &Session, top: Option<&Finding>) -> String {
    let mut text = top.map(|f| f.title.clone()).unwrap_or_default();
    if let Some(then) = outcome_finding(s) {
        text.push_str(&format!(
            " → {} ({}, line {})",
            then.title, then.rule, then.line
        ));
    }
    text
}

/// Writes CSV records (quoted as needed by the csv crate), each cell [inert](csv_cell).
fn csv_records<'a>(
    out: &mut dyn Write,
    records: impl IntoIterator<Item = &'a [String; 9]>,
) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in records {
        writer.write_record(record.iter().map(|cell| csv_cell(cell).into_owned()))?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    out.write_all(&bytes)
}

/// `--format csv`: one row per session, and per unreadable or skipped file.
pub struct Csv;

impl Writer for Csv {
    fn start(&mut self, out: &mut dyn Write) -> io::Result<()> {
        csv_header(out)
    }

    fn file(&mut self, out: &mut dyn Write, _index: usize, report: &FileReport) -> io::Result<()> {
        csv_file(out, report)
    }

    fn session(
        &mut self,
        out: &mut dyn Write,
        path: &str,
        _index: usize,
        session: &Session,
    ) -> io::Result<()> {
        csv_session(out, path, session)
    }

    fn end(
        &mut self,
        out: &mut dyn Write,
        _ended: &Ended<'_>,
        report: &FileReport,
    ) -> io::Result<()> {
        csv_end(out, report)
    }
}

/// `--format markdown`: a compact table to paste into a ticket.
pub struct Markdown;

impl Writer for Markdown {
    fn start(&mut self, out: &mut dyn Write) -> io::Result<()> {
        markdown_header(out)
    }

    fn file(&mut self, out: &mut dyn Write, _index: usize, report: &FileReport) -> io::Result<()> {
        markdown_file(out, report)
    }

    fn session(
        &mut self,
        out: &mut dyn Write,
        path: &str,
        _index: usize,
        session: &Session,
    ) -> io::Result<()> {
        markdown_session(out, path, session)
    }

    fn end(
        &mut self,
        out: &mut dyn Write,
        _ended: &Ended<'_>,
        report: &FileReport,
    ) -> io::Result<()> {
        markdown_end(out, report)
    }

    fn finish(&mut self, out: &mut dyn Write, _files: usize, summary: &Summary) -> io::Result<()> {
        markdown_footer(out, summary)
    }
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

/// Ends a file written as it is read: a row if it could not be read to its end, and its
/// warnings.
pub fn csv_end(out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
    if report.error.is_some() {
        csv_records(out, [&file_row(report)])?;
    }
    csv_records(out, &warning_rows(report).collect::<Vec<_>>())
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

/// Ends a file written as it is read: a row if it could not be read to its end, and its
/// warnings.
pub fn markdown_end(out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
    if report.error.is_some() {
        markdown_row(out, file_row(report))?;
    }
    for row in warning_rows(report) {
        markdown_row(out, row)?;
    }
    Ok(())
}

fn markdown_row(out: &mut dyn Write, row: [String; 9]) -> io::Result<()> {
    let [path, session, outcome, stage, rule, severity, line, status, detail] = row;
    let (outcome, finding) = if status == "ok" {
        let finding = if rule.is_empty() {
            String::new()
        } else {
            format!("{}: {}", code(&rule), cell(&detail))
        };
        (outcome, finding)
    } else {
        (status, cell(&detail))
    };
    writeln!(
        out,
        "| {} | {session} | {outcome} | {} | {finding} | {severity} | {line} |",
        code(&path),
        cell(&stage)
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

/// A CSV cell that a spreadsheet shows rather than runs: one that starts like a formula
/// (`=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP advises.
fn csv_cell(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Text for a Markdown table cell: what Markdown would read as markup, a link or HTML
/// (``\ ` * _ [ ] < > ~``) and the cell border `|` are backslash-escaped, so they show as
/// written; a newline (already escaped upstream) could not end the row anyway.
pub(crate) fn cell(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '~' | '|'
        ) {
            shown.push('\\');
        }
        shown.push(if c == '\n' { ' ' } else { c });
    }
    shown
}

/// Text as a Markdown code span in a table cell: fenced with more backticks than the longest
/// run inside it (and spaced from a backtick at either end), so no backtick in a name ends it;
/// `|` is escaped, as a table needs even inside code (see [`pipes_escaped`]).
pub(crate) fn code(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", pipes_escaped(text))
}

/// `text` for a table row: a table reads `\` followed by any character as one escaped
/// character before it looks for the `|` between cells, so every `|` gets an odd number of
/// backslashes right before it (one more, or two after an odd run of the text's own).
fn pipes_escaped(text: &str) -> String {
    let mut shown = String::with_capacity(text.len() + 4);
    let mut backslashes = 0;
    for c in text.chars() {
        match c {
            '|' => shown.push_str(if backslashes % 2 == 0 { "\\|" } else { "\\\\|" }),
            '\n' => shown.push(' '),
            c => shown.push(c),
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_span_is_fenced_longer_than_any_backtick_run_inside() {
        assert_eq!(code("plain.log"), "`plain.log`");
        assert_eq!(code("a`b``c"), "```a`b``c```");
        assert_eq!(code("`x|y`"), "`` `x\\|y` ``");
        // a backslash of the name's own before a pipe must not take the pipe's escape
        assert_eq!(code(r"a\|b"), r"`a\\\|b`");
        assert_eq!(code(r"a\\|b"), r"`a\\\|b`");
    }

    #[test]
    fn formula_cells_are_neutralised_and_others_left_alone() {
        for formula in ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(formula), format!("'{formula}"));
        }
        assert_eq!(csv_cell("a=b"), "a=b");
    }

    #[test]
    fn markdown_in_a_cell_shows_as_written() {
        assert_eq!(
            cell("![x](http://t/) <img> a|b *c*"),
            "!\\[x\\](http://t/) \\<img\\> a\\|b \\*c\\*"
        );
    }
}
