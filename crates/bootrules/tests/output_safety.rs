//! What bootrules writes stays safe and in proportion to what it read: `--output` never
//! replaces a device or a link, keeps the mode of the file it replaces and honours the umask;
//! names and log text cannot drive the terminal, forge a report line or start a spreadsheet
//! formula; a log of long crafted lines gives a report of about its own size.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use common::{bin, run, Dir};

fn dir(name: &str) -> Dir {
    common::scratch_dir("out", name)
}

const BANNER: &str =
    "[    0.000000] Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org) (gcc-12)\n";

/// A short log whose one session fails: enough for a report of a few lines.
fn small_log(root: &Path) -> PathBuf {
    let path = root.join("serial.log");
    let text = format!(
        "{BANNER}[    2.000000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn check_to(output: &Path, log: &Path) -> Output {
    run(&[
        "check",
        "--output",
        output.to_str().unwrap(),
        log.to_str().unwrap(),
    ])
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// --- `--output` never replaces what is not a regular file ---

/// Makes a device node like /dev/null in `dir` (as root; `None` otherwise).
fn private_null(dir: &Path) -> Option<PathBuf> {
    let node = dir.join("null");
    let made = std::process::Command::new("mknod")
        .arg(&node)
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    made.then_some(node)
}

fn leftovers(dir: &Path) -> Vec<std::ffi::OsString> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|name| name.as_bytes().starts_with(b".tmp"))
        .collect()
}

/// A device node of our own (as root): the report is written through it, and it stays a
/// device; no temporary file is left beside it.
#[test]
fn output_to_a_character_device_writes_through_it() {
    let d = dir("chardev");
    let log = small_log(&d.0);
    let Some(node) = private_null(&d.0) else {
        test_support::not_here(
            "mknod needs root; output_to_dev_null_leaves_it_a_character_device covers it",
        );
        return;
    };
    let out = check_to(&node, &log);
    assert!(out.status.success(), "{}", stderr(&out));
    let meta = std::fs::symlink_metadata(&node).unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "the device node was replaced"
    );
    let left = leftovers(&d.0);
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// As root, `-o /dev/null` used to rename a regular file over the system's /dev/null. The
/// binary is copied first, and tried on a device node of its own before /dev/null, so a build
/// that still replaces devices (or one swapped in by a concurrent build) fails here without
/// touching the system's.
#[test]
fn output_to_dev_null_leaves_it_a_character_device() {
    let d = dir("devnull");
    let log = small_log(&d.0);
    let binary = d.0.join("bootrules");
    std::fs::copy(env!("CARGO_BIN_EXE_bootrules"), &binary).unwrap();
    let check_to = |target: &Path| {
        std::process::Command::new(&binary)
            .arg("check")
            .arg("--output")
            .arg(target)
            .arg(&log)
            .output()
            .unwrap()
    };
    if let Some(node) = private_null(&d.0) {
        let out = check_to(&node);
        let meta = std::fs::symlink_metadata(&node).unwrap();
        assert!(
            out.status.success() && meta.file_type().is_char_device(),
            "this build replaces device nodes; /dev/null was not tried: {}",
            stderr(&out)
        );
    }
    let out = check_to(Path::new("/dev/null"));
    assert!(out.status.success(), "{}", stderr(&out));
    let meta = std::fs::symlink_metadata("/dev/null").unwrap();
    assert!(meta.file_type().is_char_device(), "/dev/null was replaced");
}

/// A symbolic link used to be replaced by the report. It is refused: the report would land
/// wherever a link planted in a shared folder points.
#[test]
fn output_to_a_symbolic_link_is_refused_and_both_stay_as_they_were() {
    let d = dir("symlink");
    let log = small_log(&d.0);
    let target = d.0.join("elsewhere.txt");
    std::fs::write(&target, "not a report\n").unwrap();
    let link = d.0.join("report.txt");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = check_to(&link, &log);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("symbolic link"), "{err}");
    assert!(
        err.contains("elsewhere.txt"),
        "the message names the target: {err}"
    );
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "not a report\n");
}

