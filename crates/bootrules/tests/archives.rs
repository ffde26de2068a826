//! Archives written to hurt: archives inside archives that only make sense whole, headers that
//! state sizes no header has. Each ends with a report, in bounded memory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn dir(name: &str) -> Dir {
    let path =
        std::env::temp_dir().join(format!("bootrules-archives-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).unwrap();
    Dir(path)
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

fn text<'a>(file: &'a Value, key: &str) -> &'a str {
    file[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key}: {file}"))
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

    for path in [&zip_gz, &tar_gz] {
        let out = check_in(256, &[], &[path], &spool);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}: {:?} {}",
            path.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let files = files(&out);
        assert_eq!(files.len(), 1, "{files:#?}");
        assert_eq!(files[0]["status"], "error");
        assert!(text(&files[0], "path").starts_with(path.to_str().unwrap()));
        let error = text(&files[0], "error");
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
