//! `bootrules watch` against a writer that replays real lab logs into a pipe or a file, with
//! the timing compressed: events arrive in order, each once; the sessions equal `check` on the
//! whole log; truncation, replacement, stalls and prompts without a newline are handled.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use common::{bin, lab, run, scratch_dir};

/// A running `watch --format jsonl` and the events it printed so far.
struct Watch {
    child: Child,
    events: Receiver<Value>,
}

impl Watch {
    fn start(args: &[&str]) -> Self {
        let mut child = bin()
            .arg("watch")
            .args(["--format", "jsonl"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, events) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let line = line.unwrap();
                let event = serde_json::from_str(&line).expect("each line is one JSON event");
                if tx.send(event).is_err() {
                    return;
                }
            }
        });
        Self { child, events }
    }

    fn stdin(&mut self) -> ChildStdin {
        self.child.stdin.take().unwrap()
    }

    /// The next event, waiting for it (a minute at most: a hung watcher fails the test).
    fn next(&self) -> Value {
        self.events
            .recv_timeout(Duration::from_secs(60))
            .expect("an event within a minute")
    }

    /// Waits for the process to exit; every event it printed and its exit status.
    fn finish(mut self) -> (Vec<Value>, i32) {
        drop(self.child.stdin.take());
        let status = self.child.wait().unwrap();
        let events = self.events.iter().collect();
        (events, status.code().unwrap())
    }
}

/// The log's lines, each with its newline.
fn lines_of(path: &Path) -> Vec<Vec<u8>> {
    fs::read(path)
        .unwrap()
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// Writes lines in small bursts, as a console prints: a pause every `burst` lines.
fn replay(out: &mut dyn Write, lines: &[Vec<u8>], burst: usize) {
    for chunk in lines.chunks(burst) {
        for line in chunk {
            out.write_all(line).unwrap();
        }
        out.flush().unwrap();
        thread::sleep(Duration::from_millis(1));
    }
}

fn kind(event: &Value) -> &str {
    event["event"].as_str().unwrap()
}

fn of_kind<'a>(events: &'a [Value], name: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| kind(e) == name).collect()
}

