//! Telling a console log from other text: a ticket's folder also holds notes, READMEs, source
//! and the tool's own earlier reports, which would otherwise be judged as failed boots.
//!
//! A console log shows itself early: a kernel timestamp or syslog prefix, or a line that a stage
//! or signature of the pack knows, printed at the start of a line. Text that quotes such lines
//! inside markup, a table cell or a JSON string is a document about a log, not a log.

use std::sync::OnceLock;

use bootrules_core::{LineHits, Normaliser, Outcome, RuleSet};
use bootrules_rules::Pack;
use regex::RegexSet;

/// Bytes looked at for console-log evidence.
pub const CONSOLE_SNIFF_BYTES: usize = 64 * 1024;

/// Why text with no evidence is skipped.
pub const NOT_CONSOLE: &str = "not a console log: no kernel, boot-loader, init or agent line in \
     the first 64 KiB (use --all-text to check it anyway)";

/// The header of the tool's own CSV report.
const OWN_CSV_HEADER: &[u8] = b"path,session,outcome,last_stage,";

/// True when `head` (the first bytes of a text stream) shows a console log, or holds nothing to
/// judge: an empty file is reported as such, and a log that begins with NUL padding (a console
/// file written ahead of its text) is read on. UTF-16 text is left to the checker.
pub fn looks_like_console_log(pack: &Pack, head: &[u8]) -> bool {
    if head.iter().all(|&b| b == 0 || b.is_ascii_whitespace()) || is_utf16(head) {
        return true;
    }
    if is_structured_document(head)
        || head.starts_with(OWN_CSV_HEADER)
        || is_own_readable_report(head)
    {
        return false;
    }
    let mut normaliser = Normaliser::default();
    let mut hits = LineHits::default();
    let complete = match head.iter().rposition(|&b| b == b'\n') {
        Some(last) if head.len() >= CONSOLE_SNIFF_BYTES => &head[..last],
        _ => head,
    };
    complete.split(|&b| b == b'\n').any(|raw| {
        let line = normaliser.normalise(0, raw);
        if quoted(line.text) {
            return false;
        }
        if line.from_kernel || line.relayed {
            return true;
        }
        hits.clear();
        pack.classify(&line, &mut hits);
        !hits.stages.is_empty()
            || hits.signals.iter().any(|&p| pack.is_evidence_signal(p))
            || console_forms().is_match(line.message)
    })
}

/// Line forms that only consoles print, whatever the pack knows: an init's status tags
/// (systemd's `[  OK  ]`, OpenRC's and upstart's ` * Starting …` and `[ ok ]`), a program
/// tagged with its PID, a login prompt, a kernel report's frames and headers, journalctl's
/// separators.
fn console_forms() -> &'static RegexSet {
    static FORMS: OnceLock<RegexSet> = OnceLock::new();
    FORMS.get_or_init(|| {
        RegexSet::new([
            r"^\[\s*(?:OK|FAILED|DEPEND|TIME|INFO|WARN|WARNING)\s*\] ",
            r"^\s*\* [A-Z][\w-]* .*\.\.\.",
            r"\[ ?(?:ok|OK|!!) ?\]\s*$",
            r"^[A-Za-z][\w.-]{2,}\[\d+\]: ",
            r"^\S+ login: ?$",
            // a kernel report pasted without its timestamps: stack frames and its fixed headers
            r"^\s*(?:\? )?[\w.]+\+0x[0-9a-f]+/0x[0-9a-f]+",
            r"^(?:Call Trace|Modules linked in|Hardware name|RIP|Code):",
            r"^-+\[ (?:cut here|end trace [0-9a-f]+) \]-+",
            // journalctl's own separators
            r"^-- (?:Boot [0-9a-f]+|Logs begin at|Journal begins at) ",
        ])
        .unwrap_or_else(|_| RegexSet::empty())
    })
}