/// An error about `--output` names a planted link's target with its escape sequences shown,
/// not sent to the terminal (it could clear the screen or retitle the window).
#[test]
fn an_output_error_shows_escape_sequences_in_names_as_escapes() {
    let d = dir("escaped-error");
    let log = small_log(&d.0);
    let link = d.0.join("planted.out");
    std::os::unix::fs::symlink("x\u{1b}[2J\u{1b}]0;pwned\u{7}", &link).unwrap();
    let out = check_to(&link, &log);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !out.stderr.iter().any(|&b| b == 0x1b || b == 0x07),
        "raw controls on stderr: {:?}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("\\u{1b}[2J"), "{}", stderr(&out));
}

/// A report that replaces a private file stays private (it used to become 0644).
#[test]
fn output_keeps_the_mode_of_the_file_it_replaces() {
    let d = dir("mode");
    let log = small_log(&d.0);
    let target = d.0.join("report.txt");
    std::fs::write(&target, "old report\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = check_to(&target, &log);
    assert!(out.status.success(), "{}", stderr(&out));
    let mode = std::fs::metadata(&target).unwrap().permissions().mode();
    assert_eq!(mode & 0o7777, 0o600);
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains("boot-failed"), "{text}");
}

/// A new report gets `0666 & !umask` like any file a program creates (it was always 0644).
#[test]
fn a_new_output_file_honours_the_umask() {
    let d = dir("umask");
    let log = small_log(&d.0);
    for (umask, expected) in [("077", 0o600), ("002", 0o664)] {
        let target = d.0.join(format!("report-{umask}.txt"));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                r#"umask {umask}; exec "$0" check --output "$1" "$2""#
            ))
            .arg(env!("CARGO_BIN_EXE_bootrules"))
            .arg(&target)
            .arg(&log)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o7777, expected, "umask {umask}");
    }
}

/// A directory is refused with a message, not replaced or half-written into.
#[test]
fn output_to_a_directory_is_refused() {
    let d = dir("directory");
    let log = small_log(&d.0);
    let target = d.0.join("reports");
    std::fs::create_dir(&target).unwrap();
    let out = check_to(&target, &log);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
    assert!(target.is_dir());
}

// --- names, titles and log text cannot drive a terminal or a spreadsheet ---

/// Characters a terminal, a text viewer or a spreadsheet acts on rather than shows (a tab
/// only moves to the next column).
fn is_active(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}')
}

const FORGED: &str = "forged.log: booted at agent-ready [1 session]";

/// A log named and filled to attack whoever reads the report: escape sequences that set the
/// terminal title and clear the screen, a newline that forges a verdict line, bidi overrides,
/// C1 controls (U+009B is CSI for 8-bit terminals), a spreadsheet formula; the same in the
/// evidence line and in an archive member's name; and a rule pack whose title does it too.
fn hostile(dir: &Path) -> (PathBuf, PathBuf) {
    let root = &dir.join("logs");
    std::fs::create_dir_all(root).unwrap();
    let name =
        format!("=cmd evil\x1b]0;pwned\x07\x1b[2J tick`s``x\n{FORGED}\n\u{202e}gol.\u{9b}31m.log");
    let evidence = "[    2.000000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0) \u{9b}2J \u{202e}desrever\u{2069} \u{85}next =1+2 MARKER-EVIL";
    let text = format!("{BANNER}{evidence}\n");
    std::fs::write(root.join(&name), &text).unwrap();
    // a log whose worst finding is the hostile rule's, so its title is the row's detail
    std::fs::write(
        root.join("title.log"),
        format!("{BANNER}[    1.000000] MARKER-EVIL here\n"),
    )
    .unwrap();
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o644);
    let member = format!("inner\x1b[2J\u{9b}0m\n{FORGED}.log");
    header.as_gnu_mut().unwrap().name[..member.len()].copy_from_slice(member.as_bytes());
    header.set_cksum();
    tar.append(&header, text.as_bytes()).unwrap();
    std::fs::write(root.join("ticket.tar"), tar.into_inner().unwrap()).unwrap();
    let pack = dir.join("pack");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::write(
        pack.join("evil.toml"),
        r#"[[signature]]
id = "evil-title"
title = "=HYPERLINK(\"http://x\") \u001b]0;pwned\u0007\u001b[2J\nFORGED: booted \u202e \u009b"
category = "other"
severity = "critical"
patterns = ['(?P<what>MARKER-EVIL.*)']
message = "saw {what} \u001b[2J\u0085"
remedy = "nothing \u202e"
"#,
    )
    .unwrap();
    (pack, root.join(name))
}

