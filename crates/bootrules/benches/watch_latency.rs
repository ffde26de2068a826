//! How late `bootrules watch` tells what a console printed: the time from writing a line to
//! reading its event, following a file and reading a pipe, next to `tail -F` and `cat` on
//! the same lines in the same run (the least any follower could take).
//!
//! `cargo bench -p bootrules --bench watch_latency` (needs `tail` and `cat`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Lines written, one at a time.
const PROBES: usize = 200;
/// Time between two of them.
const SPACING: Duration = Duration::from_millis(15);

/// A probe line: each begins a boot (the last one was handed over to its kernel), so each is
/// a stage event of its own. Two lines per probe: firmware, then the kernel banner.
fn probe(i: usize) -> [String; 2] {
    [
        format!("SeaBIOS (version 1.16.{i})\n"),
        format!("[    0.000000] Linux version 6.1.0-{i}-amd64 (gcc 12) #1 SMP\n"),
    ]
}

/// Runs `command`, writes the probes (to `file`, or to its standard input), and returns how
/// long each firmware line took to come out. `matches(out, i)` says whether an output line
/// tells the probe `i`.
fn measure(
    mut command: Command,
    file: Option<&std::path::Path>,
    matches: fn(&str, usize) -> bool,
) -> Vec<Duration> {
    let mut child: Child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the follower runs");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send((Instant::now(), line.unwrap())).is_err() {
                return;
            }
        }
    });
    let mut sink: Box<dyn Write> = match file {
        Some(path) => Box::new(OpenOptions::new().append(true).open(path).unwrap()),
        None => Box::new(child.stdin.take().unwrap()),
    };
    // let the follower start and settle before the first probe
    thread::sleep(Duration::from_millis(500));
    let mut late = Vec::with_capacity(PROBES);
    for i in 0..PROBES {
        let [firmware, kernel] = probe(i);
        let written = Instant::now();
        sink.write_all(firmware.as_bytes()).unwrap();
        sink.flush().unwrap();
        loop {
            let (at, line) = rx
                .recv_timeout(Duration::from_secs(10))
                .expect("the follower tells each probe");
            if matches(&line, i) {
                late.push(at - written);
                break;
            }
        }
        sink.write_all(kernel.as_bytes()).unwrap();
        sink.flush().unwrap();
        thread::sleep(SPACING);
    }
    drop(sink);
    let _ = child.kill();
    let _ = child.wait();
    late
}

fn watch_told(line: &str, i: usize) -> bool {
    line.contains("\"stage\":\"firmware\"") && line.contains(&format!("1.16.{i})"))
}

fn echoed(line: &str, i: usize) -> bool {
    line.starts_with("SeaBIOS") && line.contains(&format!("1.16.{i})"))
}

fn summary(name: &str, mut late: Vec<Duration>) -> f64 {
    late.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = ms(late[late.len() / 2]);
    println!(
        "| {name} | {:.2} | {:.2} | {:.2} |",
        median,
        ms(late[late.len() * 95 / 100]),
        ms(*late.last().unwrap())
    );
    median
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_bootrules");
    let dir = std::env::temp_dir().join(format!("bootrules-watch-latency-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("console.log");

    println!(
        "{PROBES} lines, one every {} ms; milliseconds from write to output\n",
        SPACING.as_millis()
    );
    println!("| follower | median | p95 | max |");
    println!("|---|---|---|---|");

    std::fs::write(&file, "").unwrap();
    let mut watch_file = Command::new(bin);
    watch_file
        .args(["watch", "--format", "jsonl", "--stall", "600"])
        .arg(&file);
    let watched_file = summary(
        "bootrules watch FILE",
        measure(watch_file, Some(&file), watch_told),
    );

    std::fs::write(&file, "").unwrap();
    let mut tail = Command::new("tail");
    tail.args(["-F", "-n", "+1"]).arg(&file);
    let tailed = summary("tail -F FILE", measure(tail, Some(&file), echoed));

    let mut watch_pipe = Command::new(bin);
    watch_pipe.args(["watch", "--format", "jsonl", "--stall", "600", "-"]);
    let watched_pipe = summary("bootrules watch -", measure(watch_pipe, None, watch_told));

    let catted = summary("cat", measure(Command::new("cat"), None, echoed));

    println!(
        "\nmedian against the baseline: file {:.1}× tail -F (+{:.1} ms), pipe {:.1}× cat (+{:.2} ms)",
        watched_file / tailed.max(1e-3),
        watched_file - tailed,
        watched_pipe / catted.max(1e-3),
        watched_pipe - catted
    );
    let _ = std::fs::remove_dir_all(&dir);
}