/// A line that begins as markup, a table row (`| … |`), a quoted string, a comment or a TOML/INI key's
/// string: it shows a log line inside another document (a report, source code, a rule file,
/// a ticket's labels).
fn quoted(text: &str) -> bool {
    let text = text.trim_start();
    let bytes = text.as_bytes();
    matches!(bytes.first(), Some(b'{' | b'"' | b'\'' | b'`'))
        || (bytes.first() == Some(&b'|') && text.trim_end().ends_with('|'))
        || (bytes.first() == Some(&b'#') && !is_uboot_status(bytes))
        || is_markup_tag(bytes)
        || ["b\"", "r\"", "//"].iter().any(|p| text.starts_with(p))
        || keyed_string(text)
}

/// U-Boot's status lines (`## Booting kernel from Legacy Image at …`, `## Flattened Device Tree
/// blob at …`): `## ` and a capital, not a comment. (A heading of a note that reads so would
/// still have to match the pack's patterns to count.)
fn is_uboot_status(bytes: &[u8]) -> bool {
    bytes.starts_with(b"## ") && bytes.get(3).is_some_and(u8::is_ascii_uppercase)
}

/// `<tag`, `</tag`, `<!…` or `<?…`: markup. NixOS' `<<< NixOS Stage 1 >>>` and kmsg's `<6>`
/// are console text.
fn is_markup_tag(bytes: &[u8]) -> bool {
    bytes.first() == Some(&b'<')
        && bytes
            .get(1)
            .is_some_and(|&b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'!' | b'?'))
}

/// `key = "…"` or `key = [`: a console prints no such line, a TOML or INI file does. (A logfmt
/// line, `time="…" level=info msg="…"`, is a runtime relaying console text, not a key.)
fn keyed_string(text: &str) -> bool {
    if text.starts_with("time=") && text.contains(" msg=\"") {
        return false;
    }
    let key_len = text
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        .count();
    let Some(rest) = text[key_len..].trim_start().strip_prefix('=') else {
        return false;
    };
    key_len > 0
        && text.as_bytes()[0].is_ascii_alphabetic()
        && matches!(
            rest.trim_start().as_bytes().first(),
            Some(b'"' | b'\'' | b'[' | b'{')
        )
}

/// The tool's own readable report (and timeline), by its first line: `PATH: OUTCOME at STAGE`.
fn is_own_readable_report(head: &[u8]) -> bool {
    let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    first.ends_with(": (many sessions; verdict after them)")
        || Outcome::ALL
            .iter()
            .any(|o| first.contains(&format!(": {o} at ")) && first.contains(" session"))
}

/// HTML, XML or JSON, from their first bytes (a console log never starts so; kmsg's `<6>` does
/// start with `<`, so a digit after it is not markup).
fn is_structured_document(head: &[u8]) -> bool {
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = text.trim_ascii_start();
    let lower: Vec<u8> = start.iter().take(16).map(u8::to_ascii_lowercase).collect();
    let markup = [
        &b"<!"[..],
        b"<?xml",
        b"<html",
        b"<svg",
        b"<head",
        b"<body",
        b"<table",
        b"<div",
    ]
    .iter()
    .any(|tag| lower.starts_with(tag));
    // (`[[` is no sign: a paste that lost systemd's ESC starts `[ [0;32m  OK  …`; nor is a
    // blank timestamp, `[            ] init:info: …`, which RancherOS' init prints)
    let json = match start {
        [b'{', rest @ ..] => matches!(rest.trim_ascii_start().first(), Some(b'"' | b'}')),
        [b'[', rest @ ..] => match rest.trim_ascii_start() {
            [b'"' | b'{', ..] => true,
            [b']', after @ ..] => after.trim_ascii().is_empty(),
            _ => false,
        },
        _ => false,
    };
    markup || json
}

/// UTF-16 (a byte order mark, or NULs between ASCII letters), which the checker decodes.
fn is_utf16(head: &[u8]) -> bool {
    head.starts_with(b"\xff\xfe")
        || head.starts_with(b"\xfe\xff")
        || (head.len() >= 4 && head[..4].iter().filter(|&&b| b == 0).count() == 2)
}
