//! Kernel crash reports: each crash yields a finding of its labelled category, and the files
//! that are not crashes yield no `error` or `critical` finding.
//!
//! The syzkaller reports (Apache-2.0) are copied into `tests/fixtures/kernel`; the KernelCI and
//! LAVA ones are read from `../shared/corpus/kernel` when it is there.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use bootrules_core::{check_bytes, Severity};
use bootrules_rules::default_pack;

/// Reports whose label bootrules does not meet, each with the reason. A test fails when one of
/// them starts to agree, so the list cannot go stale.
const KNOWN: &[(&str, &str)] = &[
    ("047-warning-zero-size-vmalloc.txt", WARNING_IS_OTHER),
    ("049-warning-ext4.txt", WARNING_IS_OTHER),
    ("110-ubsan.txt", WARNING_IS_OTHER),
    ("111-ubsan-array-index.txt", WARNING_IS_OTHER),
    ("128-warning-suppressed.txt", WARNING_IS_OTHER),
    ("147-logspec-boot-ubsan.txt", WARNING_IS_OTHER),
    (
        "123-unexpected-reboot.txt",
        "the excerpt starts with a syzkaller program (no kernel output), then a new boot: nothing shows that a boot was running before",
    ),
    ("125-syzfail.txt", SYZKALLER_TOOL),
    ("126-go-runtime-error-suppressed.txt", SYZKALLER_TOOL),
    ("127-syzfail-sigbus-suppressed.txt", SYZKALLER_TOOL),
    (
        "158-lava-bugs.txt",
        "the excerpt holds `BUG: spinlock lockup suspected` lines and the tail of an oops without its end marker, which bootrules reports as kernel-hang",
    ),
];

const WARNING_IS_OTHER: &str = "a kernel WARNING or UBSAN report: the kernel corpus maps it to kernel-panic, the scored boot-log labels map the same lines to other; bootrules follows the boot-log labels (nothing panicked)";
const SYZKALLER_TOOL: &str =
    "a failure of the syzkaller fuzzer's own tools, not console output of a VM";

struct Report {
    file: String,
    category: String,
    crash: bool,
    syzkaller: bool,
}

fn reports(dir: &Path) -> Vec<Report> {
    let text = std::fs::read_to_string(dir.join("LABELS.toml")).expect("labels readable");
    let doc: toml::Table = text.parse().expect("labels are TOML");
    doc["report"]
        .as_array()
        .expect("[[report]] tables")
        .iter()
        .map(|r| Report {
            file: r["file"].as_str().unwrap().to_owned(),
            category: r["category"].as_str().unwrap().to_owned(),
            crash: r.get("crash").and_then(|v| v.as_bool()).unwrap_or(false),
            syzkaller: r["source"]
                .as_str()
                .unwrap()
                .starts_with("google/syzkaller"),
        })
        .collect()
}

/// The console text of a report: syzkaller files start with a header block ending in a blank
/// line, which is the test's metadata, not console output.
fn console_text(bytes: &[u8], syzkaller: bool) -> &[u8] {
    if !syzkaller {
        return bytes;
    }
    bytes
        .windows(2)
        .position(|w| w == b"\n\n")
        .map_or(bytes, |at| &bytes[at + 2..])
}

/// Checks every report in `dir`; returns how many were checked.
fn check_reports(dir: &Path) -> usize {
    let pack = default_pack().expect("default pack loads");
    let reports = reports(dir);
    let mut unexplained = Vec::new();
    let mut agreeing_known = Vec::new();
    for report in &reports {
        let bytes = std::fs::read(dir.join(&report.file)).expect("report readable");
        let result = check_bytes(&pack, &report.file, console_text(&bytes, report.syzkaller));
        let findings: Vec<_> = result.sessions.iter().flat_map(|s| &s.findings).collect();
        let problem = if report.crash {
            (!findings.iter().any(|f| f.category == report.category)).then(|| {
                let found: Vec<_> = findings.iter().map(|f| f.category.as_str()).collect();
                format!("wants {} (found {found:?})", report.category)
            })
        } else {
            let alarms: Vec<_> = findings
                .iter()
                .filter(|f| f.severity >= Severity::Error)
                .map(|f| f.rule.as_str())
                .collect();
            (!alarms.is_empty()).then(|| format!("not a crash, but {alarms:?}"))
        };
        let known = KNOWN.iter().any(|(f, _)| *f == report.file);
        match (problem, known) {
            (Some(problem), false) => unexplained.push(format!("{}: {problem}", report.file)),
            (None, true) => agreeing_known.push(report.file.clone()),
            _ => {}
        }
    }
    assert!(
        unexplained.is_empty(),
        "reports disagree with their labels:\n{}",
        unexplained.join("\n")
    );
    assert!(
        agreeing_known.is_empty(),
        "known disagreements now agree, remove them: {agreeing_known:?}"
    );
    reports.len()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn syzkaller_reports_yield_their_category() {
    assert_eq!(check_reports(&repo().join("tests/fixtures/kernel")), 141);
}

#[test]
fn all_kernel_reports_of_the_shared_corpus_yield_their_category() {
    let Some(corpus) = test_support::shared_corpus() else {
        return;
    };
    let dir = corpus.join("kernel");
    assert_eq!(check_reports(&dir), 166);
}
