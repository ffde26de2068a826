//! The TOML rule loader (on top of the default pack) on any text: errors, never panics.
#![no_main]

use bootrules_rules::{default_sources, load, RuleSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let extra = vec![RuleSource { path: "fuzz.toml".into(), text }];
    if let Err(errors) = load(&[default_sources(), extra]) {
        for error in errors {
            let _ = error.to_string();
        }
    }
});