/// `check --format json`'s sessions of one log.
fn checked_sessions(path: &Path) -> Vec<Value> {
    let output = run(&["check", "--format", "json", path.to_str().unwrap()]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["files"][0]["sessions"].as_array().unwrap().clone()
}

/// Each stage once per session and in line order, each finding (rule, line) once, each
/// session once and in order.
fn assert_told_once_in_order(events: &[Value], log: &str) {
    let mut stages: Vec<(u64, String, u64)> = Vec::new();
    let mut findings: Vec<(u64, String, u64)> = Vec::new();
    let mut sessions = Vec::new();
    for event in events {
        let session = event["session"].as_u64().unwrap_or(u64::MAX);
        let line = event["line"].as_u64().unwrap_or(0);
        match kind(event) {
            "stage" => {
                let stage = event["stage"].as_str().unwrap().to_owned();
                assert!(
                    !stages
                        .iter()
                        .any(|(s, id, _)| *s == session && *id == stage),
                    "{log}: stage {stage} told twice in session {session}"
                );
                if let Some((s, _, previous)) = stages.last() {
                    assert!(
                        *s != session || *previous <= line,
                        "{log}: stage {stage} at line {line} told after one at {previous}"
                    );
                }
                stages.push((session, stage, line));
            }
            "finding" => {
                let rule = event["finding"]["rule"].as_str().unwrap().to_owned();
                let key = (session, rule, line);
                assert!(!findings.contains(&key), "{log}: {key:?} told twice");
                findings.push(key);
            }
            "session" => {
                assert!(
                    !sessions.contains(&session),
                    "{log}: session {session} told twice"
                );
                sessions.push(session);
            }
            _ => {}
        }
    }
    let mut sorted = sessions.clone();
    sorted.sort_unstable();
    assert_eq!(sessions, sorted, "{log}: sessions told out of order");
}

#[test]
fn every_lab_log_replayed_through_a_pipe_gets_checks_verdicts() {
    let dir = lab("");
    let mut logs: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    assert!(logs.len() >= 20, "the lab logs are in {}", dir.display());
    for log in &logs {
        let name = log.file_name().unwrap().to_string_lossy().into_owned();
        let mut watch = Watch::start(&["-", "--stall", "600"]);
        let mut stdin = watch.stdin();
        let lines = lines_of(log);
        let writer = thread::spawn(move || replay(&mut stdin, &lines, 40));
        writer.join().unwrap();
        let (events, status) = watch.finish();
        assert_eq!(status, 0, "{name}");
        assert_told_once_in_order(&events, &name);

        let told = of_kind(&events, "session");
        let checked = checked_sessions(log);
        assert_eq!(told.len(), checked.len(), "{name}: sessions");
        for (told, checked) in told.iter().zip(&checked) {
            assert_eq!(told["outcome"], checked["outcome"], "{name}");
            assert_eq!(
                told["report"]["last_stage"], checked["last_stage"],
                "{name}"
            );
            assert_eq!(told["report"]["stages"], checked["stages"], "{name}");
            assert_eq!(told["report"]["findings"], checked["findings"], "{name}");
        }
        // the last session is the one `check` gives, to the byte
        assert_eq!(
            told.last().unwrap()["report"],
            *checked.last().unwrap(),
            "{name}"
        );
        // every finding of the verdicts was told as a finding event first
        for session in &told {
            for finding in session["report"]["findings"].as_array().unwrap() {
                assert!(
                    of_kind(&events, "finding")
                        .iter()
                        .any(|e| e["session"] == session["session"]
                            && e["finding"]["rule"] == finding["rule"]),
                    "{name}: {} not told",
                    finding["rule"]
                );
            }
        }
    }
}

#[test]
fn a_stalled_writer_raises_stalled_and_then_recovers() {
    let log = lab("debian12-dracut-wrong-root-uuid.log");
    let lines = lines_of(&log);
    let mut watch = Watch::start(&["-", "--stall", "0.3"]);
    let mut stdin = watch.stdin();
    // the initramfs has started; then the console says nothing for a while
    replay(&mut stdin, &lines[..400], 50);
    let stalled = loop {
        let event = watch.next();
        if kind(&event) == "stalled" {
            break event;
        }
    };
    assert_eq!(stalled["stage"], "initramfs");
    assert_eq!(stalled["outcome"], "boot-stalled");
    assert_eq!(stalled["line"], 400);
    assert!(stalled["seconds"].as_f64().unwrap() >= 0.3);
    replay(&mut stdin, &lines[400..], 50);
    drop(stdin);
    let (events, status) = watch.finish();
    assert_eq!(status, 0);
    let resumed = events
        .iter()
        .position(|e| kind(e) == "resumed")
        .expect("resumed");
    let timeout = events
        .iter()
        .position(|e| e["finding"]["rule"] == "dracut-initqueue-timeout")
        .expect("the dracut timeout is told");
    assert!(
        resumed < timeout,
        "output resumed before the timeout line arrived"
    );
    let session = of_kind(&events, "session");
    assert_eq!(session.last().unwrap()["outcome"], "boot-failed");
    assert_eq!(session.last().unwrap()["report"]["last_stage"], "initramfs");
}

#[test]
fn a_prompt_without_a_newline_is_read_after_the_stall_delay() {
    let log = lab("debian12-itools-healthy-poweroff.log");
    let lines = lines_of(&log);
    // up to the blank line before the issue banner, then the prompt alone, waiting for input
    let mut watch = Watch::start(&["-", "--stall", "0.3"]);
    let mut stdin = watch.stdin();
    replay(&mut stdin, &lines[..626], 100);
    stdin.write_all(b"bootlab login: ").unwrap();
    stdin.flush().unwrap();
    let login = loop {
        let event = watch.next();
        assert_ne!(
            kind(&event),
            "stalled",
            "a booted VM at its prompt is idle, not stalled"
        );
        if event["stage"] == "login" {
            break event;
        }
    };
    assert_eq!(login["line"], 627);
    assert_eq!(login["text"], "bootlab login: ");
    drop(stdin);
    let (events, _) = watch.finish();
    let session = of_kind(&events, "session");
    assert_eq!(session.len(), 1);
    assert_eq!(session[0]["outcome"], "booted");
}

#[test]
fn a_followed_file_that_is_replaced_and_truncated_starts_over() {
    let dir = scratch_dir("watch", "rotation");
    let path = dir.0.join("console.log");
    let first = lines_of(&lab("debian12-itools-fstab-missing-disk.log"));
    let second = lines_of(&lab("debian12-grub-healthy-reboot-poweroff.log"));
    let third = lines_of(&lab("debian12-itools-healthy-poweroff.log"));
    let path_arg = path.to_str().unwrap().to_owned();
    let watch = Watch::start(&[&path_arg, "--stall", "1", "--timeout", "120"]);
    let append = || {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap()
    };
    let mut events = Vec::new();
    // Each step waits until the watcher has read the last: a file that is truncated and
    // refilled between two looks is only seen to have grown (as with `tail -F`).
    let mut until = |done: &dyn Fn(&Value) -> bool| loop {
        let event = watch.next();
        let stop = done(&event);
        events.push(event);
        if stop {
            return;
        }
    };
    replay(&mut append(), &first, 40);
    until(&|e| e["finding"]["rule"] == "fstab-device-timeout");
    // rotated: the old file moves away, a new one takes its name
    fs::rename(&path, path.with_extension("log.1")).unwrap();
    replay(&mut append(), &second[..100], 40);
    until(&|e| e["stage"] == "kernel");
    // truncated in place (a VM restarted onto the same `-serial file:`)
    fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    until(&|e| kind(e) == "input");
    replay(&mut append(), &third, 40);
    // the last log powers off and the console stays quiet: its session is told
    until(&|e| kind(e) == "session" && e["outcome"] == "powered-off");
    let mut watch = watch;
    watch.child.kill().unwrap();

    let notes: Vec<&str> = of_kind(&events, "input")
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.ends_with("was replaced: following the new file")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.ends_with("was truncated: reading it from its start")),
        "{notes:?}"
    );
    let outcomes: Vec<&str> = of_kind(&events, "session")
        .iter()
        .map(|s| s["outcome"].as_str().unwrap())
        .collect();
    // the fstab failure, the cut-off start of the second log, the healthy boot's power-off
    assert_eq!(outcomes, ["boot-failed", "boot-stalled", "powered-off"]);
    // each file's first stage is on its line 1: after a start-over, numbers start again
    let first_stages: Vec<&Value> = events
        .iter()
        .enumerate()
        .filter(|(i, e)| kind(e) == "stage" && (*i == 0 || kind(&events[i - 1]) == "input"))
        .map(|(_, e)| e)
        .collect();
    assert_eq!(first_stages.len(), 3);
    assert!(
        first_stages.iter().all(|e| e["line"] == 1),
        "{first_stages:?}"
    );
}

