//! The same log in other byte forms (no CR, UTF-16 with and without a byte order mark, NUL
//! bytes, no colour escapes) gives the same sessions, stages, findings and line numbers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use bootrules_core::{check_bytes, Session};
use bootrules_rules::default_pack;

fn lab_log(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/lab/logs")
        .join(name);
    std::fs::read(path).expect("fixture readable")
}

/// What must not change: outcomes, stages with their lines, findings with their lines.
fn verdict(sessions: &[Session]) -> Vec<String> {
    sessions
        .iter()
        .map(|s| {
            let stages: Vec<_> = s
                .stages
                .iter()
                .map(|h| format!("{}@{}", h.id, h.line))
                .collect();
            let findings: Vec<_> = s
                .findings
                .iter()
                .map(|f| format!("{}@{}", f.rule, f.line))
                .collect();
            format!(
                "{}-{} {} {:?} {stages:?} {findings:?}",
                s.start_line, s.end_line, s.outcome, s.last_stage
            )
        })
        .collect()
}

fn utf16(bytes: &[u8], bom: &[u8], encode: fn(u16) -> [u8; 2]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = bom.to_vec();
    for unit in text.encode_utf16() {
        out.extend_from_slice(&encode(unit));
    }
    out
}

fn strip_ansi(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            i += 2;
            while i < bytes.len() && !(0x40..=0x7e).contains(&bytes[i]) {
                i += 1;
            }
            i += 1;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn byte_forms_of_one_log_give_the_same_verdict() {
    let pack = default_pack().expect("default pack loads");
    for name in [
        "debian12-itools-reboot-then-poweroff.log",
        "debian12-itools-fstab-missing-disk.log",
        "debian12-itools-hard-reset-then-boot-poweroff.log",
    ] {
        let original = lab_log(name);
        let expected = verdict(&check_bytes(&pack, name, &original).sessions);
        assert!(!expected.is_empty());
        let variants: Vec<(&str, Vec<u8>)> = vec![
            (
                "no carriage returns",
                original.iter().copied().filter(|&b| b != b'\r').collect(),
            ),
            (
                "CRLF doubled to CRCRLF",
                original
                    .iter()
                    .flat_map(|&b| {
                        if b == b'\r' {
                            vec![b'\r', b'\r']
                        } else {
                            vec![b]
                        }
                    })
                    .collect(),
            ),
            (
                "UTF-16LE with BOM",
                utf16(&original, &[0xFF, 0xFE], u16::to_le_bytes),
            ),
            (
                "UTF-16BE with BOM",
                utf16(&original, &[0xFE, 0xFF], u16::to_be_bytes),
            ),
            (
                "UTF-16BE without BOM",
                utf16(&original, &[], u16::to_be_bytes),
            ),
            (
                "UTF-16LE without BOM",
                utf16(&original, &[], u16::to_le_bytes),
            ),
            (
                "NUL after every space",
                original
                    .iter()
                    .flat_map(|&b| if b == b' ' { vec![b' ', 0] } else { vec![b] })
                    .collect(),
            ),
            ("no colour escapes", strip_ansi(&original)),
        ];
        for (form, bytes) in variants {
            let got = verdict(&check_bytes(&pack, name, &bytes).sessions);
            assert_eq!(got, expected, "{name} as {form}");
        }
    }
}

#[test]
fn invalid_utf8_is_replaced_not_fatal() {
    let pack = default_pack().expect("default pack loads");
    let mut bytes = b"[    0.000000] Linux version 6.1.0 (x@y) \xff\xfe\xc3\n".to_vec();
    bytes.extend_from_slice(b"[    1.0] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n");
    let report = check_bytes(&pack, "bad-utf8", &bytes);
    let session = &report.sessions[0];
    assert_eq!(session.outcome.as_str(), "boot-failed");
    assert_eq!(session.findings[0].line, 2);
}

#[test]
fn a_huge_line_is_cut_for_matching_and_counted_as_one_line() {
    let pack = default_pack().expect("default pack loads");
    let mut bytes = b"[    0.000000] Linux version 6.1.0 (x@y)\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 5 << 20));
    bytes.extend_from_slice(
        b"\n[    2.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n",
    );
    let report = check_bytes(&pack, "huge", &bytes);
    let session = &report.sessions[0];
    assert_eq!(session.end_line, 3);
    assert_eq!(session.findings.iter().map(|f| f.line).min(), Some(3));
}

#[test]
fn a_log_that_switches_from_utf16_to_utf8_reads_both_parts() {
    // A capture tool that wrote UTF-16, then one that appends UTF-8 to the same file.
    let pack = default_pack().expect("default pack loads");
    let name = "debian12-itools-reboot-then-poweroff.log";
    let original = lab_log(name);
    let expected = verdict(&check_bytes(&pack, name, &original).sessions);
    let lines: Vec<&[u8]> = original.split_inclusive(|&b| b == b'\n').collect();
    for cut in [1, 40, lines.len() / 2, lines.len() - 1] {
        let (first, rest) = lines.split_at(cut);
        let (first, rest) = (first.concat(), rest.concat());
        for (form, bom, encode) in [
            ("UTF-16LE", &[][..], u16::to_le_bytes as fn(u16) -> [u8; 2]),
            ("UTF-16BE", &[][..], u16::to_be_bytes),
            ("UTF-16LE with BOM", &[0xFF, 0xFE][..], u16::to_le_bytes),
            ("UTF-16BE with BOM", &[0xFE, 0xFF][..], u16::to_be_bytes),
        ] {
            if cut < 40 && bom.is_empty() {
                continue; // too little UTF-16 to be recognised without a byte order mark
            }
            let mut bytes = utf16(&first, bom, encode);
            bytes.extend_from_slice(&rest);
            let got = verdict(&check_bytes(&pack, name, &bytes).sessions);
            assert_eq!(got, expected, "{form} for {cut} lines, then UTF-8");
        }
    }
}
