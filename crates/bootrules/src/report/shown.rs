//! Text as people see it: the readable, Markdown, CSV and HTML reports.
//!
//! Paths, archive member names, rule texts and log lines are untrusted. A name may hold an
//! escape sequence that retitles or clears the terminal, a newline that forges a verdict line,
//! a C1 control (U+009B starts a sequence on 8-bit terminals) or a bidi override that shows
//! text reversed. [`Printer`](super::Printer) gives those formats a copy of each report made
//! here, in which every such character is written as a visible escape (`\n`, `\r`,
//! `\u{1b}`, `\u{202e}`); JSON, escaped by its encoder and read by programs, gets the original.
//!
//! The copies destructure every report type whole, so a text field added to one of them does
//! not compile until it is listed here.

use std::borrow::Cow;
use std::fmt::Write as _;

use bootrules_core::{
    Diagnostic, FileReport, Finding, Omitted, Pause, Session, StageHit, TraceLine,
};
use bootrules_core::{FindingRef, Gap, Timeline};

use super::{SevereFile, Summary, Unchecked};

/// True for a character that a terminal or a text viewer acts on rather than shows: C0 and C1
/// controls and DEL, bidirectional overrides, embeddings, isolates and marks, and the Unicode
/// line and paragraph separators. A tab is kept: it only moves to the next column, and real
/// console lines indent with it (fsck's `\t(i.e., without -a or -p options)`).
pub fn is_active(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `text` with each [active](is_active) character written as an escape; borrowed when there
/// is none (nearly always). A backslash is left as it is: the escapes only need to be seen.
pub fn text(text: &str) -> Cow<'_, str> {
    escaped(text, false)
}

/// As [`text`], but newlines stay: for what a command writes line by line itself, where a
/// rule's example or message may span lines.
pub fn lines(text: &str) -> Cow<'_, str> {
    escaped(text, true)
}

fn escaped(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    // printable ASCII and tabs (nearly every byte a report or a pack holds) need no look at
    // each character
    let plain = |b: &u8| matches!(b, b' '..=b'~' | b'\t') || (keep_newlines && *b == b'\n');
    let active = |c: char| is_active(c) && !(keep_newlines && c == '\n');
    if text.as_bytes().iter().all(plain) || !text.contains(active) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' if keep_newlines => shown.push(c),
            '\n' => shown.push_str("\\n"),
            '\r' => shown.push_str("\\r"),
            c if is_active(c) => {
                let _ = write!(shown, "\\u{{{:x}}}", u32::from(c));
            }
            c => shown.push(c),
        }
    }
    Cow::Owned(shown)
}

/// Escapes a string in place.
fn fix(s: &mut String) {
    if let Cow::Owned(shown) = text(s) {
        *s = shown;
    }
}

/// A file's report as people may see it.
pub fn file(mut report: FileReport) -> FileReport {
    let FileReport {
        path,
        sessions,
        status: _,
        error,
        reason,
        context,
        warnings,
        omitted,
    } = &mut report;
    fix(path);
    error.iter_mut().chain(reason.iter_mut()).for_each(fix);
    warnings.iter_mut().for_each(fix);
    let Omitted {
        outcomes: _,
        findings: _,
        rules,
        rule_errors: _,
    } = omitted;
    *rules = rules.iter().map(|r| text(r).into_owned()).collect();
    sessions.iter_mut().for_each(fix_session);
    context.iter_mut().for_each(fix_trace_line);
    report
}

/// A session as people may see it.
pub fn session(mut session: Session) -> Session {
    fix_session(&mut session);
    session
}

fn fix_session(session: &mut Session) {
    let Session {
        index: _,
        start_line: _,
        end_line: _,
        outcome: _,
        last_stage,
        stages,
        findings,
        cause: _,
        cause_chain: _,
        top_finding,
        rule_errors,
        timeline,
    } = session;
    last_stage.iter_mut().chain(top_finding).for_each(fix);
    for StageHit {
        id,
        line: _,
        time: _,
        after: _,
    } in stages
    {
        fix(id);
    }
    findings.iter_mut().for_each(fix_finding);
    for Diagnostic {
        severity: _,
        code: _,
        file,
        span: _,
        rule,
        message,
        help,
        source,
        pointer: _,
        notes,
    } in rule_errors
    {
        fix(file);
        fix(message);
        rule.iter_mut()
            .chain(help)
            .chain(source)
            .chain(notes)
            .for_each(fix);
    }
    let Timeline {
        gaps,
        end,
        end_time: _,
        tail,
    } = timeline;
    gaps.iter_mut().chain(end.iter_mut()).for_each(fix_gap);
    tail.iter_mut().for_each(fix_trace_line);
}

