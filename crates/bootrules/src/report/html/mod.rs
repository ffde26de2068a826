//! `--format html`: one self-contained page (inline CSS and SVG, no script needed, nothing
//! fetched) that shows at a glance which VMs did not come up, where they stopped and why.
//!
//! Order of the page: the files that need attention (did not boot, crashed, hung at shutdown),
//! charts of verdicts and common signatures, then every file, worst first, with a timeline
//! drawing per session and each finding with its evidence in context, remedy and references.
//! Log text is untrusted: every piece of it goes through [`esc`].

pub mod keep;
mod svg;

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::io::{self, Seek, Write};

use bootrules_core::{FileReport, FileStatus, Finding, Outcome, Session, TraceLine};

use super::timeline::{
    gap_flags, gap_length, seconds, slower_than_usual, stage_time, worth_explaining,
};
use super::writer::{Ended, Writer};
use super::{attention, plural, shown, top_finding, Summary};

const STYLE: &str = include_str!("style.css");

/// Opens every collapsed section before printing; without scripts the page reads the same.
const PRINT_SCRIPT: &str = "addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(function(d){d.open=true})})";

/// Text made safe for HTML element content and attribute values.
pub struct Esc<'a>(&'a str);

/// Escapes `text` when displayed.
pub fn esc(text: &str) -> Esc<'_> {
    Esc(text)
}

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// How urgent a verdict is: lower comes first on the page.
fn urgency(report: &FileReport) -> u8 {
    match (report.status, report.verdict()) {
        (FileStatus::Error, _) => 5,
        // the VM did not come up, crashed, hung at shutdown or was reset: 0 to 4
        (_, Some(o)) if attention::outcome_needs_attention(o) => attention::urgency(o),
        (FileStatus::Skipped, _) => 8,
        (_, None) => 7,
        // Up or cleanly down now, but an earlier boot failed, hung or crashed.
        (_, Some(_)) if attention::earlier(&report.sessions).is_some() => 4,
        (_, Some(_)) => 6,
    }
}

/// True when the VM is not up or not cleanly down: the files an engineer looks at first.
fn needs_attention(report: &FileReport) -> bool {
    urgency(report) <= 4
}

/// The folder all `paths` share (with its `/`), shown once in the header so the page shows short
/// names; `""` when they share none.
pub fn common_folder<'a>(mut paths: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = paths.next() else {
        return String::new();
    };
    let mut len = first.rfind('/').map_or(0, |i| i + 1);
    for path in paths {
        while len > 0 && !(path.len() > len && path.as_bytes()[..len] == first.as_bytes()[..len]) {
            len = first[..len - 1].rfind('/').map_or(0, |i| i + 1);
        }
    }
    first[..len].to_owned()
}

/// A path without the folder every file shares.
fn short<'a>(path: &'a str, dir: &str) -> &'a str {
    path.strip_prefix(dir).unwrap_or(path)
}

/// A page written as its files come: each file's article (and its row of the attention table)
/// is rendered at once and spooled to a temporary file of its urgency, so memory holds one
/// file at a time whatever the batch; [`Page::finish`] writes the header, the tables and
/// charts the totals give, then the spools worst first (within one urgency, in input order, as
/// a stable sort would put them).
pub struct Page {
    dir: String,
    files: usize,
    attention_rows: usize,
    attention: Spools,
    articles: Spools,
    /// Signature titles, for the charts' table (at most one per rule of the pack).
    titles: BTreeMap<String, String>,
}

/// `--format html`: the [`Page`], fed file by file.
pub struct Html {
    page: Option<Page>,
    /// The file being written piece by piece, until its end.
    file: Option<FileReport>,
    /// The sessions the page shows of the file being written piece by piece.
    keeper: Option<keep::Keeper>,
    /// Sessions the page shows in full, over all files (see [`keep`]).
    kept_sessions: usize,
}

impl Html {
    /// A page whose files share the folder `dir` (see [`common_folder`]; empty for none).
    pub fn new(dir: &str) -> Self {
        Self {
            // compared with the paths as the page shows them, escapes and all
            page: Some(Page::new(shown::text(dir).into_owned())),
            file: None,
            keeper: None,
            kept_sessions: 0,
        }
    }

