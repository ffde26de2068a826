//! Archives written to hurt or merely odd: bombs that stay small on disk, zips whose members
//! share their data, archives inside archives that only make sense whole, gzip files with
//! padding after them, tar links and devices, members that cannot be decompressed. Each ends
//! with a report for every member, in bounded memory, and no log is lost without a word.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use common::{lab, Dir};

fn dir(name: &str) -> Dir {
    common::scratch_dir("archives", name)
}

fn files(out: &Output) -> Vec<Value> {
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); status {:?}, stderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    doc["files"].as_array().unwrap().clone()
}

fn check(args: &[&str], paths: &[&Path]) -> Output {
    common::bin()
        .args(["check", "--format", "json"])
        .args(args)
        .args(paths)
        .output()
        .unwrap()
}

fn find<'a>(files: &'a [Value], suffix: &str) -> &'a Value {
    files
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("{suffix} missing from the report: {files:#?}"))
}

fn text<'a>(file: &'a Value, key: &str) -> &'a str {
    file[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key}: {file}"))
}

fn log() -> Vec<u8> {
    std::fs::read(lab("debian12-itools-fstab-missing-disk.log")).unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn crc(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// One member of a zip written byte by byte, so that its headers can say what a tool would
/// never write.
struct Member {
    name: &'static str,
    /// 0 stored, 8 deflated; anything else is a method bootrules does not read.
    method: u16,
    crc: u32,
    size: u32,
    data: Vec<u8>,
    /// The central directory points at the local header of this member instead of its own.
    same_data_as: Option<usize>,
}

impl Member {
    fn stored(name: &'static str, bytes: &[u8]) -> Self {
        Self {
            name,
            method: 0,
            crc: crc(bytes),
            size: bytes.len() as u32,
            data: bytes.to_vec(),
            same_data_as: None,
        }
    }
}

fn zip(members: &[Member]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for m in members {
        if let Some(other) = m.same_data_as {
            offsets.push(offsets[other]);
            continue;
        }
        offsets.push(out.len() as u32);
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&m.method.to_le_bytes());
        out.extend_from_slice(&[0; 4]); // time, date
        out.extend_from_slice(&m.crc.to_le_bytes());
        out.extend_from_slice(&(m.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&m.size.to_le_bytes());
        out.extend_from_slice(&(m.name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(m.name.as_bytes());
        out.extend_from_slice(&m.data);
    }
    let directory = out.len() as u32;
    for (m, offset) in members.iter().zip(&offsets) {
        let data = match m.same_data_as {
            Some(other) => &members[other].data,
            None => &m.data,
        };
        out.extend_from_slice(b"PK\x01\x02");
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&m.method.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&m.crc.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&m.size.to_le_bytes());
        out.extend_from_slice(&(m.name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
        out.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(m.name.as_bytes());
    }
    let size = out.len() as u32 - directory;
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&directory.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A gzip file of `head` followed by `zeros` MiB of NUL bytes, written as it is compressed.
fn gzip_of_zeros(path: &Path, head: &[u8], zeros: usize) {
    let file = std::fs::File::create(path).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    encoder.write_all(head).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..zeros {
        encoder.write_all(&chunk).unwrap();
    }
    encoder.finish().unwrap();
}

/// Runs the binary with its address space capped, so a run that holds what it decompresses in
/// memory dies instead of passing.
fn check_in(mib: u64, args: &[&str], paths: &[&Path], tmp: &Path) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {}; exec \"$0\" \"$@\"", mib * 1024))
        .arg(env!("CARGO_BIN_EXE_bootrules"))
        .args(["check", "--format", "json", "--jobs", "1"])
        .args(args)
        .args(paths)
        .env("TMPDIR", tmp);
    cmd.output().unwrap()
}

#[test]
fn archives_inside_a_gzip_are_read_in_bounded_memory() {
    let d = dir("memory");
    // A zip's directory is at its end, so a zip inside another archive cannot be read as a
    // stream; 300 MiB of it must not sit in memory on the way there.
    let mut zip_head = b"PK\x03\x04\x14\0\0\0\0\0".to_vec();
    zip_head.extend_from_slice(&[0; 16]);
    zip_head.extend_from_slice(&[9, 0, 0, 0]);
    zip_head.extend_from_slice(b"serial.log");
    let zip_gz = d.0.join("bundle.zip.gz");
    gzip_of_zeros(&zip_gz, &zip_head, 300);
    // A tar whose first header announces a 300 MiB long name, read in memory by a tar reader
    // that trusts it.
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::GNULongName);
    header.set_size(300 << 20);
    header.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"././@LongLink");
    header.set_cksum();
    let tar_gz = d.0.join("logs.tar.gz");
    gzip_of_zeros(&tar_gz, header.as_bytes(), 300);
    let spool = d.0.join("tmp");
    std::fs::create_dir_all(&spool).unwrap();

    // The other limits raised out of the way: this is about memory, not budgets.
    let raised = ["--max-ratio", "1000000", "--max-archive-mib", "1000000"];
    for path in [&zip_gz, &tar_gz] {
        let out = check_in(256, &raised, &[path], &spool);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}: {:?} {}",
            path.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let files = files(&out);
        // the zip's one member (empty, as its header says) is salvaged from its own header
        // before the zeros stop the reading
        let expected = if path == &zip_gz { 2 } else { 1 };
        assert_eq!(files.len(), expected, "{files:#?}");
        let last = &files[files.len() - 1];
        assert_eq!(last["status"], "error");
        assert!(text(last, "path").starts_with(path.to_str().unwrap()));
        let error = text(last, "error");
        assert!(!error.contains("EOCD"), "{error}");
        if path == &zip_gz {
            assert!(
                error.contains("zip") && error.contains("directory"),
                "{error}"
            );
        } else {
            assert!(error.contains("long name"), "{error}");
        }
    }
    assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 0, "spool left");
}