fn check_format(format: &str, pack: &Path, dir: &Path) -> String {
    let out = bin()
        .args(["check", "--format", format, "--rules"])
        .arg(pack)
        .arg(dir.join("logs"))
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        stderr(&out)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn assert_inert(format: &str, text: &str) {
    let active: Vec<(usize, char)> = text.char_indices().filter(|&(_, c)| is_active(c)).collect();
    assert!(
        active.is_empty(),
        "{format}: raw control or bidi characters {active:?} in\n{text}"
    );
    for line in text.lines() {
        let line = line.trim_start_matches(['|', ' ', '"']);
        assert!(
            !line.starts_with("forged.log") && !line.starts_with("FORGED"),
            "{format}: a forged line: {line}"
        );
    }
}

#[test]
fn the_human_report_shows_control_characters_as_escapes() {
    let d = dir("human");
    let (pack, _) = hostile(&d.0);
    for args in [&[][..], &["--timeline"][..]] {
        let out = bin()
            .args(["check", "--rules"])
            .arg(&pack)
            .args(args)
            .arg(d.0.join("logs"))
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert_inert("human", &text);
        assert!(text.contains(r"evil\u{1b}]0;pwned\u{7}\u{1b}[2J"), "{text}");
        assert!(text.contains(r"\u{202e}desrever\u{2069}"), "{text}");
        assert!(text.contains(r"\n"), "{text}");
    }
}

#[test]
fn markdown_cells_stay_cells_and_code_spans_survive_backticks() {
    let d = dir("markdown");
    let (pack, _) = hostile(&d.0);
    let text = check_format("markdown", &pack, &d.0);
    assert_inert("markdown", &text);
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with('|')).collect();
    // header, rule, the two logs, the archive member
    assert_eq!(rows.len(), 5, "{text}");
    for row in &rows {
        let pipes = unescaped_pipes(row);
        assert_eq!(pipes, 8, "a row with {pipes} cell borders: {row}");
    }
    let row = rows.iter().find(|r| r.contains("tick")).unwrap();
    let cell = row.split(" | ").next().unwrap().trim_start_matches("| ");
    let fence = cell.chars().take_while(|&c| c == '`').count();
    assert!(cell.ends_with(&"`".repeat(fence)), "{cell}");
    let inner = &cell[fence..cell.len() - fence];
    assert!(
        !inner.contains(&"`".repeat(fence)),
        "a run of {fence} backticks inside ends the code span early: {cell}"
    );
}

/// Pipes that separate cells: not preceded by a backslash.
fn unescaped_pipes(row: &str) -> usize {
    let bytes = row.as_bytes();
    (0..bytes.len())
        .filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\'))
        .count()
}

#[test]
fn csv_cells_start_no_formula_and_hold_no_control_characters() {
    let d = dir("csv");
    hostile(&d.0);
    // Relative paths, so a file name is the start of its cell.
    let logs = d.0.join("logs");
    let mut names: Vec<_> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    let out = bin()
        .current_dir(&logs)
        .args(["check", "--format", "csv", "--rules", "../pack"])
        .args(&names)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_inert("csv", &text);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut rows = 0;
    let mut formulas = 0;
    for record in reader.records() {
        let record = record.unwrap();
        rows += 1;
        for cell in &record {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet would run: {cell:?}"
            );
            formulas += usize::from(cell.starts_with("'="));
        }
    }
    assert_eq!(rows, 3, "{text}");
    assert_eq!(
        formulas, 2,
        "the name and the title, kept, neutralised: {text}"
    );
}

