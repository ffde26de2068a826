//! Inputs written to hurt: random bytes, a 200 MB line, NUL floods, mixed encodings, truncated
//! archives, deep folders, a file that grows while it is read, no read permission. Each ends
//! with a clear per-file status and every other file is still reported. (Peak memory is
//! measured with /usr/bin/time in bench/, not asserted here.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use common::Dir;

fn dir(name: &str) -> Dir {
    common::scratch_dir("hostile", name)
}

fn check(paths: &[&Path]) -> (Output, Vec<Value>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bootrules"));
    cmd.args(["check", "--format", "json"]);
    cmd.args(paths);
    let out = cmd.output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON even for hostile input");
    let files = doc["files"].as_array().unwrap().clone();
    (out, files)
}

fn file<'a>(files: &'a [Value], suffix: &str) -> &'a Value {
    files
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("{suffix} missing from the report"))
}

const BANNER: &[u8] =
    b"[    0.000000] Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org) (gcc-12)\n";

#[test]
fn hostile_bytes_each_get_a_clear_status() {
    let d = dir("bytes");
    let root = &d.0;
    // random bytes from a fixed LCG, so the case is the same every run
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let random: Vec<u8> = (0..1 << 20)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 56) as u8
        })
        .collect();
    std::fs::write(root.join("random.bin"), &random).unwrap();
    let mut line = std::fs::File::create(root.join("one-line.log")).unwrap();
    line.write_all(BANNER).unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..200 {
        line.write_all(&chunk).unwrap();
    }
    line.write_all(
        b"\n[    9.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n",
    )
    .unwrap();
    drop(line);
    std::fs::write(root.join("nul-flood.log"), vec![0u8; 50 << 20]).unwrap();
    let mut mixed = BANNER.to_vec();
    mixed.extend_from_slice(b"caf\xe9 latin-1 \xff\xfe and utf-8 caf\xc3\xa9\n");
    for unit in "utf-16 fragment\n".encode_utf16() {
        mixed.extend_from_slice(&unit.to_le_bytes());
    }
    mixed.extend_from_slice(b"\n[    2.0] Run /init as init process\n");
    std::fs::write(root.join("mixed.log"), &mixed).unwrap();
    let mut deep = root.join("deep");
    for level in 0..150 {
        deep = deep.join(format!("d{level}"));
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("serial.log"), BANNER).unwrap();

    let (out, files) = check(&[root]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(files.len(), 5);
    let random = file(&files, "random.bin");
    assert!(
        random["status"] == "skipped" || random["status"] == "ok",
        "{random}"
    );
    let long = file(&files, "one-line.log");
    assert_eq!(long["status"], "ok");
    let session = &long["sessions"][0];
    assert_eq!(session["end_line"], 3, "a 200 MB line is one line");
    assert_eq!(session["findings"][0]["line"], 3);
    assert_eq!(session["outcome"], "boot-failed");
    let nul = file(&files, "nul-flood.log");
    assert_eq!(
        (
            nul["status"].as_str(),
            nul["sessions"].as_array().unwrap().len()
        ),
        (Some("ok"), 0)
    );
    let mixed = file(&files, "mixed.log");
    assert_eq!(mixed["sessions"][0]["last_stage"], "initramfs");
    assert_eq!(
        file(&files, "d149/serial.log")["sessions"][0]["last_stage"],
        "kernel"
    );
}

