//! The hot parts of a check, one at a time: normalising lines, classifying them against the
//! default pack, tracking sessions and judging them with the hits already worked out, whole
//! checks (all of it), and loading the pack.
//!
//! `cargo bench -p bootrules-rules`; bench/run.sh measures the whole binary against ripgrep.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// criterion_group! and criterion_main! generate functions without doc comments.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Mutex;

use bootrules_core::{check_bytes, Line, LineHits, Normaliser, RuleSet, StageModel};
use bootrules_rules::{default_pack, default_sources, load, Pack, RuleSource};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// The lab logs, concatenated: a multi-session serial log as a cloud keeps it.
fn corpus() -> Vec<u8> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/lab/logs");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("lab fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    names
        .iter()
        .flat_map(|p| std::fs::read(p).expect("log"))
        .collect()
}

/// The pack, first remembering what every line matched (by line number), then replaying it:
/// a check then costs only session tracking, traces and judging (signature state, scripts).
struct Replay<'p> {
    pack: &'p Pack,
    /// Filled while `known` is empty.
    recorded: Mutex<Vec<LineHits>>,
    /// Once set, lines are not matched again: their hits are copied from here.
    known: Option<Vec<LineHits>>,
}

impl RuleSet for Replay<'_> {
    type Judge<'a>
        = <Pack as RuleSet>::Judge<'a>
    where
        Self: 'a;
    type FileState = <Pack as RuleSet>::FileState;

    fn stages(&self) -> &StageModel {
        RuleSet::stages(self.pack)
    }

    fn classify(&self, line: &Line<'_>, hits: &mut LineHits) {
        let at = line.number as usize - 1;
        if let Some(known) = &self.known {
            if let Some(known) = known.get(at) {
                hits.stages.extend_from_slice(&known.stages);
                hits.signals.extend_from_slice(&known.signals);
            }
            return;
        }
        self.pack.classify(line, hits);
        let mut all = self.recorded.lock().unwrap();
        if all.len() <= at {
            all.resize_with(at + 1, LineHits::default);
        }
        all[at].stages.clone_from(&hits.stages);
        all[at].signals.clone_from(&hits.signals);
    }

    fn judge<'a>(&'a self, file: &'a Self::FileState) -> Self::Judge<'a> {
        self.pack.judge(file)
    }
}

fn benches(c: &mut Criterion) {
    let bytes = corpus();
    let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let pack = default_pack().expect("default pack loads");

    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.sample_size(20);
    group.bench_function("normalise", |b| {
        let mut normaliser = Normaliser::default();
        b.iter(|| {
            for (i, raw) in lines.iter().enumerate() {
                black_box(normaliser.normalise(i as u64 + 1, raw));
            }
        })
    });
    group.bench_function("normalise+classify", |b| {
        let mut normaliser = Normaliser::default();
        let mut hits = LineHits::default();
        b.iter(|| {
            for (i, raw) in lines.iter().enumerate() {
                let line = normaliser.normalise(i as u64 + 1, raw);
                hits.clear();
                pack.classify(&line, &mut hits);
                black_box(&hits);
            }
        })
    });
    let mut replay = Replay {
        pack: &pack,
        recorded: Mutex::default(),
        known: None,
    };
    let expected = check_bytes(&replay, "bench", &bytes);
    replay.known = Some(std::mem::take(replay.recorded.get_mut().unwrap()));
    assert!(
        check_bytes(&replay, "bench", &bytes) == expected,
        "replayed hits judge as the pack does"
    );
    group.bench_function("sessions (hits known)", |b| {
        b.iter(|| black_box(check_bytes(&replay, "bench", &bytes)))
    });
    group.bench_function("check (sessions, findings, scripts)", |b| {
        b.iter(|| black_box(check_bytes(&pack, "bench", &bytes)))
    });
    group.finish();

    c.bench_function("load default pack", |b| {
        b.iter(|| black_box(default_pack()))
    });

    // What a check of a short paste pays before its first verdict: the load, the literal
    // search built when the first line arrives, and the patterns that line may match.
    c.bench_function("load default pack, check one line", |b| {
        let line = b"[    0.000000] Linux version 6.1.0-18-cloud-amd64 (gcc 12.2.0)\n";
        b.iter(|| {
            let pack = default_pack().expect("default pack loads");
            black_box(check_bytes(&pack, "one", line))
        })
    });

    // Loading grows with the pack's size, not its square: compare the two.
    let mut big = c.benchmark_group("load big packs");
    big.sample_size(10);
    for rules in [5_000, 10_000] {
        let pack = generated_pack(rules);
        big.bench_function(format!("default + {rules} rules"), |b| {
            b.iter(|| black_box(load(&[default_sources(), pack.clone()])))
        });
        // one typo at the end: the file no longer parses whole, and its rules are parsed in
        // halving runs around the broken one (not each rule against the whole file)
        let mut broken = pack.clone();
        broken[0]
            .text
            .to_mut()
            .push_str("[[signature]]\nid = \"typo\"\ntitel = \"t\"\n");
        big.bench_function(format!("{rules} rules, one broken"), |b| {
            b.iter(|| black_box(load(&[broken.clone()])))
        });
    }
    big.finish();
}

/// A pack of `rules` signatures, one distinct literal pattern each.
fn generated_pack(rules: usize) -> Vec<RuleSource> {
    let text: String = (0..rules)
        .map(|i| {
            format!(
                "[[signature]]\nid = \"marker-{i}\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['marker {i:05} happened']\nmessage = \"m\"\nremedy = \"r\"\n"
            )
        })
        .collect();
    vec![RuleSource {
        path: "generated.toml".into(),
        text: text.into(),
    }]
}

criterion_group!(engine, benches);
criterion_main!(engine);