#[test]
fn html_shows_control_characters_as_escapes() {
    let d = dir("html");
    let (pack, _) = hostile(&d.0);
    let text = check_format("html", &pack, &d.0);
    assert_inert("html", &text);
}

/// JSON is for programs: every string exactly as read, escaped by the JSON encoder alone.
#[test]
fn json_keeps_names_and_text_exact() {
    let d = dir("json");
    let (pack, path) = hostile(&d.0);
    let text = check_format("json", &pack, &d.0);
    let doc: Value = serde_json::from_str(&text).unwrap();
    let files = doc["files"].as_array().unwrap();
    let file = files
        .iter()
        .find(|f| f["path"] == path.to_str().unwrap())
        .expect("the exact path");
    let finding = &file["sessions"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "evil-title")
        .unwrap()
        .clone();
    assert!(finding["text"]
        .as_str()
        .unwrap()
        .contains("\u{9b}2J \u{202e}desrever\u{2069}"));
    assert!(finding["title"]
        .as_str()
        .unwrap()
        .contains("\u{1b}]0;pwned"));
}

// --- the report stays in proportion to the log ---

/// What sets off each signature of the default pack: the first example it must match, without
/// its kernel timestamp, so many of them fit on one line of one boot.
fn triggers() -> Vec<String> {
    let mut triggers = Vec::new();
    let signatures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/signatures");
    let mut files: Vec<_> = std::fs::read_dir(signatures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    for file in files {
        let doc: toml::Table = std::fs::read_to_string(file).unwrap().parse().unwrap();
        let Some(signatures) = doc.get("signature").and_then(|s| s.as_array()) else {
            continue;
        };
        for signature in signatures {
            let first = signature
                .get("examples")
                .and_then(|e| e.get("match"))
                .and_then(|m| m.as_array())
                .and_then(|m| m.first());
            let log = match first {
                Some(toml::Value::String(log)) => log.as_str(),
                Some(toml::Value::Table(t)) => t.get("log").and_then(|l| l.as_str()).unwrap_or(""),
                _ => "",
            };
            for line in log.lines() {
                let text = line.trim_start_matches(|c: char| {
                    c == '[' || c == ']' || c == '.' || c == ' ' || c.is_ascii_digit()
                });
                // (lines with escape sequences would be shorter as shown than as written)
                if !text.is_empty() && !text.chars().any(char::is_control) {
                    triggers.push(text.to_owned());
                }
            }
        }
    }
    triggers
}

/// About `megabytes` of lines of 16 KiB, each a new boot whose text repeats the triggers of
/// the first `signatures` signatures of the pack.
fn crafted_long_lines(root: &Path, megabytes: usize, signatures: usize) -> PathBuf {
    let triggers = triggers();
    let chosen = &triggers[..signatures.min(triggers.len())];
    let mut line = format!(
        "[    0.000000] Linux version 6.1.0 (x) {}",
        chosen.join(" ")
    );
    while line.len() < 16 * 1024 {
        line = format!("{line} {line}");
    }
    let mut end = 16 * 1024 - 1;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    line.truncate(end);
    line.push('\n');
    let path = root.join(format!("crafted-{signatures}.log"));
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for _ in 0..(megabytes << 20) / line.len() {
        file.write_all(line.as_bytes()).unwrap();
    }
    file.flush().unwrap();
    path
}

fn report_size(format: &str, log: &Path) -> u64 {
    let d = log.parent().unwrap();
    let target = d.join(format!("report.{format}"));
    let out = run(&[
        "check",
        "--format",
        format,
        "--output",
        target.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        stderr(&out)
    );
    let size = std::fs::metadata(&target).unwrap().len();
    std::fs::remove_file(&target).unwrap();
    size
}

fn findings(log: &Path) -> Vec<Value> {
    let out = run(&["check", "--format", "json", log.to_str().unwrap()]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["files"][0]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["findings"].as_array().unwrap().clone())
        .collect()
}

/// The shape that showed it: 32 MB of 16 KiB lines, about 30 findings a line, each finding
/// echoing its whole line, made a readable report of 1.19 GB.
#[test]
fn a_log_of_long_crafted_lines_gives_a_report_of_a_few_times_its_size() {
    let d = dir("proportional");
    let log = crafted_long_lines(&d.0, 2, 100);
    let input = std::fs::metadata(&log).unwrap().len();
    let sessions = input / (16 * 1024);
    let found = findings(&log);
    assert!(
        found.len() as u64 >= 20 * sessions,
        "the case needs many findings a line: {} in {sessions} sessions",
        found.len()
    );
    for (format, most) in [("human", 4), ("json", 6), ("markdown", 1), ("csv", 1)] {
        let size = report_size(format, &log);
        assert!(
            size < most * input,
            "--format {format}: {size} bytes of report for {input} bytes of log"
        );
    }
    // Each finding shows the start of its evidence line and says how much was cut.
    let text = found[0]["text"].as_str().unwrap();
    assert!(
        text.ends_with('…') && text.chars().count() == 1025,
        "{text}"
    );
    let cut = found[0]["text_cut"].as_u64().unwrap();
    let whole = std::fs::read_to_string(&log).unwrap();
    let line = whole.lines().next().unwrap();
    assert_eq!(
        text.chars().count() - 1 + cut as usize,
        line.chars().count()
    );
}

/// With the triggers of every signature on each line the report is larger, but each finding
/// costs the same whatever the length of its line.
#[test]
fn a_finding_costs_a_bounded_size_however_long_its_line() {
    let d = dir("per-finding");
    let log = crafted_long_lines(&d.0, 1, usize::MAX);
    let found = findings(&log).len() as u64;
    for (format, most) in [("human", 2048), ("json", 3072)] {
        let size = report_size(format, &log);
        assert!(
            size < most * found,
            "--format {format}: {size} bytes for {found} findings"
        );
    }
}

/// A session where one `one-per` signature fires for hundreds of different units: the first
/// twenty are findings, the rest a count on the first.
#[test]
fn one_signature_reports_at_most_twenty_findings_per_session() {
    let d = dir("per-rule");
    let mut text = BANNER.to_owned();
    for n in 0..500 {
        text.push_str(&format!(
            "[FAILED] Failed to start unit-{n}.service - Unit number {n}.\n"
        ));
    }
    let log = d.0.join("units.log");
    std::fs::write(&log, text).unwrap();
    let out = run(&["check", "--format", "json", log.to_str().unwrap()]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings: Vec<&Value> = doc["files"][0]["sessions"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "systemd-unit-failed")
        .collect();
    assert_eq!(findings.len(), 20);
    assert_eq!(findings[0]["count"], 500);
    assert_eq!(findings[0]["suppressed"], 480);
    let human = run(&["check", log.to_str().unwrap()]);
    let human = String::from_utf8(human.stdout).unwrap();
    assert!(human.contains("480 more"), "{human}");
}

#[test]
fn rules_commands_show_a_packs_control_characters_as_escapes() {
    let tmp = dir("rules-commands");
    let (pack, _) = hostile(&tmp.0);
    let pack = pack.to_str().unwrap();
    for args in [
        vec!["rules", "list", "--rules", pack],
        vec!["rules", "explain", "evil-title", "--rules", pack],
        vec!["rules", "validate", pack],
        vec!["rules", "test", pack],
    ] {
        let out = run(&args);
        for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(text);
            let active: Vec<char> = text.chars().filter(|&c| is_active(c)).collect();
            assert!(
                active.is_empty(),
                "{args:?} {stream}: {active:?} in\n{text}"
            );
        }
    }
    // a broken rule's line is shown under its error, escaped too
    std::fs::write(
        Path::new(pack).join("broken.toml"),
        "[[signature]]\nid = \"x\"\ntitle = \"\u{1b}]0;pwned\u{7}\"\nbogus = 1\n",
    )
    .unwrap();
    let out = run(&["rules", "validate", pack]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("pwned"), "{text}");
    assert!(!text.contains(is_active), "{text}");
}