#[test]
fn an_archive_stops_at_its_budget_and_lists_every_member() {
    let d = dir("budget");
    // Twelve members of 16 MiB of NUL bytes, each well under the member limit, in a zip of
    // 200 KiB: an expansion a log never has.
    let zeros = vec![0u8; 16 << 20];
    let mut deflate =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    deflate.write_all(&zeros).unwrap();
    let deflated = deflate.finish().unwrap();
    const NAMES: [&str; 12] = [
        "m00.log", "m01.log", "m02.log", "m03.log", "m04.log", "m05.log", "m06.log", "m07.log",
        "m08.log", "m09.log", "m10.log", "m11.log",
    ];
    let members: Vec<Member> = NAMES
        .iter()
        .map(|&name| Member {
            name,
            method: 8,
            crc: crc(&zeros),
            size: zeros.len() as u32,
            data: deflated.clone(),
            same_data_as: None,
        })
        .collect();
    let path = d.0.join("bomb.zip");
    std::fs::write(&path, zip(&members)).unwrap();

    let by_ratio = check(&[], &[&path]);
    let by_total = check(
        &["--max-ratio", "1000000", "--max-archive-mib", "40"],
        &[&path],
    );
    let raised = check(
        &["--max-ratio", "1000000", "--max-archive-mib", "1000"],
        &[&path],
    );
    for (out, flag) in [(&by_ratio, "--max-ratio"), (&by_total, "--max-archive-mib")] {
        assert_eq!(out.status.code(), Some(3), "{flag}");
        let files = files(out);
        assert_eq!(files.len(), NAMES.len(), "{flag}: every member is listed");
        for (file, name) in files.iter().zip(NAMES) {
            assert!(text(file, "path").ends_with(&format!("bomb.zip!/{name}")));
        }
        let errors: Vec<&Value> = files.iter().filter(|f| f["status"] == "error").collect();
        assert_eq!(errors.len(), 1, "{flag}: {files:#?}");
        assert!(text(errors[0], "error").contains(flag), "{}", errors[0]);
        let skipped: Vec<&Value> = files.iter().filter(|f| f["status"] == "skipped").collect();
        assert!(!skipped.is_empty(), "{flag}");
        for file in skipped {
            assert!(text(file, "reason").contains("not read"), "{file}");
        }
        assert!(
            files[0]["status"] == "ok",
            "{flag}: the first members are read"
        );
    }
    assert!(raised.status.success(), "the flags raise the limits");
    assert!(files(&raised).iter().all(|f| f["status"] == "ok"));
}

