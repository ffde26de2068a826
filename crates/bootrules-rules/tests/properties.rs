//! Properties over any input: no panic; every finding's line is a line of the input whose
//! visible text is the evidence (its start, when the line is long); reading the same bytes in
//! any chunks gives the same sessions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::sync::OnceLock;

use bootrules_core::{check_bytes, check_reader, Normaliser};
use bootrules_rules::{default_pack, Pack};
use proptest::prelude::*;

fn pack() -> &'static Pack {
    static PACK: OnceLock<Pack> = OnceLock::new();
    PACK.get_or_init(|| default_pack().expect("default pack loads"))
}

/// Real console lines (so rules fire) mixed with arbitrary bytes (so nothing is assumed).
fn real_lines() -> &'static [Vec<u8>] {
    static LINES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    LINES.get_or_init(|| {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/lab/logs");
        let mut lines = Vec::new();
        for name in [
            "debian12-itools-fstab-missing-disk.log",
            "debian12-itools-hung-shutdown-forced-off-reboot.log",
            "debian12-dracut-wrong-root-uuid.log",
        ] {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            lines.extend(bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec));
        }
        lines
    })
}

fn log() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        3 => (0..real_lines().len()).prop_map(|i| real_lines()[i].clone()),
        1 => proptest::collection::vec(any::<u8>(), 0..200),
        // a real line followed by more than a finding shows of its evidence
        1 => (0..real_lines().len(), "[ -~]{1000,1400}").prop_map(|(i, tail)| {
            let mut line = real_lines()[i].clone();
            line.extend_from_slice(tail.as_bytes());
            line
        }),
    ];
    proptest::collection::vec(line, 0..120).prop_map(|lines| lines.join(&b'\n'))
}

/// A reader that hands out the bytes in the given chunk sizes.
struct Chunked<'a> {
    bytes: &'a [u8],
    sizes: Vec<usize>,
    next: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = self
            .sizes
            .get(self.next % self.sizes.len().max(1))
            .copied()
            .unwrap_or(1)
            .max(1);
        self.next += 1;
        let n = size.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn findings_point_at_their_evidence(bytes in log()) {
        let report = check_bytes(pack(), "prop", &bytes);
        let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
        let mut normaliser = Normaliser::default();
        for session in &report.sessions {
            prop_assert!(session.start_line <= session.end_line);
            prop_assert!(session.end_line as usize <= lines.len());
            for finding in &session.findings {
                let line = finding.line as usize;
                prop_assert!(line >= 1 && line <= lines.len());
                let visible = normaliser.normalise(finding.line, lines[line - 1]).text.to_owned();
                if finding.text_cut == 0 {
                    prop_assert_eq!(&finding.text, &visible);
                } else {
                    // a long line is shown cut, ended with `…`, with the count of what went
                    let kept = finding.text.strip_suffix('…').unwrap_or(&finding.text);
                    prop_assert!(visible.starts_with(kept));
                    prop_assert_eq!(
                        kept.chars().count() as u64 + finding.text_cut,
                        visible.chars().count() as u64
                    );
                }
            }
        }
    }

    #[test]
    fn any_chunking_gives_the_same_sessions(bytes in log(), sizes in proptest::collection::vec(1usize..5000, 1..8)) {
        let whole = check_bytes(pack(), "prop", &bytes);
        let chunked = check_reader(pack(), "prop", Chunked { bytes: &bytes, sizes, next: 0 });
        prop_assert_eq!(whole, chunked);
    }

    #[test]
    fn utf16_is_recognised_however_the_bytes_arrive(text in "[ -~]{40,200}", sizes in proptest::collection::vec(1usize..7, 1..4)) {
        let mut bytes = Vec::new();
        for unit in format!("[    0.000000] Linux version 6.1.0 (x@y)\n{text}\n").encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let whole = check_bytes(pack(), "prop", &bytes);
        prop_assert_eq!(whole.sessions[0].stages[0].id.as_str(), "kernel");
        let chunked = check_reader(pack(), "prop", Chunked { bytes: &bytes, sizes, next: 0 });
        prop_assert_eq!(whole, chunked);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..20_000)) {
        let report = check_bytes(pack(), "prop", &bytes);
        prop_assert_eq!(report.status, bootrules_core::FileStatus::Ok);
    }
}
