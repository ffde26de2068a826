//! Text that is not a console log (notes, source, command output, the tool's own reports) is
//! skipped with the reason, and no console log is ever skipped: the fixtures, the shared corpus
//! and a 15-line excerpt of a boot stay checked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{lab, run, scratch_dir};
use serde_json::Value;

/// Every file object of `check --format jsonl` over `paths`, by file name.
fn statuses(extra: &[&str], paths: &[&Path]) -> Vec<(String, String, Option<String>)> {
    let mut args = vec!["check", "--format", "jsonl"];
    args.extend_from_slice(extra);
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    args.extend(shown.iter().map(String::as_str));
    let out = run(&args);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            let name = Path::new(v["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let reason = v["reason"].as_str().map(str::to_owned);
            (name, v["status"].as_str().unwrap().to_owned(), reason)
        })
        .collect()
}

#[test]
fn notes_source_command_output_and_reports_are_skipped_and_an_excerpt_is_not() {
    let dir = scratch_dir("not-console", "mixed");
    let log = lab("debian12-itools-fstab-missing-disk.log");
    let log_arg = log.to_str().unwrap();
    for (format, name) in [
        ("human", "report.txt"),
        ("json", "report.json"),
        ("jsonl", "report.jsonl"),
        ("csv", "report.csv"),
        ("markdown", "report.md"),
        ("html", "report.html"),
    ] {
        let out = run(&["check", "--format", format, log_arg]);
        std::fs::write(dir.0.join(name), out.stdout).unwrap();
    }
    let timeline = run(&["timeline", log_arg]);
    std::fs::write(dir.0.join("timeline.txt"), timeline.stdout).unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    let excerpt = text
        .lines()
        .skip(689)
        .take(15)
        .collect::<Vec<_>>()
        .join("\n");
    // (name, text, whether it is checked as a console log)
    let samples: [(&str, &str, bool); 14] = [
        (
            "customer-notes.txt",
            "Hi team,\nthe VM did not come back after Tuesday's reboot; the portal shows it running.\nThanks\n",
            false,
        ),
        ("one-line.txt", "see attached\n", false),
        (
            "parse.rs",
            "// reads the banner\nfn banner() -> &'static str {\n    \"[    0.000000] Linux version 6.1.0\"\n}\n",
            false,
        ),
        (
            "df.txt",
            "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda1        30G   12G   18G  41% /\ntmpfs           1.9G     0  1.9G   0% /dev/shm\n",
            false,
        ),
        ("excerpt.log", &excerpt, true),
        ("empty.log", "", true),
        // a call trace pasted without the kernel's timestamps or its header
        (
            "trace.txt",
            "Call Trace:\n <TASK>\n dump_stack_lvl+0x44/0x5c\n ? do_syscall_64+0x5d/0xb0\n",
            true,
        ),
        // a paste that lost systemd's ESC characters (Microsoft Learn, an Ubuntu boot on Azure)
        (
            "lost-escapes.log",
            "[ [0;32m  OK   [0m] Reached target Swap.\n[ [0;32m  OK   [0m] Reached target Login Prompts.\n",
            true,
        ),
        // RancherOS' init prints a blank timestamp (a public EC2 console: it is not a JSON array)
        (
            "blank-stamps.log",
            "[            ] init:info: Loading images from /usr/share/ros/images.tar\n[   18.525102] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n",
            true,
        ),
        ("empty-array.json", "[ ]\n", false),
        // U-Boot loading a kernel (Launchpad bug 1900796, an HPE m400 arm64 board)
        (
            "uboot.log",
            "## Booting kernel from Legacy Image at 4002000000 ...\n   Image Name:   kernel 5.4.0-56-generic\n   Verifying Checksum ... OK\n",
            true,
        ),
        // a note in markdown whose headings are not U-Boot's
        (
            "notes.md",
            "## Steps to reproduce\n\nReboot the VM from the portal.\n\n## Expected\n\nIt comes back.\n",
            false,
        ),
        // NixOS' stage 1 banner, which begins with `<` (an EC2 console in a public issue thread)
        (
            "nixos-stage1.log",
            "<<< NixOS Stage 1 >>>\nloading module xen-blkfront...\nmodprobe: ERROR: could not insert 'xen_blkfront': No such device\n",
            true,
        ),
        // labels of a ticket's logs, quoting their lines in TOML strings
        (
            "labels.toml",
            "[[log]]\nfile = \"serial.log\"\nevidence = \"line 17 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)'\"\nexpect_categories = [\"kernel-panic\"]\n",
            false,
        ),
    ];
    for (name, text, _) in &samples {
        std::fs::write(dir.0.join(name), text).unwrap();
    }

    let found = statuses(&[], &[&dir.0]);
    // the six reports and the timeline, then the samples
    assert_eq!(found.len(), 7 + samples.len(), "{found:?}");
    for (name, status, reason) in &found {
        let checked = samples.iter().any(|(n, _, checked)| n == name && *checked);
        if checked {
            assert_eq!(status, "ok", "{name} is checked");
        } else {
            assert_eq!(status, "skipped", "{name} is not a console log");
            assert!(
                reason
                    .as_deref()
                    .unwrap()
                    .starts_with("not a console log: "),
                "{name}: {reason:?}"
            );
        }
    }

    // --all-text checks them all.
    let forced = statuses(&["--all-text"], &[&dir.0]);
    assert!(
        forced.iter().all(|(_, status, _)| status == "ok"),
        "{forced:?}"
    );
}

