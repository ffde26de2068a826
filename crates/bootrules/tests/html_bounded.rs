//! `--format html` on a log of many boots: the page shows the boots that need attention (up
//! to a limit) and the last one, counts the rest, and stays small.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;

const BOOT: &str = "[    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)\n\
[    1.000000] Run /init as init process\n\
[  OK  ] Reached target Multi-User System.\n\
bootlab login: \n\
[   60.000000] reboot: Restarting system\n";

const PANIC: &str =
    "[    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)\n\
[    1.000000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n";

#[test]
fn a_page_of_twenty_thousand_boots_shows_the_failures_and_counts_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("many.log");
    let text: String = (0..20_000)
        .map(|i| if i % 100 == 7 { PANIC } else { BOOT })
        .collect();
    fs::write(&log, &text).unwrap();
    let page = tmp.path().join("report.html");
    let out = common::run(&[
        "check",
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    let html = fs::read_to_string(&page).unwrap();
    // 200 failed boots, of which 20 are shown, and the last boot
    assert_eq!(html.matches(r#"<section class="session""#).count(), 21);
    assert!(
        html.contains("19979 more sessions not shown (180 boot-failed, 19799 rebooted"),
        "{}",
        &html[html.find("omitted").unwrap_or(0)..][..300]
    );
    assert!(html.contains("20000 sessions; the last one is <strong>rebooted</strong>"));
    // the whole page is a fraction of the log, not a multiple of it
    assert!(
        html.len() < text.len() / 4,
        "page {} bytes, log {}",
        html.len(),
        text.len()
    );
}

/// An archive of many small logs: past the page's limit, files are only counted, so the page
/// does not grow with the sessions of a whole batch.
#[test]
fn a_page_of_many_files_shows_at_most_its_limit_of_sessions() {
    const MEMBERS: usize = 2_600;
    const PAGE: usize = 2_000;
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("many.tar.gz");
    let file = fs::File::create(&archive).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for i in 0..MEMBERS {
        let mut header = tar::Header::new_gnu();
        header.set_size(BOOT.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("vm{i:05}.log"), BOOT.as_bytes())
            .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
    let page = tmp.path().join("report.html");
    let out = common::run(&[
        "check",
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
        archive.to_str().unwrap(),
    ]);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    let html = fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches(r#"<section class="session""#).count(), PAGE);
    // every member is still on the page, the last ones counted
    assert_eq!(
        html.matches("1 more session not shown (1 rebooted").count(),
        MEMBERS - PAGE
    );
    assert!(html.contains("vm02599.log"));
}
