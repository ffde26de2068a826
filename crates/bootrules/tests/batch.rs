//! Batch triage of a folder of ticket attachments: hundreds of logs, nested folders, archives
//! (zip, tgz, tar, gz), broken and hostile ones, files that are not logs. Every input appears in
//! every output format, with the right status, and the exit status says what happened.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use common::run;

fn lab(name: &str) -> Vec<u8> {
    std::fs::read(common::lab(name)).unwrap()
}

const LOGS: [&str; 4] = [
    "debian12-itools-healthy-poweroff.log",
    "debian12-itools-fstab-missing-disk.log",
    "debian12-itools-hung-shutdown-forced-off-reboot.log",
    "debian12-grub-rescue-normal-mod-missing.log",
];

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn tar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        // set_path refuses `..`; a hostile archive has it anyway, so write the name raw.
        let raw = &mut header.as_old_mut().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        header.set_cksum();
        builder.append(&header, *bytes).unwrap();
    }
    builder.into_inner().unwrap()
}

fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for (name, bytes) in members {
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Builds the ticket tree; returns its root and every path the report must show, with the
/// status each must have.
fn ticket_tree(root: &Path) -> Vec<(String, &'static str)> {
    let mut expected = Vec::new();
    let put = |rel: &str, bytes: &[u8]| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    };
    for ticket in 0..240 {
        let log = lab(LOGS[ticket % LOGS.len()]);
        let rel = format!("tickets/{:03}/vm-{}/serial.log", ticket, ticket % 7);
        expected.push((put(&rel, &log), "ok"));
    }
    let bundle = zip(&[
        ("boot/serial.log", &lab(LOGS[1])),
        ("boot/older/serial-1.log", &lab(LOGS[0])),
        ("screenshot.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
    ]);
    let zip_path = put("attachments/bundle.zip", &bundle);
    expected.push((format!("{zip_path}!/boot/serial.log"), "ok"));
    expected.push((format!("{zip_path}!/boot/older/serial-1.log"), "ok"));
    expected.push((format!("{zip_path}!/screenshot.png"), "skipped"));
    let tgz = gzip(&tar(&[
        ("var/log/console.log", &lab(LOGS[2])),
        ("../../etc/evil.log", &lab(LOGS[3])),
        ("/abs/path.log", &lab(LOGS[0])),
    ]));
    let tgz_path = put("attachments/logs.tgz", &tgz);
    expected.push((format!("{tgz_path}!/var/log/console.log"), "ok"));
    expected.push((format!("{tgz_path}!/etc/evil.log"), "ok"));
    expected.push((format!("{tgz_path}!/abs/path.log"), "ok"));
    let tar_path = put("attachments/plain.tar", &tar(&[("a.log", &lab(LOGS[3]))]));
    expected.push((format!("{tar_path}!/a.log"), "ok"));
    expected.push((put("attachments/serial.log.gz", &gzip(&lab(LOGS[1]))), "ok"));
    let mut truncated = gzip(&lab(LOGS[2]));
    truncated.truncate(truncated.len() / 2);
    expected.push((put("attachments/truncated.log.gz", &truncated), "error"));
    let bomb = zip(&[("zeros.log", &vec![b'0'; 30 << 20])]);
    let bomb_path = put("attachments/bomb.zip", &bomb);
    expected.push((format!("{bomb_path}!/zeros.log"), "error"));
    expected.push((put("attachments/empty.log", b""), "ok"));
    expected.push((
        put(
            "attachments/screen.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRrest",
        ),
        "skipped",
    ));
    expected.push((
        put("attachments/disk.qcow2", b"QFI\xfb\0\0\0\x03"),
        "skipped",
    ));
    let dangling = root.join("attachments/gone.log");
    std::os::unix::fs::symlink(root.join("nowhere.log"), &dangling).unwrap();
    expected.push((dangling.display().to_string(), "error"));
    let looping = root.join("attachments/loop");
    std::os::unix::fs::symlink(root.join("attachments"), &looping).unwrap();
    expected.push((looping.display().to_string(), "error"));
    // Without read permission: an error for a normal user; root reads it anyway.
    let locked = put("attachments/locked.log", &lab(LOGS[0]));
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let readable = std::fs::File::open(&locked).is_ok();
    expected.push((locked, if readable { "ok" } else { "error" }));
    let fifo = root.join("attachments/console.fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success());
    if matches!(made, Ok(true)) {
        expected.push((fifo.display().to_string(), "skipped"));
    }
    expected
}

/// A report's file object as (path, status).
fn path_and_status(file: &Value) -> (String, String) {
    (
        file["path"].as_str().unwrap().to_owned(),
        file["status"].as_str().unwrap().to_owned(),
    )
}

struct Tree {
    root: PathBuf,
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn tree(name: &str) -> (Tree, Vec<(String, &'static str)>) {
    let root = std::env::temp_dir().join(format!("bootrules-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let expected = ticket_tree(&root);
    (Tree { root }, expected)
}

const LIMITS: [&str; 2] = ["--max-member-mib", "10"];

#[test]
fn every_input_appears_in_every_format_with_its_status() {
    let (tree, expected) = tree("batch-formats");
    let root = tree.root.to_str().unwrap();
    let want: BTreeSet<(String, String)> = expected
        .iter()
        .map(|(p, s)| (p.clone(), (*s).to_owned()))
        .collect();
    assert!(want.len() > 250);

    let json = run(&["check", "--format", "json", LIMITS[0], LIMITS[1], root]);
    assert_eq!(
        json.status.code(),
        Some(3),
        "unreadable inputs give exit status 3"
    );
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    let got: BTreeSet<(String, String)> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(path_and_status)
        .collect();
    assert_eq!(got, want);
    let summary = &doc["summary"];
    assert_eq!(summary["files"].as_u64(), Some(want.len() as u64));
    assert!(
        summary["files_by_signature"]["emergency-mode"]
            .as_u64()
            .unwrap()
            >= 60
    );
    assert_eq!(summary["most_severe"].as_array().unwrap().len(), 10);
    let bomb = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("bomb.zip!/zeros.log"))
        .unwrap();
    assert!(
        bomb["error"].as_str().unwrap().contains("archive bomb"),
        "{bomb}"
    );
    let png = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("screen.png"))
        .unwrap();
    assert_eq!(png["reason"], "not a console log: a PNG image");

    let jsonl = run(&["check", "--format", "jsonl", LIMITS[0], LIMITS[1], root]);
    let lines: Vec<Value> = String::from_utf8(jsonl.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each JSONL line parses"))
        .collect();
    let got: BTreeSet<(String, String)> = lines.iter().map(path_and_status).collect();
    assert_eq!(got, want);

    let csv_out = run(&["check", "--format", "csv", LIMITS[0], LIMITS[1], root]);
    let mut reader = csv::Reader::from_reader(&csv_out.stdout[..]);
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "path");
    let mut got = BTreeSet::new();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.expect("CSV parses");
        assert_eq!(record.len(), headers.len());
        got.insert((record[0].to_owned(), record[7].to_owned()));
        rows += 1;
    }
    assert_eq!(got, want);
    assert!(
        rows > want.len(),
        "one row per session: multi-session logs give more rows"
    );

    let markdown = run(&["check", "--format", "markdown", LIMITS[0], LIMITS[1], root]);
    let text = String::from_utf8(markdown.stdout).unwrap();
    let table: Vec<&str> = text.lines().filter(|l| l.starts_with('|')).collect();
    assert!(table[1].starts_with("| --- |"));
    for row in &table {
        assert_eq!(row.matches(" | ").count(), 6, "{row}");
    }
    for (path, _) in &want {
        assert!(
            text.contains(&format!("`{path}`")),
            "{path} missing from the markdown"
        );
    }

    let human = run(&["check", LIMITS[0], LIMITS[1], root]);
    let text = String::from_utf8(human.stdout).unwrap();
    for (path, _) in &want {
        assert!(
            text.contains(&format!("{path}: ")),
            "{path} missing from the human report"
        );
    }
    assert!(text.contains("== summary\nverdicts (last session of each file): "));
    assert!(text.contains("  emergency-mode: "));
    assert!(text.contains("truncated.log.gz: cannot"));
}

#[test]
fn output_is_the_same_on_one_core_and_on_many() {
    let (tree, _) = tree("batch-order");
    let root = tree.root.to_str().unwrap();
    let one = run(&[
        "check", "--format", "json", "--jobs", "1", LIMITS[0], LIMITS[1], root,
    ]);
    let many = run(&[
        "check", "--format", "json", "--jobs", "8", LIMITS[0], LIMITS[1], root,
    ]);
    assert_eq!(one.stdout, many.stdout);
    let paths: Vec<String> = serde_json::from_slice::<Value>(&one.stdout).unwrap()["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    let tickets: Vec<&String> = paths.iter().filter(|p| p.contains("/tickets/")).collect();
    let mut sorted = tickets.clone();
    sorted.sort();
    assert_eq!(tickets, sorted, "folders are walked in sorted order");
}

#[test]
fn output_file_is_written_whole_and_fail_on_sets_the_status() {
    let (tree, _) = tree("batch-output");
    let logs = tree.root.join("tickets");
    let target = tree.root.join("report.json");
    let out = run(&[
        "check",
        "--format",
        "json",
        "--fail-on",
        "critical",
        "--output",
        target.to_str().unwrap(),
        logs.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let doc: Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(doc["files"].as_array().unwrap().len(), 240);
    let leftovers: Vec<_> = std::fs::read_dir(&tree.root)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // created as any program creates a file: 0666 less the umask (0644 under the usual 022)
        let umask = std::process::Command::new("sh")
            .args(["-c", "umask"])
            .output()
            .unwrap();
        let umask =
            u32::from_str_radix(String::from_utf8(umask.stdout).unwrap().trim(), 8).unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o666 & !umask,
            "a report is created as any file is"
        );
    }

    let healthy = tree.root.join("tickets/000");
    let out = run(&["check", "--fail-on", "error", healthy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn too_many_members_is_an_error_for_that_archive_only() {
    let dir = std::env::temp_dir().join(format!("bootrules-members-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let members: Vec<(String, Vec<u8>)> = (0..5)
        .map(|i| (format!("m{i}.log"), lab(LOGS[0])))
        .collect();
    let refs: Vec<(&str, &[u8])> = members
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    std::fs::write(dir.join("many.zip"), zip(&refs)).unwrap();
    let out = run(&[
        "check",
        "--format",
        "json",
        "--max-members",
        "3",
        dir.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&dir).unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.iter().filter(|f| f["status"] == "ok").count(), 3);
    let error = files.iter().find(|f| f["status"] == "error").unwrap();
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("more than the limit of 3"),
        "{error}"
    );
}
