//! Rule packs written to exhaust the machine, run through the command line with a memory
//! ceiling: each ends with a named error or a named stopped rule, never with the process
//! killed or aborted for want of memory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;
use std::process::Output;

/// Address space the binary may use in these tests (its threads' stacks and allocator arenas
/// included): far less than what the packs below would take without their limits.
const CEILING_KIB: u64 = 1_500_000;

/// Runs the binary with `args` under the memory ceiling.
fn run_limited(args: &[&str]) -> Output {
    let bin = env!("CARGO_BIN_EXE_bootrules");
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -v {CEILING_KIB} && exec \"$0\" \"$@\""))
        .arg(bin)
        .args(args);
    command.output().expect("sh runs")
}

fn pack(dir: &Path, text: &str) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("hostile.toml"), text).unwrap();
}

fn signature(id: &str, pattern: &str, script: Option<&str>) -> String {
    let script = script.map_or(String::new(), |s| format!("script = '''\n{s}\n'''\n"));
    format!(
        "[[signature]]\nid = \"{id}\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['{pattern}']\n{script}message = \"m\"\nremedy = \"r\"\n"
    )
}

#[test]
fn patterns_that_would_take_gigabytes_are_refused_within_the_ceiling() {
    let tmp = tempfile::tempdir().unwrap();
    // each pattern is just under the per-pattern limit (1 MiB compiled): 2.3 GB together
    let text: String = (0..2_000)
        .map(|i| signature(&format!("big-{i}"), &format!(r"\w{{20}}k{i:05}"), None))
        .collect();
    pack(tmp.path(), &text);
    let out = run_limited(&["rules", "list", "--rules", tmp.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("hostile.toml:") && stderr.contains("MiB compiled"),
        "{stderr}"
    );
}

#[test]
fn a_script_filling_maps_with_huge_keys_is_stopped_within_the_ceiling() {
    let tmp = tempfile::tempdir().unwrap();
    let script = "let k = \"x\";\nk.pad(60000, \"x\");\nlet a = #{}; let b = #{}; let c = #{};\nfor i in 0..10000 { a[k + i] = 1; b[k + i] = 1; c[k + i] = 1; }\ntrue";
    pack(
        &tmp.path().join("rules"),
        &signature("key-bomb", "boom", Some(script)),
    );
    let log = tmp.path().join("boot.log");
    fs::write(&log, "boom\n").unwrap();
    let rules = tmp.path().join("rules");
    let out = run_limited(&[
        "check",
        "--format",
        "json",
        "--rules",
        rules.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("key-bomb") && stdout.contains("per scope"),
        "{stdout}"
    );
}
