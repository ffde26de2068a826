//! The timeline and the HTML report on real logs: what a person sees, and that log text can
//! never become markup.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use serde_json::Value;

use common::{bin, lab, run};

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn sessions(path: &Path) -> Vec<Value> {
    let out = run(&["check", "--format", "json", path.to_str().unwrap()]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    doc["files"][0]["sessions"].as_array().unwrap().clone()
}

/// debian12-dracut-wrong-root-uuid.log: dracut waits for a root disk that never appears,
/// 50 s without a kernel line before its initqueue timeout, then emergency mode.
#[test]
fn a_stalled_boot_shows_where_it_sat_and_why() {
    let sessions = sessions(&lab("debian12-dracut-wrong-root-uuid.log"));
    let timeline = &sessions[0]["timeline"];
    let end = &timeline["end"];
    assert_eq!(end["from"], "initramfs");
    assert!(end["slow"].as_bool().unwrap());
    assert!(end["seconds"].as_f64().unwrap() > 120.0);
    assert_eq!(end["pause"]["line"], 466);
    assert!(end["pause"]["seconds"].as_f64().unwrap() > 50.0);
    let rules: Vec<&str> = end["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"dracut-initqueue-timeout"), "{rules:?}");
    let tail = timeline["tail"].as_array().unwrap();
    assert_eq!(tail.last().unwrap()["line"], 584);
    // Every gap has a known length or an explicit null, never a negative one.
    for gap in timeline["gaps"].as_array().unwrap() {
        assert!(gap["seconds"].is_null() || gap["seconds"].as_f64().unwrap() >= 0.0);
    }
}

/// debian12-grub-healthy-reboot-poweroff.log: the first boot spends 22 s from the kernel to
/// the initramfs, the second 9.8 s. With the two boots swapped, the slow one comes after the
/// fast one and is called out (a boot is compared with the boots before it).
#[test]
fn a_boot_slower_than_the_files_earlier_boot_is_called_out() {
    let path = lab("debian12-grub-healthy-reboot-poweroff.log");
    let original = sessions(&path);
    assert!(original.iter().all(|s| s["timeline"]["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g.get("slower_than_usual").is_none())));
    let second = original[1]["start_line"].as_u64().unwrap() as usize;
    let text = std::fs::read(&path).unwrap();
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    let swapped: Vec<u8> = [&lines[second - 1..], &lines[..second - 1]]
        .concat()
        .concat();
    let dir = tempfile::tempdir().unwrap();
    let swapped_path = dir.path().join("swapped.log");
    std::fs::write(&swapped_path, swapped).unwrap();

    let sessions = sessions(&swapped_path);
    let gap = sessions[1]["timeline"]["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["from"] == "kernel" && g["to"] == "initramfs")
        .unwrap()
        .clone();
    assert_eq!(gap["slower_than_usual"]["sessions"], 1);
    let human = stdout(&run(&["check", swapped_path.to_str().unwrap()]));
    assert!(
        human.contains("SLOWER") && human.contains("kernel -> initramfs took 22.8 s"),
        "the readable report calls the slow boot out"
    );
}

#[test]
fn the_timeline_command_lists_stages_gaps_and_last_lines() {
    let out = run(&[
        "timeline",
        lab("debian12-itools-fstab-missing-disk.log")
            .to_str()
            .unwrap(),
    ]);
    assert!(out.status.success());
    let text = stdout(&out);
    for expected in [
        "timeline (kernel seconds)",
        "initramfs",
        "end of log",
        "finding line 701: fstab-device-timeout",
        "last lines:",
        "722 | Press Enter to continue.",
    ] {
        assert!(text.contains(expected), "missing {expected:?}");
    }
    let same = stdout(&run(&[
        "check",
        "--timeline",
        lab("debian12-itools-fstab-missing-disk.log")
            .to_str()
            .unwrap(),
    ]));
    assert_eq!(text, same);
}

fn html(args: &[&str]) -> String {
    let mut all = vec!["check", "--format", "html"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert_eq!(out.status.code(), Some(0));
    stdout(&out)
}

#[test]
fn the_html_report_puts_the_failed_boots_first_with_their_timelines() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/lab/logs");
    let page = html(&[dir.to_str().unwrap()]);
    assert!(page.starts_with("<!DOCTYPE html>"));
    // The attention table comes before everything else and names the failed boots.
    let attention = page.find("need attention").unwrap();
    let files = page.find(r#"id="files""#).unwrap();
    assert!(attention < files);
    let table = &page[attention..files];
    assert!(table.contains("debian12-dracut-wrong-root-uuid.log"));
    assert!(table.contains(r#"<span class="badge o-boot-failed">boot-failed</span>"#));
    assert!(!table.contains("debian12-itools-healthy-poweroff.log"));
    // One timeline drawing per session with stages.
    let sessions = page.matches(r#"<section class="session""#).count();
    assert!(sessions >= 24);
    assert!(page.matches(r#"<svg class="timeline""#).count() >= sessions - 1);
    // Evidence comes with the lines around it, the evidence line marked.
    assert!(page.contains(r#"<mark><span class="ln">715</span>You are in emergency mode."#));
    assert!(page.contains(r#"<span class="ln">714</span>"#));
    // Nothing is fetched: no external scripts, styles, images or fonts.
    for fetch in ["<link", " src=", "@import", "url(http"] {
        assert!(!page.contains(fetch), "the page fetches something: {fetch}");
    }
}

#[test]
fn markup_in_a_log_is_shown_as_text() {
    let log = "[    0.000000] Linux version 6.1.0 (x) #1 SMP\n\
               [    1.000000] <script>alert('owned')</script> <img src=x onerror=alert(1)>\n\
               [    2.000000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0) <b>bold</b>\n";
    let mut child = bin()
        .args(["check", "--format", "html", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(log.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let page = stdout(&out);
    assert!(!page.contains("<script>alert"));
    assert!(!page.contains("<img"));
    assert!(!page.contains("<b>bold"));
    assert!(page.contains("&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;"));
    // Standard input gets its context lines too.
    assert!(page.contains(r#"<span class="ln">2</span>"#));
    assert_eq!(page.matches("<script>").count(), 1, "only the print helper");
}

/// The shared corpus, when present: every file appears with its verdict.
#[test]
fn the_html_report_of_the_shared_corpus_names_every_file() {
    let Some(shared) = test_support::shared_corpus() else {
        return;
    };
    let corpus = shared.join("logs");
    let page = html(&[corpus.to_str().unwrap()]);
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(page.contains(&name), "{name} is missing from the page");
    }
    assert!(page.contains("rpi-lava-vfs-root-panic-3attempts.log"));
    assert!(page.contains("Most common signatures"));
}