#[test]
fn no_console_log_of_the_fixtures_or_the_shared_corpus_is_skipped() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut dirs = vec![
        root.join("tests/fixtures/lab/logs"),
        root.join("tests/fixtures/corpus/logs"),
    ];
    if let Some(shared) = test_support::shared_corpus() {
        dirs.push(shared.join("logs"));
        dirs.push(shared.join("lab/logs"));
    }
    let paths: Vec<&Path> = dirs.iter().map(|d| d.as_path()).collect();
    let found = statuses(&[], &paths);
    assert!(found.len() >= 24, "{found:?}");
    let skipped: Vec<_> = found.iter().filter(|(_, s, _)| s != "ok").collect();
    assert!(skipped.is_empty(), "{skipped:?}");
}

#[test]
fn a_cloud_consoles_json_dump_is_checked_as_its_console_text() {
    let dir = scratch_dir("not-console", "json-dumps");
    let log = lab("debian12-itools-fstab-missing-disk.log");
    let text = std::fs::read_to_string(&log).unwrap();
    // `aws ec2 get-console-output` and `gcloud compute instances get-serial-port-output
    // --format=json`, as attached to tickets
    let aws = serde_json::json!({"InstanceId": "i-0abc", "Timestamp": "2026-01-01T00:00:00Z", "Output": text});
    let gce = serde_json::json!({"contents": text, "next": "65536", "start": "0"});
    std::fs::write(
        dir.0.join("aws.json"),
        serde_json::to_string_pretty(&aws).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.0.join("gce.json"), gce.to_string()).unwrap();
    let sessions = |path: &Path| {
        let out = run(&["check", "--format", "json", path.to_str().unwrap()]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["files"][0]["sessions"].clone()
    };
    let want = sessions(&log);
    assert!(want.as_array().is_some_and(|s| !s.is_empty()));
    for name in ["aws.json", "gce.json"] {
        assert_eq!(sessions(&dir.0.join(name)), want, "{name}");
    }
}

#[test]
fn a_file_named_on_the_command_line_is_checked_whatever_it_shows() {
    let dir = scratch_dir("not-console", "named");
    // a VM runtime's own console (OrbStack's init) that no stage or signature knows
    let text = "🐧 system |  [*] Booting OrbStack  (+0ms)\n🐧 system |  [*] Network  (+1ms)\n";
    let folder = dir.0.join("ticket");
    std::fs::create_dir(&folder).unwrap();
    let file = folder.join("console.txt");
    std::fs::write(&file, text).unwrap();
    // found in a folder it is sniffed and skipped; named, it is checked
    assert_eq!(statuses(&[], &[&folder])[0].1, "skipped");
    assert_eq!(statuses(&[], &[&file])[0].1, "ok");
}
