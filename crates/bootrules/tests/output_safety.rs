//! What bootrules writes stays safe: `--output` never replaces a device or a link, keeps the
//! mode of the file it replaces and honours the umask.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;

use common::run;

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn dir(name: &str) -> Dir {
    let path = std::env::temp_dir().join(format!("bootrules-out-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).unwrap();
    Dir(path)
}

const BANNER: &str =
    "[    0.000000] Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org) (gcc-12)\n";

/// A short log whose one session fails: enough for a report of a few lines.
fn small_log(root: &Path) -> PathBuf {
    let path = root.join("serial.log");
    let text = format!(
        "{BANNER}[    2.000000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn check_to(output: &Path, log: &Path) -> Output {
    run(&[
        "check",
        "--output",
        output.to_str().unwrap(),
        log.to_str().unwrap(),
    ])
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// --- `--output` never replaces what is not a regular file ---

/// As root, `-o /dev/null` used to rename a regular file over the device node.
#[test]
fn output_to_dev_null_leaves_it_a_character_device() {
    let d = dir("devnull");
    let log = small_log(&d.0);
    let out = check_to(Path::new("/dev/null"), &log);
    assert!(out.status.success(), "{}", stderr(&out));
    let meta = std::fs::symlink_metadata("/dev/null").unwrap();
    assert!(meta.file_type().is_char_device(), "/dev/null was replaced");
}

/// The same with a device node of our own (as root), so the case can be shown against a
/// build that still renames over it without harming the system's /dev/null.
#[test]
fn output_to_a_character_device_writes_through_it() {
    let d = dir("chardev");
    let log = small_log(&d.0);
    let node = d.0.join("null");
    let made = std::process::Command::new("mknod")
        .arg(&node)
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!(
            "skipped: mknod needs root; output_to_dev_null_leaves_it_a_character_device covers it"
        );
        return;
    }
    let out = check_to(&node, &log);
    assert!(out.status.success(), "{}", stderr(&out));
    let meta = std::fs::symlink_metadata(&node).unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "the device node was replaced"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&d.0)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().as_bytes().starts_with(b".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// A symbolic link used to be replaced by the report. It is refused: the report would land
/// wherever a link planted in a shared folder points.
#[test]
fn output_to_a_symbolic_link_is_refused_and_both_stay_as_they_were() {
    let d = dir("symlink");
    let log = small_log(&d.0);
    let target = d.0.join("elsewhere.txt");
    std::fs::write(&target, "not a report\n").unwrap();
    let link = d.0.join("report.txt");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = check_to(&link, &log);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("symbolic link"), "{err}");
    assert!(
        err.contains("elsewhere.txt"),
        "the message names the target: {err}"
    );
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "not a report\n");
}

/// A report that replaces a private file stays private (it used to become 0644).
#[test]
fn output_keeps_the_mode_of_the_file_it_replaces() {
    let d = dir("mode");
    let log = small_log(&d.0);
    let target = d.0.join("report.txt");
    std::fs::write(&target, "old report\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = check_to(&target, &log);
    assert!(out.status.success(), "{}", stderr(&out));
    let mode = std::fs::metadata(&target).unwrap().permissions().mode();
    assert_eq!(mode & 0o7777, 0o600);
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains("boot-failed"), "{text}");
}

/// A new report gets `0666 & !umask` like any file a program creates (it was always 0644).
#[test]
fn a_new_output_file_honours_the_umask() {
    let d = dir("umask");
    let log = small_log(&d.0);
    for (umask, expected) in [("077", 0o600), ("002", 0o664)] {
        let target = d.0.join(format!("report-{umask}.txt"));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                r#"umask {umask}; exec "$0" check --output "$1" "$2""#
            ))
            .arg(env!("CARGO_BIN_EXE_bootrules"))
            .arg(&target)
            .arg(&log)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o7777, expected, "umask {umask}");
    }
}

/// A directory is refused with a message, not replaced or half-written into.
#[test]
fn output_to_a_directory_is_refused() {
    let d = dir("directory");
    let log = small_log(&d.0);
    let target = d.0.join("reports");
    std::fs::create_dir(&target).unwrap();
    let out = check_to(&target, &log);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
    assert!(target.is_dir());
}