fn fix_finding(finding: &mut Finding) {
    let Finding {
        rule,
        title,
        category,
        severity: _,
        fatal: _,
        line: _,
        text,
        text_cut: _,
        message,
        remedy,
        count: _,
        suppressed: _,
        time: _,
        captures,
        references,
    } = finding;
    for s in [rule, title, category, text, message, remedy] {
        fix(s);
    }
    if captures
        .iter()
        .any(|(name, value)| name.contains(is_active) || value.contains(is_active))
    {
        *captures = std::mem::take(captures)
            .into_iter()
            .map(|(name, value)| {
                (
                    self::text(&name).into_owned(),
                    self::text(&value).into_owned(),
                )
            })
            .collect();
    }
    references.iter_mut().for_each(fix);
}

fn fix_gap(gap: &mut Gap) {
    let Gap {
        from,
        to,
        from_line: _,
        to_line: _,
        seconds: _,
        at_least: _,
        slow: _,
        pause,
        findings,
        slower_than_usual: _,
    } = gap;
    fix(from);
    to.iter_mut().for_each(fix);
    if let Some(Pause {
        seconds: _,
        after_line: _,
        line: _,
        time: _,
        text,
    }) = pause
    {
        fix(text);
    }
    for FindingRef { rule, line: _ } in findings {
        fix(rule);
    }
}

fn fix_trace_line(line: &mut TraceLine) {
    let TraceLine {
        line: _,
        time: _,
        text,
    } = line;
    fix(text);
}

/// The totals of a run as people may see them.
pub fn summary(summary: &Summary) -> Summary {
    let mut shown = summary.clone();
    let Summary {
        stages: _,
        signatures: _,
        ignores: _,
        files: _,
        unreadable: _,
        skipped: _,
        sessions: _,
        verdicts: _,
        worst_sessions: _,
        outcomes: _,
        findings: _,
        files_by_signature,
        rule_errors: _,
        most_severe,
        unreadable_files,
        skipped_files,
        worst: _,
    } = &mut shown;
    *files_by_signature = std::mem::take(files_by_signature)
        .into_iter()
        .map(|(rule, files)| (text(&rule).into_owned(), files))
        .collect();
    for SevereFile {
        path,
        severity: _,
        rule,
        line: _,
    } in most_severe
    {
        fix(path);
        fix(rule);
    }
    for Unchecked { path, why } in unreadable_files.iter_mut().chain(skipped_files) {
        fix(path);
        fix(why);
    }
    shown
}

/// A writer for a terminal: what it is given is written with every [active](is_active)
/// character but the newline as an escape (the `rules` commands print rule packs' text, which
/// a pack from anywhere may fill with escape sequences).
pub struct Escaping<W>(pub W);

impl<W: std::io::Write> std::io::Write for Escaping<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // most pieces are printable ASCII (`write!` hands over each piece and padding
        // character on its own)
        if buf.iter().all(|b| matches!(b, b' '..=b'~' | b'\t' | b'\n')) {
            self.0.write_all(buf)?;
            return Ok(buf.len());
        }
        // `write!` hands over whole `str` pieces, so a piece is valid UTF-8 unless the caller
        // wrote raw bytes; those are shown as the replacement character.
        let piece = String::from_utf8_lossy(buf);
        self.0.write_all(lines(&piece).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_become_escapes() {
        assert_eq!(
            text("a\x1b]0;t\x07b\nc\rd\u{9b}e\u{202e}f\u{2069}"),
            r"a\u{1b}]0;t\u{7}b\nc\rd\u{9b}e\u{202e}f\u{2069}"
        );
        assert!(matches!(text("plain\tünïcode \\ ok"), Cow::Borrowed(_)));
    }
}