#[test]
fn truncated_archives_are_errors_and_the_rest_is_reported() {
    let d = dir("truncated");
    let root = &d.0;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("serial.log", zip::write::SimpleFileOptions::default())
        .unwrap();
    for _ in 0..2000 {
        zip.write_all(BANNER).unwrap();
    }
    let zip = zip.finish().unwrap().into_inner();
    std::fs::write(root.join("cut.zip"), &zip[..zip.len() / 2]).unwrap();
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    let body = BANNER.repeat(100);
    header.set_size(body.len() as u64);
    header.set_cksum();
    tar.append_data(&mut header, "serial.log", &body[..])
        .unwrap();
    let tar = tar.into_inner().unwrap();
    std::fs::write(root.join("cut.tar"), &tar[..tar.len() / 3]).unwrap();
    std::fs::write(root.join("fine.log"), BANNER).unwrap();

    let (out, files) = check(&[root]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(file(&files, "cut.zip")["status"], "error");
    let tar_member = files
        .iter()
        .find(|f| f["path"].as_str().unwrap().contains("cut.tar"))
        .unwrap();
    assert_eq!(tar_member["status"], "error", "{}", tar_member["path"]);
    assert!(tar_member["error"]
        .as_str()
        .unwrap()
        .contains("archive ends inside"));
    assert_eq!(file(&files, "fine.log")["status"], "ok");
}

#[test]
fn a_file_that_grows_while_read_is_read_to_the_end_it_had() {
    let d = dir("growing");
    let path = d.0.join("growing.log");
    std::fs::write(&path, BANNER.repeat(10_000)).unwrap();
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(writer_path)
            .unwrap();
        for _ in 0..50 {
            f.write_all(&BANNER.repeat(1000)).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    });
    let (out, files) = check(&[&path]);
    writer.join().unwrap();
    assert!(out.status.success());
    assert_eq!(files[0]["status"], "ok");
    assert!(files[0]["sessions"].as_array().unwrap().len() >= 10_000);
}

#[test]
fn a_file_that_shrinks_while_read_is_reported_as_cut() {
    let d = dir("shrinking");
    let path = d.0.join("rotated.log");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(BANNER).unwrap();
    // 1 GiB of NUL bytes (a sparse file: nothing is written), long enough to read that the
    // file can be cut while bootrules is at it.
    f.set_len(1 << 30).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_bootrules"))
        .args(["check", "--format", "json"])
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Cut the file (as a log rotation by copy and truncate does) as soon as it is open.
    let fds = PathBuf::from(format!("/proc/{}/fd", child.id()));
    let started = std::time::Instant::now();
    'wait: while started.elapsed() < std::time::Duration::from_secs(60) {
        for fd in std::fs::read_dir(&fds).into_iter().flatten().flatten() {
            if std::fs::read_link(fd.path()).is_ok_and(|target| target == path) {
                break 'wait;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    f.set_len(BANNER.len() as u64).unwrap();
    let out = child.wait_with_output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = &doc["files"][0];
    let warnings = file["warnings"].as_array().expect("a warning");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains("shrank while it was read"),
        "{file}"
    );
}

#[test]
fn a_file_without_read_permission_is_an_error() {
    let d = dir("perm");
    let path = d.0.join("locked.log");
    std::fs::write(&path, BANNER).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    if std::fs::File::open(&path).is_ok() {
        test_support::not_here(
            "running as root, which reads any file; permission errors cannot be made here",
        );
        return;
    }
    let (out, files) = check(&[&path]);
    assert_eq!(out.status.code(), Some(3));
    assert!(files[0]["error"]
        .as_str()
        .unwrap()
        .contains("ermission denied"));
}

/// A session's last line whose message is not the end of its text (padding trimmed after a
/// sentence, a logfmt value with escapes) is read back whole, whatever bytes it starts with.
#[test]
fn a_last_line_whose_message_was_trimmed_or_unescaped_is_read_back() {
    let d = dir("last-line");
    let padded = d.0.join("padded.log");
    let mut text = BANNER.to_vec();
    text.extend_from_slice("é. \n".as_bytes());
    std::fs::write(&padded, text).unwrap();
    let relayed = d.0.join("relayed.log");
    let mut text = BANNER.to_vec();
    text.extend_from_slice(br#"time="2024-01-02T03:04:05Z" msg="say \"hi\"" x=1"#);
    std::fs::write(&relayed, text).unwrap();
    // a panic would leave no JSON report
    let (_, files) = check(&[&padded, &relayed]);
    for name in ["padded.log", "relayed.log"] {
        let f = file(&files, name);
        assert_eq!(f["sessions"][0]["last_stage"], "kernel", "{f}");
    }
}
