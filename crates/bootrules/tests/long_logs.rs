//! A VM's serial log can hold thousands of boots in one file. Such a log is written out
//! session by session as it is read; what comes out must be what a whole report would say,
//! in every format, in input order, whichever worker finishes first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use bootrules::scan::{scan_into, Limits};
use serde_json::Value;

use common::run;

fn lab_logs() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/lab/logs");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// A serial log of `boots` lab boots one after another, and a short one beside it.
fn folder(boots: usize) -> tempfile::TempDir {
    let logs = lab_logs();
    let dir = tempfile::tempdir().unwrap();
    let long: Vec<u8> = (0..boots)
        .flat_map(|i| logs[i % logs.len()].clone())
        .collect();
    std::fs::write(dir.path().join("a-short.log"), &logs[0]).unwrap();
    std::fs::write(dir.path().join("b-long.log"), &long).unwrap();
    std::fs::write(dir.path().join("c-long-too.log"), &long).unwrap();
    std::fs::write(dir.path().join("d-short.log"), &logs[1]).unwrap();
    dir
}

fn whole_reports(dir: &Path) -> Vec<Value> {
    let pack = bootrules_rules::default_pack().unwrap();
    let limits = Limits {
        member_bytes: u64::MAX,
        members: usize::MAX,
        archive_bytes: u64::MAX,
        ratio: u64::MAX,
        context: 0,
        all_text: false,
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    names
        .iter()
        .flat_map(|p| {
            let mut reports = Vec::new();
            let input = bootrules::inputs::Input::File(p.clone());
            scan_into(&pack, &input, limits, &mut reports);
            reports
        })
        .map(|r| serde_json::to_value(r).unwrap())
        .collect()
}

#[test]
fn a_long_log_streams_to_the_same_file_objects_in_order() {
    let dir = folder(100);
    let path = dir.path().to_str().unwrap();
    let expected = whole_reports(dir.path());
    let long_sessions = expected[1]["sessions"].as_array().unwrap().len();
    assert!(
        long_sessions > 64,
        "the long log has {long_sessions} sessions"
    );

    for jobs in ["1", "2", "4"] {
        let out = run(&["check", "--format", "jsonl", "--jobs", jobs, path]);
        let lines: Vec<Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), expected.len(), "--jobs {jobs}");
        for (got, want) in lines.iter().zip(&expected) {
            assert!(got == want, "--jobs {jobs}: {} differs", want["path"]);
        }

        let out = run(&["check", "--format", "json", "--jobs", jobs, path]);
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            doc["files"].as_array().unwrap() == &expected,
            "--jobs {jobs}"
        );
        assert_eq!(
            doc["summary"]["sessions"].as_u64().unwrap() as usize,
            expected
                .iter()
                .map(|f| f["sessions"].as_array().unwrap().len())
                .sum::<usize>()
        );
    }
}

#[test]
fn a_long_log_in_the_human_report_ends_with_its_verdict() {
    let dir = folder(80);
    let long = dir.path().join("b-long.log");
    let out = run(&["check", long.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    let verdict_line = text
        .lines()
        .rfind(|l| l.starts_with(long.to_str().unwrap()))
        .unwrap();
    assert!(verdict_line.contains("sessions]"), "{verdict_line}");
    assert!(text.contains("  session 80 "), "every session is listed");
    assert!(text.contains("checked 1 file (0 unreadable, 0 skipped), 8"));

    let out = run(&["check", "--format", "csv", long.to_str().unwrap()]);
    let rows = String::from_utf8(out.stdout).unwrap().lines().count();
    let sessions = whole_reports(dir.path())[1]["sessions"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(rows, sessions + 1, "a header and a row per session");
}

#[test]
fn a_long_log_cut_short_keeps_its_sessions_and_says_why() {
    let logs = lab_logs();
    let long: Vec<u8> = (0..100)
        .flat_map(|i| logs[i % logs.len()].clone())
        .collect();
    // A .gz cut in the middle: the sessions before the cut are written, then the error.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, &long).unwrap();
    let gz = encoder.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.log.gz");
    std::fs::write(&cut, &gz[..gz.len() * 3 / 4]).unwrap();

    let out = run(&["check", "--format", "jsonl", cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "unreadable input");
    let file: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(file["status"], "error");
    assert!(file["error"].as_str().unwrap().starts_with("cannot read"));
    assert!(file["sessions"].as_array().unwrap().len() >= 64);
}

#[test]
fn huge_logs_checked_side_by_side_come_out_whole_and_in_order() {
    // More boots than a worker gathers before it waits for its turn (8192); the first log is
    // the longest, so the worker on the second one reaches that limit while it is not written.
    let boot = "SeaBIOS (version 1.16.0)\n[    0.000000] Linux version 6.1.0 (gcc)\n[    1.000000] Run /init as init process\n";
    let boots = [24_000, 8500, 8500];
    let dir = tempfile::tempdir().unwrap();
    for (name, count) in ["a.log", "b.log", "c.log"].iter().zip(boots) {
        std::fs::write(dir.path().join(name), boot.repeat(count)).unwrap();
    }
    let path = dir.path().to_str().unwrap();
    let one = run(&["check", "--format", "jsonl", "--jobs", "1", path]).stdout;
    let lines: Vec<Value> = String::from_utf8(one.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for (line, count) in lines.iter().zip(boots) {
        assert_eq!(line["sessions"].as_array().unwrap().len(), count);
    }
    for jobs in ["2", "3"] {
        let out = run(&["check", "--format", "jsonl", "--jobs", jobs, path]).stdout;
        assert!(out == one, "--jobs {jobs} differs from --jobs 1");
    }
}
