//! Replays the committed fuzz seed corpus (`fuzz/corpus/<target>/`) through the same code and
//! checks as the fuzz targets in `fuzz/fuzz_targets/`, so CI exercises them on a stable
//! toolchain without libFuzzer. Fuzzing itself: `RUSTC_BOOTSTRAP=1 cargo fuzz run -O <target>`
//! in `fuzz/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use bootrules::scan::{scan_bytes, Limits};
use bootrules_core::{check_bytes, LineReader, Normaliser};
use bootrules_rules::{default_pack, default_sources, load, RuleSource};

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds for {target}");
    files
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect()
}

#[test]
fn reader_seeds() {
    for (_, data) in seeds("reader") {
        let mut reader = LineReader::new(&data[..]).unwrap();
        let mut normaliser = Normaliser::default();
        while let Some(raw) = reader.next_line().unwrap() {
            let line = normaliser.normalise(raw.number, raw.bytes);
            assert!(line.text.len() >= line.message.len());
        }
    }
}

#[test]
fn engine_seeds() {
    let pack = default_pack().unwrap();
    for (path, data) in seeds("engine") {
        let report = check_bytes(&pack, "seed", &data);
        let lines = data.split(|&b| b == b'\n').count() as u64;
        for session in &report.sessions {
            assert!(session.end_line <= lines, "{}", path.display());
            for finding in &session.findings {
                assert!(
                    finding.line >= 1 && finding.line <= lines,
                    "{}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn rules_seeds() {
    let mut loaded = 0;
    for (_, data) in seeds("rules") {
        let text = String::from_utf8_lossy(&data).into_owned();
        let extra = vec![RuleSource {
            path: "seed.toml".into(),
            text: text.into(),
        }];
        // loads, or reports errors that render (a seed naming a .rhai file has none beside it)
        match load(&[default_sources(), extra]) {
            Ok(_) => loaded += 1,
            Err(errors) => errors
                .iter()
                .for_each(|e| assert!(!e.to_string().is_empty())),
        }
    }
    assert!(loaded > 10, "most seeds are valid rule files");
}

#[test]
fn archive_seeds() {
    let pack = default_pack().unwrap();
    let limits = Limits {
        context: 0,
        member_bytes: 1 << 20,
        members: 64,
        ..Limits::default()
    };
    for (path, data) in seeds("archive") {
        let reports = scan_bytes(&pack, "seed", &data, limits);
        assert!(!reports.is_empty(), "{}", path.display());
    }
}
