//! The whole engine with the default pack on one log.
#![no_main]

use std::sync::OnceLock;

use bootrules_core::check_bytes;
use bootrules_rules::{default_pack, Pack};
use libfuzzer_sys::fuzz_target;

fn pack() -> &'static Pack {
    static PACK: OnceLock<Pack> = OnceLock::new();
    PACK.get_or_init(|| default_pack().expect("default pack loads"))
}

fuzz_target!(|data: &[u8]| {
    let report = check_bytes(pack(), "fuzz", data);
    let lines = data.split(|&b| b == b'\n').count() as u64;
    for session in &report.sessions {
        assert!(session.start_line <= session.end_line && session.end_line <= lines);
        for finding in &session.findings {
            assert!(finding.line >= 1 && finding.line <= lines);
        }
    }
});
