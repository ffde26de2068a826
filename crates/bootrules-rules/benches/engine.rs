//! The hot parts of a check, one at a time: normalising lines, classifying them against the
//! default pack, judging whole logs (sessions, findings, scripts), and loading the pack.
//!
//! `cargo bench -p bootrules-rules`; bench/run.sh measures the whole binary against ripgrep.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// criterion_group! and criterion_main! generate functions without doc comments.
#![allow(missing_docs)]

use std::hint::black_box;

use bootrules_core::{check_bytes, LineHits, Normaliser, RuleSet};
use bootrules_rules::default_pack;
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
    group.bench_function("check (sessions, findings, scripts)", |b| {
        b.iter(|| black_box(check_bytes(&pack, "bench", &bytes)))
    });
    group.finish();

    c.bench_function("load default pack", |b| {
        b.iter(|| black_box(default_pack()))
    });
}

criterion_group!(engine, benches);
criterion_main!(engine);
