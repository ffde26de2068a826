//! The reader and normaliser on any bytes: lines, encodings, escapes, timestamps.
#![no_main]

use bootrules_core::{LineReader, Normaliser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut reader) = LineReader::new(data) else { return };
    let mut normaliser = Normaliser::default();
    while let Ok(Some(raw)) = reader.next_line() {
        let line = normaliser.normalise(raw.number, raw.bytes);
        assert!(line.text.len() >= line.message.len());
    }
});
