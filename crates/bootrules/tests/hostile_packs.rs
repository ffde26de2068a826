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
    // each pattern is just under the per-pattern limit (1 MiB compiled): 2.3 GB together (Unicode
    // classes: `\w` is ASCII in rules)
    let text: String = (0..2_000)
        .map(|i| {
            signature(
                &format!("big-{i}"),
                &format!(r"[\p{{L}}\p{{N}}\p{{M}}_]{{20}}k{i:05}"),
                None,
            )
        })
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
    // the memory budget stops it; on a loaded machine the time budget may come first, which
    // stops it as well, by name
    assert!(
        stdout.contains("key-bomb")
            && (stdout.contains("for all scopes") || stdout.contains("ran out of time")),
        "{stdout}"
    );
}

/// Each function call has a scope of its own: the budget holds for all of them together, so a
/// recursion that fills a map at every level is stopped too (it reached about 1 GB before).
#[test]
fn a_recursion_filling_a_map_at_every_level_is_stopped_within_the_ceiling() {
    let tmp = tempfile::tempdir().unwrap();
    let script = "fn f(n, k) {\n  let m = #{};\n  for i in 0..900 { m[`${i}` + k] = 1; }\n  if n > 0 { f(n - 1, k); }\n  m.len()\n}\nlet k = \"x\"; k.pad(65000, \"x\");\nf(30, k) > 0";
    pack(
        &tmp.path().join("rules"),
        &signature("deep-keys", "boom", Some(script)),
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
        stdout.contains("deep-keys")
            && (stdout.contains("values of the scopes") || stdout.contains("ran out of time")),
        "{stdout}"
    );
}

/// Patterns that run on every line and never match fill the regex engine's match-time cache
/// (its lazy DFA's states), per pattern: 800 of them took some 300 MB more than the pack's
/// compiled size. Each pattern's cache is bounded now, so the run fits a ceiling it exceeded.
#[test]
fn patterns_that_never_match_keep_their_match_caches_small() {
    let tmp = tempfile::tempdir().unwrap();
    let rules: String = (0..800)
        .map(|i| {
            let c = char::from_u32(0x4e00 + i).unwrap();
            let repeat = 1 + i % 4;
            signature(
                &format!("d-{i}"),
                &format!("[a-p]*a[a-p]{{12}}[^a-p\\s]{{{repeat}}}[^a-p\\s{c}]"),
                None,
            )
        })
        .collect();
    pack(&tmp.path().join("rules"), &rules);
    // lines of letters the patterns' classes take, pseudo-random so the automata keep growing
    let mut state: u32 = 12345;
    let mut log = String::from("[    0.000000] Linux version 6.1.0\n");
    for _ in 0..800 {
        for _ in 0..200 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            log.push(char::from(b'a' + ((state >> 16) % 16) as u8));
        }
        log.push('\n');
    }
    let log_path = tmp.path().join("boot.log");
    fs::write(&log_path, log).unwrap();
    let bin = env!("CARGO_BIN_EXE_bootrules");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 330000 && exec \"$0\" \"$@\"")
        .arg(bin)
        .args(["check", "--jobs", "1", "--format", "json", "--rules"])
        .arg(tmp.path().join("rules"))
        .arg(&log_path)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