    /// Adds a file to the page, its sessions cut to what the page has room for.
    fn add(&mut self, mut report: FileReport) -> io::Result<()> {
        self.kept_sessions += keep::fit_page(&mut report, self.kept_sessions);
        match self.page.as_mut() {
            Some(page) => page.add(&report),
            None => Ok(()),
        }
    }
}

impl Writer for Html {
    fn file(&mut self, _out: &mut dyn Write, _index: usize, report: &FileReport) -> io::Result<()> {
        self.add(report.clone())
    }

    fn begin(&mut self, _out: &mut dyn Write, _index: usize, path: &str) -> io::Result<()> {
        self.file = Some(FileReport::failed(path, ""));
        self.keeper = Some(keep::Keeper::default());
        Ok(())
    }

    fn session(
        &mut self,
        _out: &mut dyn Write,
        _path: &str,
        _index: usize,
        session: &Session,
    ) -> io::Result<()> {
        if let Some(keeper) = self.keeper.as_mut() {
            keeper.add(session.clone());
        }
        Ok(())
    }

    fn end(
        &mut self,
        _out: &mut dyn Write,
        _ended: &Ended<'_>,
        report: &FileReport,
    ) -> io::Result<()> {
        // The file begun in `begin`: now its status and sessions are known.
        let Some(mut file) = self.file.take() else {
            return Ok(());
        };
        file.status = report.status;
        file.error.clone_from(&report.error);
        (file.sessions, file.omitted) = self.keeper.take().unwrap_or_default().finish();
        self.add(file)
    }

    fn finish(&mut self, out: &mut dyn Write, _files: usize, summary: &Summary) -> io::Result<()> {
        match self.page.take() {
            Some(page) => page.finish(out, summary),
            None => Ok(()),
        }
    }
}

/// Urgencies of [`urgency`]: 0 to 8.
const URGENCIES: usize = 9;

impl Page {
    /// A page whose files share `dir` (see [`common_folder`]).
    pub fn new(dir: String) -> Self {
        Self {
            dir,
            files: 0,
            attention_rows: 0,
            attention: Spools::default(),
            articles: Spools::default(),
            titles: BTreeMap::new(),
        }
    }

    /// Renders one file's part of the page.
    pub fn add(&mut self, report: &FileReport) -> io::Result<()> {
        let index = self.files;
        self.files += 1;
        for finding in report.sessions.iter().flat_map(|s| &s.findings) {
            if !self.titles.contains_key(&finding.rule) {
                self.titles
                    .insert(finding.rule.clone(), finding.title.clone());
            }
        }
        let level = usize::from(urgency(report)).min(URGENCIES - 1);
        let mut text = String::new();
        if needs_attention(report) {
            self.attention_rows += 1;
            attention_row(&mut text, index, report, &self.dir).map_err(io::Error::other)?;
            self.attention.write(level, text.as_bytes())?;
            text.clear();
        }
        file(&mut text, index, report, &self.dir).map_err(io::Error::other)?;
        self.articles.write(level, text.as_bytes())
    }

    /// Writes the whole page.
    pub fn finish(self, out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
        let mut head = String::with_capacity(64 * 1024);
        self.head(&mut head, summary).map_err(io::Error::other)?;
        out.write_all(head.as_bytes())?;
        if self.attention_rows > 0 {
            self.attention.copy_to(out)?;
            writeln!(out, "</tbody></table></section>")?;
        }
        let mut middle = String::new();
        charts(&mut middle, &self.titles, summary).map_err(io::Error::other)?;
        unchecked(&mut middle, summary).map_err(io::Error::other)?;
        writeln!(
            middle,
            r#"<section id="files" aria-labelledby="files-h"><h2 id="files-h">Files, worst first</h2>"#
        )
        .map_err(io::Error::other)?;
        out.write_all(middle.as_bytes())?;
        self.articles.copy_to(out)?;
        writeln!(out, "</section></main>")?;
        writeln!(
            out,
            "<footer>Generated by bootrules {}. Line numbers are lines of the original files; times are kernel seconds since each boot.</footer>\n<script>{PRINT_SCRIPT}</script>\n</body></html>",
            env!("CARGO_PKG_VERSION")
        )
    }

