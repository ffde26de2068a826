//! The HTML report in a real browser: headless Chromium renders the report of the shared
//! corpus (or of the lab logs shipped in the repo), the rendered DOM must hold the verdicts and
//! the timeline drawings (no label overlapping another or leaving its drawing, as measured in
//! the browser), and a screenshot is kept in `target/test-artifacts/report.png`.
//!
//! Without Chromium the test prints `SKIPPED` (and fails under CI; `.ci/run` installs it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The flags that keep Chromium offline, quiet and independent of any profile.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

fn chromium() -> Option<PathBuf> {
    let fixed = Path::new("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed.to_owned());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs Chromium on `page` with a fresh profile and the extra arguments.
fn chromium_run(browser: &Path, page: &Path, extra: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    Command::new(browser)
        .args(FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs")
}

#[test]
fn the_report_renders_in_chromium() {
    let Some(browser) = chromium() else {
        test_support::missing("no chromium at /usr/bin/chromium or on PATH");
        return;
    };
    let logs = match test_support::shared_corpus() {
        Some(shared) => shared.join("logs"),
        None => repo().join("tests/fixtures/lab/logs"),
    };
    let logs = logs.canonicalize().unwrap();
    let artifacts = repo().join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let page = artifacts.join("report.html");
    let status = Command::new(env!("CARGO_BIN_EXE_bootrules"))
        .args(["check", "--format", "html", "--output"])
        .arg(&page)
        .arg(&logs)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    println!(
        "report of {}: {} bytes",
        logs.display(),
        std::fs::metadata(&page).unwrap().len()
    );

    let started = Instant::now();
    let out = chromium_run(&browser, &page, &["--dump-dom"]);
    println!("chromium --dump-dom took {:.1?}", started.elapsed());
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("need attention"),
        "the attention table is rendered"
    );
    assert!(
        dom.contains(r#"class="badge o-boot-failed""#),
        "a boot-failed verdict is rendered"
    );
    assert!(
        dom.contains(r#"class="badge o-booted""#),
        "a booted verdict is rendered"
    );
    let timelines = dom.matches(r#"<svg class="timeline""#).count();
    assert!(timelines > 10, "{timelines} timeline drawings rendered");
    assert!(dom.contains("<circle"), "stage markers are drawn");

    labels_stay_apart_and_inside_their_drawings(&browser, &page);

    let shot = artifacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let started = Instant::now();
    let out = chromium_run(
        &browser,
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2400",
            "--hide-scrollbars",
        ],
    );
    println!("chromium --screenshot took {:.1?}", started.elapsed());
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).expect("a screenshot was written");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
}

/// Renders a copy of the report with `browser/label_check.js` appended, which measures every
/// text of every timeline drawing as the browser laid it out and writes what it found into the
/// page, read back from the DOM.
fn labels_stay_apart_and_inside_their_drawings(browser: &Path, page: &Path) {
    let script = include_str!("browser/label_check.js");
    let html = std::fs::read_to_string(page).unwrap();
    let measured = page.with_file_name("report-label-check.html");
    let with_script = html.replacen("</body>", &format!("<script>{script}</script></body>"), 1);
    std::fs::write(&measured, with_script).unwrap();
    let out = chromium_run(browser, &measured, &["--dump-dom"]);
    assert!(out.status.success());
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom
        .find(r#"<pre id="label-check">"#)
        .expect("the check ran")
        + 22;
    let found = &dom[start..start + dom[start..].find("</pre>").unwrap()];
    let mut lines = found.lines();
    let labels: usize = lines
        .next()
        .and_then(|l| l.strip_prefix("labels "))
        .and_then(|n| n.parse().ok())
        .expect("a count of labels");
    assert!(labels > 50, "{labels} labels measured");
    let problems: Vec<&str> = lines.collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
