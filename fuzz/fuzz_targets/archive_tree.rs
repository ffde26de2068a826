//! Archives built to a recipe the fuzzer chooses: gzip, zip and tar nested in each other, with
//! members whose zip entries may overlap (several entries pointing at the same data), checked
//! with small limits. Random bytes rarely get past an archive's checksums; built ones do.
#![no_main]

use std::io::{Cursor, Write};
use std::sync::OnceLock;

use bootrules::scan::{scan_bytes, Limits};
use bootrules_rules::{default_pack, Pack};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

fn pack() -> &'static Pack {
    static PACK: OnceLock<Pack> = OnceLock::new();
    PACK.get_or_init(|| default_pack().expect("default pack loads"))
}

/// What to build; nesting is bounded by the recipe's own size.
#[derive(Debug, Arbitrary)]
enum Node {
    /// A log: some console lines, repeated.
    Log { line: u8, times: u16 },
    /// Raw bytes.
    Bytes(Vec<u8>),
    Gzip(Box<Node>),
    /// Members; `alias` makes the central directory entries point at earlier members' data.
    Zip { members: Vec<(String, Node)>, alias: Vec<(u8, u8)> },
    Tar(Vec<(String, Node)>),
}

const LINES: [&str; 6] = [
    "[    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)\n",
    "[    2.100000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n",
    "[  OK  ] Reached target Multi-User System.\n",
    "[  183.2] dracut-initqueue[455]: Warning: dracut-initqueue timeout - starting timeout scripts\n",
    "bootlab login: \n",
    "[   60.000000] reboot: Restarting system\n",
];

fn build(node: &Node, depth: usize) -> Vec<u8> {
    if depth > 4 {
        return Vec::new();
    }
    match node {
        Node::Log { line, times } => LINES[usize::from(*line) % LINES.len()].repeat(usize::from(*times % 512)).into_bytes(),
        Node::Bytes(bytes) => bytes.clone(),
        Node::Gzip(inner) => {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            let _ = encoder.write_all(&build(inner, depth + 1));
            encoder.finish().unwrap_or_default()
        }
        Node::Zip { members, alias } => {
            let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default();
            for (name, member) in members.iter().take(16) {
                if writer.start_file(name.as_str(), options).is_ok() {
                    let _ = writer.write_all(&build(member, depth + 1));
                }
            }
            let mut bytes = writer.finish().map(Cursor::into_inner).unwrap_or_default();
            overlap(&mut bytes, alias);
            bytes
        }
        Node::Tar(members) => {
            let mut builder = tar::Builder::new(Vec::new());
            for (name, member) in members.iter().take(16) {
                let data = build(member, depth + 1);
                let mut header = tar::Header::new_gnu();
                header.set_size(data.len() as u64);
                header.set_mode(0o644);
                if header.set_path(name).is_ok() {
                    header.set_cksum();
                    let _ = builder.append(&header, data.as_slice());
                }
            }
            builder.into_inner().unwrap_or_default()
        }
    }
}

/// Points central directory entry `to` at the local header of entry `from`, for each pair.
fn overlap(zip: &mut [u8], alias: &[(u8, u8)]) {
    let mut entries = Vec::new();
    let mut at = 0;
    while let Some(found) = find(&zip[at..], b"PK\x01\x02") {
        entries.push(at + found);
        at += found + 4;
    }
    for &(from, to) in alias.iter().take(8) {
        let (Some(&from), Some(&to)) = (
            entries.get(usize::from(from) % entries.len().max(1)),
            entries.get(usize::from(to) % entries.len().max(1)),
        ) else {
            continue;
        };
        if from + 46 <= zip.len() && to + 46 <= zip.len() {
            let offset: [u8; 4] = zip[from + 42..from + 46].try_into().unwrap_or_default();
            zip[to + 42..to + 46].copy_from_slice(&offset);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fuzz_target!(|node: Node| {
    let bytes = build(&node, 0);
    let limits = Limits { member_bytes: 1 << 20, members: 64, context: 0, ..Limits::default() };
    let reports = scan_bytes(pack(), "fuzz.bin", &bytes, limits);
    assert!(!reports.is_empty(), "every input ends in at least one report");
});
