//! `bootrules suggest`: with a category's signatures turned off, the lines they matched come
//! back among the first suggestions; the skeletons written by `--output` pass `rules validate`
//! and `rules test` as they stand and then find those lines; a healthy batch gives nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{lab, run, scratch_dir};
use serde_json::Value;

fn lab_dir() -> PathBuf {
    lab("debian12-itools-healthy-poweroff.log")
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `--disable ID` for every signature of `category`.
fn disabling(category: &str) -> Vec<String> {
    let out = run(&["rules", "list", "--format", "json"]);
    let rules: Value = serde_json::from_slice(&out.stdout).unwrap();
    rules
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "signature" && r["category"] == category)
        .flat_map(|r| ["--disable".to_owned(), r["id"].as_str().unwrap().to_owned()])
        .collect()
}

fn suggest(paths: &[&Path], extra: &[String]) -> Value {
    let mut args: Vec<String> = vec!["suggest".into(), "--format".into(), "json".into()];
    args.extend(["--top".into(), "50".into()]);
    args.extend(paths.iter().map(|p| p.to_str().unwrap().to_owned()));
    args.extend(extra.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The rank of the first suggestion that shows `line` of `log` or whose pattern matches `text`.
fn rank_of(found: &Value, log: &str, line: u64, text: &str) -> Option<u64> {
    found["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|s| {
            let shows = s["examples"].as_array().unwrap().iter().any(|e| {
                e["path"].as_str().unwrap().ends_with(log) && e["line"].as_u64() == Some(line)
            });
            let pattern = regex::Regex::new(s["skeleton"]["pattern"].as_str().unwrap()).unwrap();
            (shows || pattern.is_match(text)).then(|| s["rank"].as_u64().unwrap())
        })
}

#[test]
fn the_lines_of_turned_off_signatures_come_back_among_the_first_suggestions() {
    // (category turned off, log, line its signatures matched, that line)
    let cases = [
        (
            "fstab",
            "debian12-itools-fstab-missing-disk.log",
            703,
            "[DEPEND] Dependency failed for data.mount - /data.",
        ),
        (
            "bootloader",
            "debian12-grub-kernel-file-missing.log",
            8,
            "error: file `/boot/vmlinuz-6.1.0-50-amd64' not found.",
        ),
        (
            "disk-io",
            "debian12-itools-disk-read-io-error.log",
            627,
            "I/O error, dev vda, sector 1845440 op 0x0:(READ) flags 0x80700 phys_seg 1 prio class 2",
        ),
        (
            "filesystem",
            "debian12-itools-root-fs-corrupt.log",
            533,
            "rootfs: UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY.",
        ),
        (
            "root-mount",
            "debian12-itools-wrong-root-uuid.log",
            432,
            "Gave up waiting for root file system device.  Common problems:",
        ),
        (
            "kernel-panic",
            "debian12-itools-init-bin-false-panic.log",
            395,
            "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100",
        ),
    ];
    let dir = lab_dir();
    let mut ranks = Vec::new();
    for (category, log, line, text) in cases {
        let found = suggest(&[&dir], &disabling(category));
        let rank = rank_of(&found, log, line, text);
        eprintln!("rediscovered with {category} turned off: {log}:{line} at rank {rank:?}");
        ranks.push((category, rank));
    }
    for (category, rank) in &ranks {
        assert!(
            rank.is_some_and(|r| r <= 10),
            "{category}: {ranks:?} (ranks of the lines among the suggestions)"
        );
    }
}

/// The same over the shared corpus, where the lab's failures compete with the firmware noise of
/// many LAVA boots that stopped for other reasons: still among the first 30 shapes (of some 200).
#[test]
fn over_the_shared_corpus_the_lines_come_back_among_the_first_thirty() {
    let Some(corpus) = test_support::shared_corpus() else {
        return;
    };
    let cases = [
        ("fstab", "debian12-itools-fstab-missing-disk.log", 703),
        ("bootloader", "debian12-grub-kernel-file-missing.log", 8),
        ("disk-io", "debian12-itools-disk-read-io-error.log", 627),
        ("filesystem", "debian12-itools-root-fs-corrupt.log", 533),
        ("root-mount", "debian12-itools-wrong-root-uuid.log", 432),
    ];
    let (logs, lab) = (corpus.join("logs"), corpus.join("lab/logs"));
    let mut ranks = Vec::new();
    for (category, log, line) in cases {
        let found = suggest(&[&logs, &lab], &disabling(category));
        let rank = rank_of(&found, log, line, "\u{0}");
        eprintln!("shared corpus, {category} turned off: {log}:{line} at rank {rank:?}");
        ranks.push((category, rank));
    }
    assert!(
        ranks.iter().all(|(_, rank)| rank.is_some_and(|r| r <= 30)),
        "{ranks:?}"
    );
}

#[test]
fn skeletons_pass_validate_and_test_and_then_find_their_lines() {
    let out_dir = scratch_dir("suggest", "round-trip");
    let pack = out_dir.0.join("pack");
    let log = lab("debian12-grub-kernel-file-missing.log");
    let off = disabling("bootloader");
    let mut args: Vec<String> = vec!["suggest".into(), "-o".into()];
    args.push(pack.to_str().unwrap().into());
    args.push(lab_dir().to_str().unwrap().into());
    args.extend(off.iter().cloned());
    let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args_ref);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(pack.join("suggested.toml")).unwrap();
    assert!(written.contains("TODO: what this line means"), "{written}");

    for command in ["validate", "test"] {
        let out = run(&["rules", command, pack.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "rules {command}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let mut args: Vec<String> = vec!["check".into(), "--format".into(), "json".into()];
    args.extend(["--rules".into(), pack.to_str().unwrap().into()]);
    args.push(log.to_str().unwrap().into());
    args.extend(off);
    let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args_ref);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings: Vec<(String, u64)> = report["files"][0]["sessions"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        findings
            .iter()
            .any(|(rule, line)| rule.starts_with("suggested-") && *line == 8),
        "{findings:?}"
    );
}

#[test]
fn a_healthy_batch_gives_nothing_to_suggest() {
    let logs: Vec<PathBuf> = [
        "debian12-itools-healthy-poweroff.log",
        "debian12-itools-reboot-then-poweroff.log",
        "debian12-grub-healthy-reboot-poweroff.log",
    ]
    .map(lab)
    .into();
    let paths: Vec<&Path> = logs.iter().map(PathBuf::as_path).collect();
    let found = suggest(&paths, &[]);
    assert_eq!(found["unexplained_sessions"], 0);
    assert!(found["suggestions"].as_array().unwrap().is_empty());

    let mut args = vec!["suggest"];
    args.extend(logs.iter().map(|p| p.to_str().unwrap()));
    let out = run(&args);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("nothing to suggest"), "{text}");
}

#[test]
fn every_input_is_accounted_for() {
    let dir = scratch_dir("suggest", "accounted");
    // a folder's note is sniffed and skipped (a file named on the command line would be checked)
    let folder = dir.0.join("ticket");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("notes.txt"), "meeting notes, nothing to see\n").unwrap();
    let missing = dir.0.join("absent.log");
    let out = run(&[
        "suggest",
        "--format",
        "json",
        folder.to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "an unreadable input is exit 3");
    let found: Value = serde_json::from_slice(&out.stdout).unwrap();
    let unchecked = found["unchecked"].as_array().unwrap();
    assert_eq!(unchecked.len(), 2, "{unchecked:?}");
    assert!(unchecked.iter().any(|u| u["unreadable"] == true));
}
