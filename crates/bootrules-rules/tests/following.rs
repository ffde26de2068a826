//! The default pack driven a line at a time, as `bootrules watch` drives it: the findings a
//! line settles are told once, a provisional verdict leaves the session open, and the session
//! that finally closes is the one `check` gives for the same lines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bootrules_core::{check_bytes, Checker, Outcome, RuleSet, Session};
use bootrules_rules::{default_sources, load, Pack};

const LINES: &[&str] = &[
    "SeaBIOS (version 1.16.3-debian-1.16.3-2)",
    "[    0.000000] Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org) #1 SMP",
    "[    1.250000] Run /init as init process",
    "[    2.100000] VFS: Cannot open root device \"vda9\" or unknown-block(0,0): error -6",
    "[    2.100100] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)",
    "[    2.100200] CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0-50-amd64 #1",
];

fn pack() -> Pack {
    load(&[default_sources()]).expect("the default pack loads")
}

#[test]
fn settled_findings_are_told_once_and_provisional_verdicts_leave_the_session_open() {
    let pack = pack();
    let state = <Pack as RuleSet>::FileState::default();
    let mut closed: Vec<Session> = Vec::new();
    let mut emit = |s: Session| closed.push(s);
    let mut checker = Checker::new(&pack, &state, &mut emit);

    let mut told = Vec::new();
    for (n, line) in LINES.iter().enumerate() {
        checker.line(n as u64 + 1, line.as_bytes());
        for finding in checker.settled_findings() {
            told.push((finding.rule.clone(), finding.line));
        }
        // asking again, with no new line, tells nothing new
        assert!(checker.settled_findings().is_empty());
    }
    let rules: Vec<&str> = told.iter().map(|(rule, _)| rule.as_str()).collect();
    assert!(rules.contains(&"kernel-panic"), "{told:?}");
    let mut unique = told.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), told.len(), "a finding told twice: {told:?}");

    // judged as if the log ended here, twice: the same verdict, and the session stays open
    let first = checker.provisional().expect("a session is open");
    let second = checker.provisional().expect("still open");
    assert_eq!(first, second);
    assert_eq!(first.outcome, Outcome::BootFailed);
    assert_eq!(first.last_stage.as_deref(), Some("initramfs"));
    assert_eq!(checker.closed(), 0);

    checker.finish();
    let whole = check_bytes(&pack, "lines", LINES.join("\n").as_bytes());
    assert_eq!(closed, whole.sessions);
    assert_eq!(closed.last().unwrap().findings, first.findings);
}

/// Every finding the follower tells as the lines arrive, with its severity and category.
fn told_live(pack: &Pack, lines: &[&str]) -> (Vec<(String, String, String)>, Vec<Session>) {
    let state = <Pack as RuleSet>::FileState::default();
    let mut closed: Vec<Session> = Vec::new();
    let mut emit = |s: Session| closed.push(s);
    let mut checker = Checker::new(pack, &state, &mut emit);
    let mut told = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        checker.line(n as u64 + 1, line.as_bytes());
        for f in checker.settled_findings() {
            told.push((f.rule.clone(), f.severity.to_string(), f.category.clone()));
        }
    }
    checker.finish();
    (told, closed)
}

#[test]
fn what_the_end_decides_waits_and_symptoms_are_told_as_reported() {
    let pack = pack();
    // a GRUB error holds only if the kernel never started (`ended-before`): the boot went on
    let (told, closed) = told_live(
        &pack,
        &[
            "GNU GRUB  version 2.06",
            "error: ../../grub-core/kern/disk_common.c:26:attempt to read or write outside of partition.",
            "[  OK  ] Reached target Multi-User System.",
        ],
    );
    assert!(
        told.iter().all(|(rule, ..)| rule != "grub-disk-read-error"),
        "{told:?}"
    );
    assert!(closed[0]
        .findings
        .iter()
        .all(|f| f.rule != "grub-disk-read-error"));

    // a unit that failed after the disk's I/O errors is their symptom: told as a warning at
    // once, as the closed session reports it
    let (told, closed) = told_live(
        &pack,
        &[
            "[   68.8] blk_update_request: I/O error, dev sda, sector 2048 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 0",
            "[FAILED] Failed to start Foo Daemon.",
            "[   70.1] random: crng init done",
        ],
    );
    assert!(
        told.iter()
            .any(|(rule, severity, _)| rule == "systemd-unit-failed" && severity == "warning"),
        "{told:?}"
    );
    let unit = closed[0]
        .findings
        .iter()
        .find(|f| f.rule == "systemd-unit-failed")
        .expect("reported when the session ends");
    assert_eq!(unit.severity.to_string(), "warning");
}