#[test]
fn exit_on_and_timeout_end_the_watch_with_checks_statuses() {
    // a failure ends the watch as soon as it is seen, the pipe still open
    let log = lab("debian12-dracut-wrong-root-uuid.log");
    let lines = lines_of(&log);
    let mut watch = Watch::start(&["-", "--exit-on", "failed", "--fail-on", "error"]);
    let mut stdin = watch.stdin();
    replay(&mut stdin, &lines[..570], 100);
    let status = watch.child.wait().unwrap().code().unwrap();
    assert_eq!(status, 1, "exit 1: a finding at or above --fail-on");
    drop(stdin);
    let events: Vec<Value> = watch.events.iter().collect();
    let last = events.last().unwrap();
    assert_eq!(kind(last), "session");
    assert_eq!(last["outcome"], "boot-failed");

    // a healthy boot idles at its prompt: --exit-on failed never happens, the timeout ends it
    let log = lab("debian12-itools-healthy-poweroff.log");
    let lines = lines_of(&log);
    let mut watch = Watch::start(&["-", "--exit-on", "failed", "--timeout", "1"]);
    let mut stdin = watch.stdin();
    replay(&mut stdin, &lines[..628], 100);
    let status = watch.child.wait().unwrap().code().unwrap();
    drop(stdin);
    assert_eq!(status, 4, "timed out before --exit-on happened");
    let events: Vec<Value> = watch.events.iter().collect();
    assert_eq!(events.last().unwrap()["outcome"], "booted");

    // --exit-on booted and powered-off stop at the line that shows it, the pipe still open
    for (when, upto, outcome) in [
        ("booted", 625, "booted"),
        ("powered-off", 720, "powered-off"),
    ] {
        let mut watch = Watch::start(&["-", "--exit-on", when, "--stall", "600"]);
        let mut stdin = watch.stdin();
        replay(&mut stdin, &lines[..upto], 100);
        let status = watch.child.wait().unwrap().code().unwrap();
        drop(stdin);
        assert_eq!(status, 0, "{when}");
        let events: Vec<Value> = watch.events.iter().collect();
        assert_eq!(events.last().unwrap()["outcome"], outcome, "{when}");
    }
}

#[test]
fn the_readable_events_are_one_line_each_and_plain_in_a_pipe() {
    let log = lab("debian12-itools-fstab-missing-disk.log");
    let output = bin()
        .args([
            "watch",
            log.to_str().unwrap(),
            "--exit-on",
            "failed",
            "--stall",
            "1",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("line 1 ") && lines[0].contains("stage    firmware"),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("error    fstab-device-timeout: ")),
        "{text}"
    );
    assert!(
        lines
            .last()
            .unwrap()
            .contains("session 1 boot-failed at system-init: fstab-device-timeout (line 701)"),
        "{text}"
    );
}