#[test]
fn zip_members_that_share_their_data_are_reported_as_overlapping() {
    let d = dir("overlap");
    let log = log();
    let path = d.0.join("overlap.zip");
    std::fs::write(
        &path,
        zip(&[
            Member::stored("a.log", &log),
            Member {
                same_data_as: Some(0),
                ..Member::stored("b.log", &log)
            },
            Member::stored("c.log", &log),
        ]),
    )
    .unwrap();
    let out = check(&[], &[&path]);
    let files = files(&out);
    assert_eq!(files.len(), 3, "{files:#?}");
    for name in ["a.log", "b.log"] {
        let member = find(&files, &format!("!/{name}"));
        assert_eq!(member["status"], "error", "{member}");
        assert!(text(member, "error").contains("overlap"), "{member}");
    }
    assert_eq!(find(&files, "!/c.log")["status"], "ok");
}

#[test]
fn a_member_that_cannot_be_read_is_named_and_the_others_are_read() {
    let d = dir("member-error");
    let log = log();
    let path = d.0.join("mixed.zip");
    std::fs::write(
        &path,
        zip(&[
            Member::stored("first.log", &log),
            Member {
                method: 12, // bzip2: not read by bootrules
                ..Member::stored("packed.log", &log)
            },
            Member::stored("last.log", &log),
        ]),
    )
    .unwrap();
    let out = check(&[], &[&path]);
    assert_eq!(out.status.code(), Some(3));
    let files = files(&out);
    assert_eq!(files.len(), 3, "{files:#?}");
    let packed = find(&files, "mixed.zip!/packed.log");
    assert_eq!(packed["status"], "error");
    assert!(
        text(packed, "error").contains("ompression method"),
        "{packed}"
    );
    assert_eq!(find(&files, "!/first.log")["status"], "ok");
    assert_eq!(find(&files, "!/last.log")["status"], "ok");
}

#[test]
fn data_after_a_gzip_stream_is_ignored_with_a_warning() {
    let d = dir("gzip-tail");
    let log = log();
    let mut padded = gzip(&log);
    padded.extend_from_slice(&[0; 4096]);
    let mut garbage = gzip(&log);
    garbage.extend_from_slice(b"this is not gzip\n");
    let mut two = gzip(&log[..log.len() / 2]);
    two.extend_from_slice(&gzip(&log[log.len() / 2..]));
    for (name, bytes) in [
        ("padded.log.gz", &padded),
        ("garbage.log.gz", &garbage),
        ("two.log.gz", &two),
    ] {
        std::fs::write(d.0.join(name), bytes).unwrap();
    }
    let whole = check(&[], &[&lab("debian12-itools-fstab-missing-disk.log")]);
    let expected = &files(&whole)[0]["sessions"];
    let out = check(&[], &[&d.0]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let files = files(&out);
    for (name, warning) in [
        ("padded.log.gz", Some("4096 bytes of NUL padding")),
        ("garbage.log.gz", Some("17 bytes")),
        ("two.log.gz", None),
    ] {
        let file = find(&files, name);
        assert_eq!(file["status"], "ok", "{file}");
        assert_eq!(&file["sessions"], expected, "{name} gives the whole log");
        match warning {
            Some(warning) => {
                let warnings = file["warnings"].as_array().expect("warnings");
                assert_eq!(warnings.len(), 1, "{file}");
                let text = warnings[0].as_str().unwrap();
                assert!(text.contains(warning) && text.contains("ignored"), "{text}");
            }
            None => assert!(file.get("warnings").is_none(), "{file}"),
        }
    }
}

/// Every format shows a file's warnings: CSV and Markdown as rows of status `warning` (also
/// when the file is written as it is read), HTML beside the file.
#[test]
fn warnings_show_in_csv_markdown_and_html() {
    let d = dir("gzip-warning-formats");
    let mut garbage = gzip(&log());
    garbage.extend_from_slice(b"this is not gzip\n");
    let path = d.0.join("garbage.log.gz");
    std::fs::write(&path, garbage).unwrap();
    let warning = "17 bytes after the gzip data were ignored";
    for (format, row) in [
        ("csv", format!("{},,,,,,,warning,{warning}", path.display())),
        ("markdown", format!("|  | warning |  | {warning}")),
    ] {
        for jobs in ["1", "2"] {
            let out = common::bin()
                .args(["check", "--format", format, "--jobs", jobs])
                .arg(&path)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains(&row), "{format} --jobs {jobs}:\n{text}");
        }
    }
    let page = d.0.join("report.html");
    let out = common::bin()
        .args(["check", "--format", "html", "--output"])
        .args([&page, &path])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(2), "{out:?}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains(&format!("<strong>Warning:</strong> {warning}")),
        "{html}"
    );
}

