//! Archive reading (gzip, zip, tar, nested) on any bytes, with small limits.
#![no_main]

use std::sync::OnceLock;

use bootrules::scan::{scan_bytes, Limits};
use bootrules_rules::{default_pack, Pack};
use libfuzzer_sys::fuzz_target;

fn pack() -> &'static Pack {
    static PACK: OnceLock<Pack> = OnceLock::new();
    PACK.get_or_init(|| default_pack().expect("default pack loads"))
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits { member_bytes: 1 << 20, members: 64, context: 0, ..Limits::default() };
    let reports = scan_bytes(pack(), "fuzz.bin", data, limits);
    assert!(!reports.is_empty(), "every input ends in at least one report");
});
