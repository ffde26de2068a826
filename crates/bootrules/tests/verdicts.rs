//! The verdict people read first: the cause before the symptom, and every boot that needs
//! attention, not only the last one (real lab logs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{lab, run};

fn stdout(args: &[&str]) -> String {
    let out = run(args);
    String::from_utf8(out.stdout).expect("UTF-8 report")
}

#[test]
fn the_verdict_names_the_missing_fstab_disk_before_the_emergency_shell() {
    let log = lab("debian12-itools-fstab-missing-disk.log");
    let human = stdout(&["check", log.to_str().unwrap()]);
    let verdict = human.lines().next().unwrap();
    assert!(
        verdict.contains("boot-failed at system-init: Timed out waiting for a device from /etc/fstab (line 701) → local-fs.target failed and systemd switched to emergency mode (line 704)"),
        "{verdict}"
    );
    assert!(
        human.contains(
            "CAUSE    fstab-device-timeout (line 701) → fstab-mount-dependency-failed (line 703) → emergency-local-fs-failed (line 704)"
        ),
        "{human}"
    );

    let json = stdout(&["check", "--format", "json", log.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let session = &doc["files"][0]["sessions"][0];
    let cause = session["cause"].as_u64().unwrap() as usize;
    assert_eq!(session["findings"][cause]["rule"], "fstab-device-timeout");
    let chain: Vec<&str> = session["cause_chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            session["findings"][i.as_u64().unwrap() as usize]["rule"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        chain,
        [
            "fstab-device-timeout",
            "fstab-mount-dependency-failed",
            "emergency-local-fs-failed"
        ]
    );

    let markdown = stdout(&["check", "--format", "markdown", log.to_str().unwrap()]);
    assert!(
        markdown.contains("| boot-failed | system-init | `fstab-device-timeout`: "),
        "{markdown}"
    );
    let csv = stdout(&["check", "--format", "csv", log.to_str().unwrap()]);
    assert!(csv.contains(",fstab-device-timeout,error,701,ok,"), "{csv}");
}

#[test]
fn a_wrong_root_uuid_is_told_by_the_wait_for_the_root_not_by_the_rescue_shell() {
    let log = lab("debian12-itools-wrong-root-uuid.log");
    let verdict = stdout(&["check", log.to_str().unwrap()]);
    let verdict = verdict.lines().next().unwrap();
    assert!(
        verdict.contains("The initramfs gave up waiting for the root device (line 432) → The initramfs dropped to a rescue shell"),
        "{verdict}"
    );
}

#[test]
fn a_failure_with_nothing_before_it_is_its_own_cause() {
    let log = lab("debian12-noinitrd-virtio-root-panic.log");
    let json = stdout(&["check", "--format", "json", log.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let session = &doc["files"][0]["sessions"][0];
    let cause = session["cause"].as_u64().unwrap() as usize;
    assert_eq!(
        session["findings"][cause]["rule"],
        "kernel-panic-vfs-unable-to-mount-root"
    );
}

#[test]
fn a_healthy_boot_has_no_cause() {
    let log = lab("debian12-itools-healthy-poweroff.log");
    let json = stdout(&["check", "--format", "json", log.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    for session in doc["files"][0]["sessions"].as_array().unwrap() {
        assert!(session.get("cause").is_none(), "{session}");
        assert!(session.get("cause_chain").is_none(), "{session}");
    }
}

#[test]
fn a_hung_shutdown_before_a_good_boot_still_needs_attention() {
    let log = lab("debian12-itools-hung-shutdown-forced-off-reboot.log");
    let human = stdout(&["check", log.to_str().unwrap()]);
    let verdict = human.lines().next().unwrap();
    assert!(
        verdict.contains("booted at login; earlier: session 1 shutdown-stalled — Shutdown began but the VM never powered off or restarted (line 979)"),
        "{verdict}"
    );

    let healthy = lab("debian12-itools-healthy-poweroff.log");
    let both = stdout(&["check", log.to_str().unwrap(), healthy.to_str().unwrap()]);
    assert!(
        both.contains("verdicts (last session of each file): booted 1, powered-off 1"),
        "{both}"
    );
    assert!(
        both.contains("worst session of each file: powered-off 1, shutdown-stalled 1"),
        "{both}"
    );

    let html = stdout(&[
        "check",
        "--format",
        "html",
        log.to_str().unwrap(),
        healthy.to_str().unwrap(),
    ]);
    assert!(
        html.contains("1 of 2 files needs attention"),
        "attention table"
    );
    assert!(
        html.contains("earlier: session 1 shutdown-stalled — Shutdown began but the VM never powered off or restarted (line 979)"),
        "why column"
    );
}

#[test]
fn a_log_of_healthy_boots_only_says_nothing_about_earlier_ones() {
    let log = lab("debian12-itools-reboot-then-poweroff.log");
    let verdict = stdout(&["check", log.to_str().unwrap()]);
    assert!(!verdict.contains("earlier:"), "{verdict}");
}

/// Each session's outcome, last stage and rules, from the JSON report of `path`.
fn verdicts(path: &std::path::Path) -> Vec<(String, String, Vec<String>)> {
    let out = run(&["check", "--format", "json", path.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    doc["files"][0]["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| {
            let mut rules: Vec<String> = s["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| f["rule"].as_str().unwrap_or_default().to_owned())
                .collect();
            rules.sort();
            (s["outcome"].to_string(), s["last_stage"].to_string(), rules)
        })
        .collect()
}

/// A log pasted into a mail reply (`> `), or as `cat -n` or `grep -n ''` print it, or relayed
/// line by line in a runtime's logfmt messages (`time=… msg="…"`), reads as the log itself.
#[test]
fn a_quoted_or_numbered_paste_reads_as_the_log() {
    let dir = common::scratch_dir("verdicts", "pasted");
    for name in [
        "debian12-dracut-wrong-root-uuid.log",
        "debian12-grub-rescue-normal-mod-missing.log",
        "debian12-itools-init-bin-false-panic.log",
        "debian12-itools-fstab-missing-disk.log",
    ] {
        let log = lab(name);
        let text = std::fs::read_to_string(&log).unwrap();
        let pastes = [
            (
                "quoted",
                text.lines().map(|l| format!("> {l}\n")).collect::<String>(),
            ),
            (
                "cat-n",
                text.lines()
                    .enumerate()
                    .map(|(i, l)| format!("{:6}\t{l}\n", i + 1))
                    .collect(),
            ),
            (
                "grep-n",
                text.lines()
                    .enumerate()
                    .map(|(i, l)| format!("{}:{l}\n", i + 1))
                    .collect(),
            ),
            (
                "logfmt",
                text.lines()
                    .map(|l| {
                        format!("time=\"2024-01-02T03:04:05Z\" level=info msg=\"{}\\n\" name=kata-proxy source=agent\n", go_quoted(l))
                    })
                    .collect(),
            ),
        ];
        let original = verdicts(&log);
        for (kind, paste) in pastes {
            let path = dir.0.join(format!("{kind}-{name}"));
            std::fs::write(&path, paste).unwrap();
            assert_eq!(verdicts(&path), original, "{kind} paste of {name}");
        }
    }
}

/// The inside of a Go-quoted string, as logfmt writes a value: quotes, backslashes and control
/// characters escaped.
fn go_quoted(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' => format!("\\{c}"),
            '\r' => "\\r".to_owned(),
            '\t' => "\\t".to_owned(),
            c if c.is_control() => format!("\\x{:02x}", c as u32),
            c => c.to_string(),
        })
        .collect()
}