/// A zip whose directory is damaged, or that was cut short before it: the members are read
/// from their own headers, each saying so; what cannot be read is reported, nothing is lost.
#[test]
fn members_of_a_zip_with_a_damaged_or_missing_directory_are_salvaged() {
    let d = dir("zip-salvage");
    let log = log();
    let members = [
        Member::stored("one.log", &log),
        Member::stored("two.log", &log),
    ];
    let mut damaged = zip(&members);
    let entry = damaged
        .windows(4)
        .rposition(|w| w == b"PK\x01\x02")
        .unwrap();
    damaged[entry..entry + 2].copy_from_slice(b"XX");
    let whole = zip(&members);
    let cut = whole[..30 + 7 + log.len() + 100].to_vec();
    std::fs::write(d.0.join("damaged.zip"), damaged).unwrap();
    std::fs::write(d.0.join("cut.zip"), cut).unwrap();
    let whole_log = check(&[], &[&lab("debian12-itools-fstab-missing-disk.log")]);
    let expected = files(&whole_log)[0]["sessions"].clone();
    let out = check(&[], &[&d.0]);
    let files = files(&out);
    for name in [
        "damaged.zip!/one.log",
        "damaged.zip!/two.log",
        "cut.zip!/one.log",
    ] {
        let file = find(&files, name);
        assert_eq!(file["status"], "ok", "{file}");
        assert_eq!(file["sessions"], expected, "{name}");
        let warning = file["warnings"][0].as_str().unwrap();
        assert!(warning.starts_with("read from its own header"), "{warning}");
    }
    assert_eq!(find(&files, "cut.zip!/two.log")["status"], "error");
    let cut_zip = find(&files, "cut.zip");
    assert!(text(cut_zip, "error").contains("cut short"), "{cut_zip}");
}

#[test]
fn tar_links_and_devices_are_listed_as_skipped() {
    let d = dir("tar-kinds");
    let log = log();
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(log.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder
        .append_data(&mut header, "var/log/serial.log", &log[..])
        .unwrap();
    let special = [
        ("var/log/latest.log", tar::EntryType::Symlink),
        ("var/log/copy.log", tar::EntryType::Link),
        ("dev/console.fifo", tar::EntryType::Fifo),
        ("dev/ttyS0", tar::EntryType::Char),
        ("dev/vda", tar::EntryType::Block),
    ];
    for (name, kind) in special {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_size(0);
        header.set_mode(0o644);
        if kind == tar::EntryType::Symlink || kind == tar::EntryType::Link {
            header.set_link_name("var/log/serial.log").unwrap();
        }
        header.set_cksum();
        builder.append_data(&mut header, name, &[][..]).unwrap();
    }
    let path = d.0.join("kinds.tar");
    std::fs::write(&path, builder.into_inner().unwrap()).unwrap();
    let out = check(&[], &[&path]);
    assert!(out.status.success());
    let files = files(&out);
    assert_eq!(files.len(), 1 + special.len(), "{files:#?}");
    assert_eq!(find(&files, "!/var/log/serial.log")["status"], "ok");
    for (name, what) in [
        ("var/log/latest.log", "symbolic link to var/log/serial.log"),
        ("var/log/copy.log", "hard link to var/log/serial.log"),
        ("dev/console.fifo", "FIFO"),
        ("dev/ttyS0", "device"),
        ("dev/vda", "device"),
    ] {
        let file = find(&files, &format!("!/{name}"));
        assert_eq!(file["status"], "skipped", "{file}");
        assert!(text(file, "reason").contains(what), "{file}");
    }
}

/// A pipe that hands out a few bytes per read (a slow upload, `ssh … cat`) is still told to
/// be a `.gz` by its first bytes, not taken for text.
#[test]
fn a_gzip_on_a_slow_pipe_is_still_read_as_a_gzip() {
    let compressed = gzip(&log());
    let mut child = common::bin()
        .args(["check", "--format", "json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for piece in compressed.chunks(3) {
            stdin.write_all(piece).unwrap();
            stdin.flush().unwrap();
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let files = files(&out);
    assert_eq!(files.len(), 1, "{files:#?}");
    assert_eq!(text(&files[0], "status"), "ok", "{files:#?}");
    assert_eq!(
        files[0]["sessions"][0]["outcome"], "boot-failed",
        "the log inside was checked: {files:#?}"
    );
}