    /// The page's head, header and the start of the attention table.
    fn head(&self, out: &mut String, summary: &Summary) -> fmt::Result {
        let dir = self.dir.as_str();
        writeln!(
            out,
            r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>bootrules report: {} file{}</title>
<style>{STYLE}</style>
</head><body>
<a class="skip" href="#files">Skip to the files</a>
<header><h1>Boot report</h1>
<p class="meta">{} file{} and {} session{} checked by bootrules {} with {} rules{}.</p></header>
<main>"##,
            summary.files,
            plural(summary.files),
            summary.files,
            plural(summary.files),
            summary.sessions,
            plural(summary.sessions),
            env!("CARGO_PKG_VERSION"),
            summary.stages + summary.signatures + summary.ignores,
            if dir.is_empty() {
                String::new()
            } else {
                format!(", in <code>{}</code>", esc(dir))
            }
        )?;
        attention_head(out, self.attention_rows, self.files)
    }
}

/// Per urgency, a temporary file of rendered HTML (in memory when no temporary file can be
/// made).
#[derive(Default)]
struct Spools(Vec<Option<Spool>>);

enum Spool {
    File(io::BufWriter<std::fs::File>),
    Memory(Vec<u8>),
}

impl Spools {
    fn write(&mut self, level: usize, bytes: &[u8]) -> io::Result<()> {
        if self.0.len() < URGENCIES {
            self.0.resize_with(URGENCIES, || None);
        }
        let spool = self.0[level].get_or_insert_with(|| {
            tempfile::tempfile().map_or_else(
                |_| Spool::Memory(Vec::new()),
                |f| Spool::File(io::BufWriter::new(f)),
            )
        });
        match spool {
            Spool::File(file) => file.write_all(bytes),
            Spool::Memory(memory) => {
                memory.extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    /// Copies every spool to `out`, the most urgent first.
    fn copy_to(self, out: &mut dyn Write) -> io::Result<()> {
        for spool in self.0.into_iter().flatten() {
            match spool {
                Spool::File(file) => {
                    let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
                    file.rewind()?;
                    io::copy(&mut file, out)?;
                }
                Spool::Memory(memory) => out.write_all(&memory)?,
            }
        }
        Ok(())
    }
}

/// The start of the table that answers "which VMs did not boot, at which stage, and why" (its
/// rows come from [`attention_row`]), or the line saying no file needs attention.
fn attention_head(out: &mut String, bad: usize, files: usize) -> fmt::Result {
    if bad == 0 {
        writeln!(
            out,
            r#"<section aria-labelledby="attention-h" class="attention none"><h2 id="attention-h">No file needs attention</h2>"#
        )?;
        return writeln!(
            out,
            "<p>Every VM booted, or shut down cleanly.</p></section>"
        );
    }
    writeln!(
        out,
        r#"<section aria-labelledby="attention-h" class="attention"><h2 id="attention-h">{} of {} file{} need{} attention</h2>"#,
        bad,
        files,
        plural(files),
        if bad == 1 { "s" } else { "" }
    )?;
    writeln!(
        out,
        r#"<table><thead><tr><th scope="col">File</th><th scope="col">Verdict</th><th scope="col">Stopped at</th><th scope="col">Why</th><th scope="col" class="num">Line</th></tr></thead><tbody>"#
    )
}

/// A file's row of the attention table.
fn attention_row(out: &mut String, i: usize, report: &FileReport, dir: &str) -> fmt::Result {
    let last = report.sessions.last();
    let earlier = attention::earlier(&report.sessions);
    // The last session explains the verdict unless it is fine and an earlier one is not.
    let last_bad = last.is_none_or(attention::needs_attention);
    let top = last
        .and_then(top_finding)
        .filter(|_| last_bad || earlier.is_none());
    let mut why = top.map_or_else(
        || "no known failure signature".to_owned(),
        |f| esc(&f.title).to_string(),
    );
    if let Some(earlier) = earlier.as_ref().filter(|_| !last_bad || top.is_none()) {
        if top.is_none() {
            why.clear();
        } else {
            why.push_str("; ");
        }
        why.push_str(&format!("earlier: {}", esc(&earlier.describe())));
    }
    writeln!(
        out,
        r##"<tr><td><a href="#file-{i}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td></tr>"##,
        esc(short(&report.path, dir)),
        verdict_badge(report),
        esc(last.and_then(|s| s.last_stage.as_deref()).unwrap_or("-")),
        why,
        top.map_or_else(String::new, |f| f.line.to_string()),
    )
}

fn verdict_badge(report: &FileReport) -> String {
    match (report.status, report.verdict()) {
        (FileStatus::Error, _) => r#"<span class="badge o-error">unreadable</span>"#.to_owned(),
        (FileStatus::Skipped, _) => r#"<span class="badge o-skipped">skipped</span>"#.to_owned(),
        (_, Some(outcome)) => outcome_badge(outcome),
        (_, None) => r#"<span class="badge o-skipped">empty</span>"#.to_owned(),
    }
}

fn outcome_badge(outcome: Outcome) -> String {
    format!(r#"<span class="badge o-{outcome}">{outcome}</span>"#)
}

/// Verdicts and the most common signatures, drawn.
fn charts(out: &mut String, titles: &BTreeMap<String, String>, summary: &Summary) -> fmt::Result {
    writeln!(
        out,
        r#"<section aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2><div class="charts">"#
    )?;
    let mut verdicts: Vec<(Outcome, usize)> = Outcome::ALL
        .iter()
        .filter_map(|&o| summary.verdicts.get(o.as_str()).map(|&n| (o, n)))
        .collect();
    verdicts.sort_by_key(|&(o, _)| urgency_of(o));
    let bars: Vec<svg::Bar<'_>> = verdicts
        .iter()
        .map(|&(o, count)| svg::Bar {
            label: o.as_str(),
            count,
            colour: svg::outcome_colour(o),
        })
        .collect();
    writeln!(
        out,
        "<figure><figcaption>Verdicts (last session of each file)</figcaption>"
    )?;
    svg::bar_chart(out, "Verdicts of the files", &bars)?;
    writeln!(out, "</figure>")?;

    let mut common: Vec<(&String, &usize)> = summary.files_by_signature.iter().collect();
    common.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    common.truncate(10);
    if !common.is_empty() {
        let bars: Vec<svg::Bar<'_>> = common
            .iter()
            .map(|&(rule, &count)| svg::Bar {
                label: rule,
                count,
                colour: "#5c7cfa",
            })
            .collect();
        writeln!(
            out,
            "<figure><figcaption>Most common signatures (files)</figcaption>"
        )?;
        svg::bar_chart(out, "Files per signature", &bars)?;
        writeln!(out, "</figure>")?;
    }
    writeln!(out, "</div>")?;
    // The same numbers as text: for screen readers, search and copying into a ticket.
    writeln!(
        out,
        r#"<details><summary>Numbers</summary><table><thead><tr><th scope="col">Signature</th><th scope="col">Title</th><th scope="col" class="num">Files</th></tr></thead><tbody>"#
    )?;
    for (rule, count) in &common {
        writeln!(
            out,
            r#"<tr><td>{}</td><td>{}</td><td class="num">{count}</td></tr>"#,
            esc(rule),
            esc(titles.get(rule.as_str()).map_or("", String::as_str))
        )?;
    }
    writeln!(out, "</tbody></table><p>")?;
    let outcomes: Vec<String> = summary
        .outcomes
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    writeln!(
        out,
        "Verdicts: {}. All sessions: {}.</p></details></section>",
        esc(&summary
            .verdicts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")),
        esc(&outcomes.join(", "))
    )
}

/// The order of the verdict chart: the outcomes that need attention by their urgency, then
/// booted, rebooted, powered off.
fn urgency_of(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Booted => 5,
        Outcome::Rebooted => 6,
        Outcome::PoweredOff => 7,
        _ => attention::urgency(outcome),
    }
}

fn unchecked(out: &mut String, summary: &Summary) -> fmt::Result {
    for (title, list) in [
        ("Could not be read", &summary.unreadable_files),
        ("Skipped", &summary.skipped_files),
    ] {
        if list.is_empty() {
            continue;
        }
        writeln!(out, "<h3>{title}</h3><ul>")?;
        for f in list {
            writeln!(out, "<li>{}: {}</li>", esc(&f.path), esc(&f.why))?;
        }
        writeln!(out, "</ul>")?;
    }
    Ok(())
}

fn file(out: &mut String, index: usize, report: &FileReport, dir: &str) -> fmt::Result {
    let bad = needs_attention(report);
    // Also open: a file that is up now but had a serious failure in an earlier session.
    let open = bad || report.worst_severity() >= Some(bootrules_core::Severity::Error);
    writeln!(
        out,
        r#"<article class="file{}" id="file-{index}"><details{}><summary><h3>{}</h3> {}</summary>"#,
        if bad { " bad" } else { "" },
        if open { " open" } else { "" },
        esc(short(&report.path, dir)),
        verdict_badge(report)
    )?;
    for warning in &report.warnings {
        writeln!(
            out,
            r#"<p class="file-warning"><strong>Warning:</strong> {}</p>"#,
            esc(warning)
        )?;
    }
    match report.status {
        FileStatus::Error => writeln!(
            out,
            "<p>Could not be read: {}</p>",
            esc(report.error.as_deref().unwrap_or("unreadable"))
        )?,
        FileStatus::Skipped => writeln!(
            out,
            "<p>Not checked: {}</p>",
            esc(report.reason.as_deref().unwrap_or("not a console log"))
        )?,
        FileStatus::Ok if report.sessions.is_empty() && report.omitted.is_empty() => {
            writeln!(out, "<p>No console output.</p>")?;
        }
        FileStatus::Ok if report.sessions.is_empty() => omitted(out, &report.omitted)?,
        FileStatus::Ok => {
            if let Some(last) = report.sessions.last() {
                let total = report.sessions.len() + report.omitted.sessions();
                write!(
                    out,
                    r#"<p class="verdict-line">{} session{}; the last one is <strong>{}</strong> at stage <strong>{}</strong>"#,
                    total,
                    plural(total),
                    esc(last.outcome.as_str()),
                    esc(last.last_stage.as_deref().unwrap_or("none"))
                )?;
                if let Some(top) = top_finding(last) {
                    write!(out, ": {} (line {})", esc(&top.title), top.line)?;
                }
                writeln!(out, ".</p>")?;
            }
            for s in &report.sessions {
                session(out, index, s, &report.context)?;
            }
            omitted(out, &report.omitted)?;
        }
    }
    writeln!(out, "</details></article>")
}

/// What the sessions not shown add up to.
fn omitted(out: &mut String, o: &bootrules_core::Omitted) -> fmt::Result {
    if o.is_empty() {
        return Ok(());
    }
    let n = o.sessions();
    let outcomes: Vec<String> = o.outcomes.iter().map(|(k, v)| format!("{v} {k}")).collect();
    write!(
        out,
        r#"<p class="omitted">{n} more session{} not shown ({}, the page shows at most {} that need attention per file and the last one, {} in all)"#,
        plural(n),
        esc(&outcomes.join(", ")),
        keep::SESSIONS_PER_FILE,
        keep::SESSIONS_PER_PAGE
    )?;
    if !o.findings.is_empty() {
        let findings: Vec<String> = o
            .findings
            .iter()
            .rev()
            .map(|(severity, v)| format!("{v} {}", severity.as_str()))
            .collect();
        let rules: Vec<&str> = o.rules.iter().map(String::as_str).collect();
        write!(
            out,
            "; their findings: {} ({})",
            esc(&findings.join(", ")),
            esc(&rules.join(", "))
        )?;
    }
    writeln!(out, ".</p>")
}

fn session(out: &mut String, file: usize, s: &Session, context: &[TraceLine]) -> fmt::Result {
    writeln!(
        out,
        r#"<section class="session" aria-label="session {}"><h4>Session {} {} <span class="muted">lines {}–{}, last stage {}</span></h4>"#,
        s.index + 1,
        s.index + 1,
        outcome_badge(s.outcome),
        s.start_line,
        s.end_line,
        esc(s.last_stage.as_deref().unwrap_or("none"))
    )?;
    for gap in &s.timeline.gaps {
        if let Some((to, took, usual)) = slower_than_usual(gap) {
            writeln!(
                out,
                r#"<p class="slow">Slower than this file's earlier boots: {} → {} took {}, usually {} (median of {} earlier).</p>"#,
                esc(&gap.from),
                esc(to),
                seconds(took),
                seconds(usual.median_seconds),
                usual.sessions
            )?;
        }
    }
    if !s.stages.is_empty() {
        svg::timeline(out, s)?;
        timeline_table(out, s)?;
    }
    for f in &s.findings {
        finding(out, file, f, context)?;
    }
    for failure in &s.rule_errors {
        writeln!(out, "<p>Rule error: {}</p>", esc(&failure.to_string()))?;
    }
    writeln!(out, "</section>")
}

/// The timeline as a table: every stage with its time and the gap before it, the slow gaps
/// explained, and the last lines of a session that stopped.
fn timeline_table(out: &mut String, s: &Session) -> fmt::Result {
    let t = &s.timeline;
    let open = !t.tail.is_empty() || t.gaps.iter().any(|g| g.slower_than_usual.is_some());
    writeln!(
        out,
        r#"<details{}><summary>Timeline table</summary><table class="timeline-table"><thead><tr><th scope="col">Stage</th><th scope="col" class="num">Line</th><th scope="col" class="num">Kernel time</th><th scope="col" class="num">Since previous</th><th scope="col">Notes</th></tr></thead><tbody>"#,
        if open { " open" } else { "" }
    )?;
    for (n, stage) in s.stages.iter().enumerate() {
        let gap = n.checked_sub(1).and_then(|g| t.gaps.get(g));
        writeln!(
            out,
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td></tr>"#,
            esc(&stage.id),
            stage.line,
            esc(&stage_time(stage)),
            esc(&gap.map(gap_length).unwrap_or_default()),
            gap.map(|g| notes(g, s)).unwrap_or_default()
        )?;
    }
    if let Some(end) = &t.end {
        writeln!(
            out,
            r#"<tr><td><em>{}</em></td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td></tr>"#,
            if t.tail.is_empty() {
                "end of session"
            } else {
                "log ends (stopped)"
            },
            end.to_line,
            t.end_time
                .map_or_else(|| "-".to_owned(), |v| format!("{v:.3}")),
            esc(&gap_length(end)),
            notes(end, s)
        )?;
    }
    writeln!(out, "</tbody></table>")?;
    if !t.tail.is_empty() {
        writeln!(out, "<p>Last lines before the log ends:</p><pre>")?;
        for line in &t.tail {
            writeln!(out, "{}", numbered(line.line, &line.text))?;
        }
        writeln!(out, "</pre>")?;
    }
    writeln!(out, "</details>")
}

/// A log line with its number in the margin, for a `<pre>` block.
fn numbered(number: u64, text: &str) -> String {
    format!(
        r#"<span class="ln">{number}</span>{}"#,
        esc(text.trim_end())
    )
}

fn notes(gap: &bootrules_core::Gap, s: &Session) -> String {
    let mut notes = String::new();
    let flags = gap_flags(gap);
    if !flags.is_empty() {
        let _ = write!(notes, r#"<span class="slow">{}</span> "#, esc(&flags));
    }
    if !worth_explaining(gap) {
        return notes;
    }
    for found in &gap.findings {
        let title = s
            .findings
            .iter()
            .find(|f| f.line == found.line && f.rule == found.rule)
            .map_or("", |f| f.title.as_str());
        let _ = write!(notes, "<br>line {}: {}", found.line, esc(title));
    }
    if let Some(pause) = gap.pause.as_ref().filter(|p| p.seconds >= 1.0) {
        let _ = write!(
            notes,
            "<br>longest pause {} (lines {}–{}): <code>{}</code>",
            seconds(pause.seconds),
            pause.after_line,
            pause.line,
            esc(pause.text.trim())
        );
    }
    notes
}

/// Escaped text with its `backquoted` spans (commands, file names in remedies) set as code.
fn with_code(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len() < 3 {
        return esc(text).to_string();
    }
    let mut html = String::with_capacity(text.len() + 16);
    for (n, part) in parts.iter().enumerate() {
        // an odd count of backquotes leaves the last one as it was written
        let inside = n % 2 == 1 && n + 1 < parts.len();
        if n % 2 == 1 && !inside {
            html.push('`');
        }
        if inside {
            let _ = write!(html, "<code>{}</code>", esc(part));
        } else {
            let _ = write!(html, "{}", esc(part));
        }
    }
    html
}

fn finding(out: &mut String, file: usize, f: &Finding, context: &[TraceLine]) -> fmt::Result {
    let open = f.severity >= bootrules_core::Severity::Error;
    writeln!(
        out,
        r#"<details class="finding" id="f{file}-{}-{}"{}><summary><span class="sev sev-{}">{}</span> {} <span class="muted">line {} · {} · {}</span></summary>"#,
        f.line,
        esc(&f.rule),
        if open { " open" } else { "" },
        f.severity,
        f.severity.as_str().to_uppercase(),
        esc(&f.title),
        f.line,
        esc(&f.rule),
        esc(&f.category)
    )?;
    writeln!(out, "<pre>")?;
    let around: Vec<&TraceLine> = context
        .iter()
        .filter(|l| l.line.abs_diff(f.line) <= 3)
        .collect();
    if around.iter().any(|l| l.line == f.line) {
        for line in around {
            let text = numbered(line.line, &line.text);
            if line.line == f.line {
                // A block of its own: a newline after it would show as an empty line.
                write!(out, "<mark>{text}</mark>")?;
            } else {
                writeln!(out, "{text}")?;
            }
        }
    } else {
        write!(out, "<mark>{}</mark>", numbered(f.line, &f.text))?;
        if f.text_cut > 0 {
            write!(out, " ({} more characters)", f.text_cut)?;
        }
    }
    writeln!(out, "</pre><dl>")?;
    if f.count > 1 || f.suppressed > 0 {
        write!(
            out,
            "<dt>Seen</dt><dd>{} matching line{}",
            f.count,
            plural(f.count as usize)
        )?;
        if f.suppressed > 0 {
            write!(
                out,
                "; {} more findings of this signature not listed",
                f.suppressed
            )?;
        }
        writeln!(out, "</dd>")?;
    }
    writeln!(
        out,
        "<dt>What it means</dt><dd>{}</dd><dt>What to do</dt><dd>{}</dd>",
        with_code(&f.message),
        with_code(&f.remedy)
    )?;
    if !f.references.is_empty() {
        writeln!(out, "<dt>References</dt><dd><ul>")?;
        for r in &f.references {
            if r.starts_with("https://") || r.starts_with("http://") {
                writeln!(out, r#"<li><a href="{}">{}</a></li>"#, esc(r), esc(r))?;
            } else {
                writeln!(out, "<li>{}</li>", esc(r))?;
            }
        }
        writeln!(out, "</ul></dd>")?;
    }
    writeln!(out, "</dl></details>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_without_the_folder_they_share() {
        let files = ["logs/a/x.log", "logs/a/y.log", "logs/ab.log"];
        assert_eq!(common_folder(files.into_iter()), "logs/");
        assert_eq!(common_folder(files[..2].iter().copied()), "logs/a/");
        assert_eq!(common_folder(["x.log", "y.log"].into_iter()), "");
        assert_eq!(common_folder(["d/x.log"].into_iter()), "d/");
        assert_eq!(short("logs/a/x.log", "logs/"), "a/x.log");
    }

    #[test]
    fn markup_in_log_text_is_escaped() {
        let shown = esc(r#"<script>alert("x")</script> & 'y'"#).to_string();
        assert_eq!(
            shown,
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(esc("plain ünïcode").to_string(), "plain ünïcode");
    }
}
